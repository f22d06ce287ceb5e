// Sending domains' pure rules: which names may be sending domains, the records handed out, how
// a lookup's answer is judged, what a check makes of the states, and the sealing of DKIM keys.
import { KeyObject } from "node:crypto";
import { createSocket } from "node:dgram";
import { describe, expect, it } from "vitest";
import type { AppError } from "../../shared/domain/errors.ts";
import {
  check,
  identityOf,
  makeDkimKeyPair,
  makeDnsLookup,
  makeKeySealer,
  recordsFor,
  sendingDomainName,
  statusAfterCheck,
  type DnsLookup,
  type DomainDeps,
} from "../../shared/domains/index.ts";
import { checkRecord } from "../../shared/domains/records.ts";
import { makeSenderIdentities } from "../../shared/domains/sender-identities.ts";
import type { SendingDomain } from "../../shared/domain/sending-domain.ts";

const SETTINGS = {
  spf: "include:amazonses.com",
  returnPathMx: "feedback-smtp.eu-west-1.amazonses.com",
  linksHost: "links.posthaste.example",
};
const reasonOf = (name: unknown) => {
  try {
    sendingDomainName(name);
  } catch (error) {
    return (error as AppError).reasons[0].key;
  }
  return undefined;
};

describe("sending domain names", () => {
  it("takes domains in lower case, IDNs as A-labels, subdomains too", () => {
    expect(sendingDomainName(" Example.COM. ")).toBe("example.com");
    expect(sendingDomainName("mail.shop.co.uk")).toBe("mail.shop.co.uk");
    expect(sendingDomainName("пример.рф")).toBe("xn--e1afmkfd.xn--p1ai");
    expect(sendingDomainName("user.github.io")).toBe("user.github.io");
  });

  it("refuses what is not a domain, IP addresses and public suffixes, each with its reason", () => {
    expect(reasonOf("not a domain")).toBe("invalid_domain");
    expect(reasonOf("-bad-.com")).toBe("invalid_domain");
    expect(reasonOf("localhost")).toBe("invalid_domain");
    expect(reasonOf(`${"a".repeat(64)}.com`)).toBe("invalid_domain");
    expect(reasonOf("192.0.2.1")).toBe("ip_not_allowed");
    expect(reasonOf("[2001:db8::1]")).toBe("ip_not_allowed");
    expect(reasonOf("co.uk")).toBe("public_suffix");
    expect(reasonOf("github.io")).toBe("public_suffix");
    expect(reasonOf(undefined)).toBe("required");
  });
});

/** A lookup that answers from a table: a value list, "missing" or "timeout". */
function fakeDns(answers: Record<string, string[] | "missing" | "timeout">): DnsLookup {
  const answer = async (name: string) => {
    const found = answers[name] ?? "missing";
    if (found === "missing") return { missing: `no such record at ${name}` };
    if (found === "timeout") return { unknown: `DNS gave no answer for ${name} (ETIMEOUT)` };
    return { found };
  };
  return { txt: answer, mx: answer, cname: answer };
}

describe("records and their checks", () => {
  const records = recordsFor("shop.example", { selector: "ph20260101", publicKey: "MIIBkey" }, SETTINGS);
  const [dkim, mx, spf, dmarc, tracking] = records;

  it("hands out DKIM, the return path's MX and SPF, DMARC and the tracking CNAME", () => {
    expect(records.map(({ type, name, value, priority }) => ({ type, name, value, priority }))).toEqual([
      { type: "TXT", name: "ph20260101._domainkey.shop.example", value: "v=DKIM1; k=rsa; p=MIIBkey", priority: undefined },
      { type: "MX", name: "bounce.shop.example", value: "feedback-smtp.eu-west-1.amazonses.com", priority: 10 },
      { type: "TXT", name: "bounce.shop.example", value: "v=spf1 include:amazonses.com ~all", priority: undefined },
      { type: "TXT", name: "_dmarc.shop.example", value: "v=DMARC1; p=none; rua=mailto:dmarc-reports@shop.example", priority: undefined },
      { type: "CNAME", name: "track.shop.example", value: "links.posthaste.example", priority: undefined },
    ]);
  });

  it("verifies what matches however a DNS host wrote it, and says why what does not", async () => {
    const dns = fakeDns({
      [dkim.name]: ["v=DKIM1;k=rsa; t=s; p=MIIB key"],
      [mx.name]: ["FEEDBACK-SMTP.eu-west-1.amazonses.com."],
      [dmarc.name]: ["v=DMARC1; p=reject"],
      [tracking.name]: ["elsewhere.example"],
    });
    expect((await checkRecord(dkim, dns)).state).toBe("verified");
    expect((await checkRecord(mx, dns)).state).toBe("verified");
    expect((await checkRecord(dmarc, dns)).state).toBe("verified");
    expect(await checkRecord(tracking, dns)).toMatchObject({ state: "missing", problem: expect.stringContaining("elsewhere.example") });
    // The owner's own SPF may add mechanisms; two SPF records are an error receivers refuse.
    expect((await checkRecord(spf, fakeDns({ [spf.name]: ["v=spf1 ip4:192.0.2.1 include:amazonses.com -all"] }))).state).toBe("verified");
    expect(await checkRecord(spf, fakeDns({ [spf.name]: ["v=spf1 include:amazonses.com ~all", "v=spf1 a ~all"] }))).toMatchObject({
      state: "missing",
      problem: expect.stringContaining("more than one SPF record"),
    });
    expect((await checkRecord(dkim, fakeDns({ [dkim.name]: ["v=DKIM1; k=rsa; p=OTHERKEY"] }))).state).toBe("missing");
    expect((await checkRecord(dkim, fakeDns({ [dkim.name]: "timeout" }))).state).toBe("unknown");
  });

  it("decides from the required records: all verified, one missing, or nothing known", () => {
    expect(statusAfterCheck("pending", ["verified", "verified", "verified"])).toBe("verified");
    expect(statusAfterCheck("pending", ["verified", "missing", "verified"])).toBe("pending");
    expect(statusAfterCheck("verified", ["missing", "verified", "verified"])).toBe("failed");
    expect(statusAfterCheck("failed", ["verified", "verified", "verified"])).toBe("verified");
    // A timeout is never a verdict: neither a false "verified" nor a false "failed".
    expect(statusAfterCheck("pending", ["verified", "unknown", "verified"])).toBe("pending");
    expect(statusAfterCheck("verified", ["unknown", "unknown", "unknown"])).toBe("verified");
  });

  it("leaves a verified domain verified and tells nobody when DNS does not answer", async () => {
    const verified: SendingDomain = {
      accountId: "a",
      domain: "shop.example",
      status: "verified",
      dkim: { selector: "ph20260101", publicKey: "MIIBkey", sealedPrivateKey: "-" },
      records,
      createdAt: 0,
    };
    const saved: SendingDomain[] = [];
    const told: unknown[] = [];
    const deps = {
      store: { save: async (d: SendingDomain) => saved.push(d) > 0, claim: async () => true },
      dns: fakeDns(Object.fromEntries(records.map((r) => [r.name, "timeout" as const]))),
      notify: async (_accountId: string, event: unknown) => void told.push(event),
    } as unknown as DomainDeps;
    const { domain } = await check(deps, verified);
    expect(domain.status).toBe("verified");
    expect(domain.records.every((r) => r.state === "unknown")).toBe(true);
    expect(told).toEqual([]);
    expect(saved).toHaveLength(1);
  });
});

describe("DNS lookups", () => {
  it("reports a server that does not answer as unknown, not as missing", async () => {
    const silent = createSocket("udp4");
    await new Promise<void>((resolve) => silent.bind(0, "127.0.0.1", () => resolve()));
    const dns = makeDnsLookup({ servers: [`127.0.0.1:${silent.address().port}`], timeoutMs: 100 });
    try {
      expect(await dns.txt("ph._domainkey.shop.example")).toMatchObject({ unknown: expect.stringContaining("shop.example") });
    } finally {
      silent.close();
    }
  });
});

describe("DKIM keys", () => {
  it("are 2048-bit RSA, and the private key is kept only sealed with the key-encryption secret", async () => {
    const pair = await makeDkimKeyPair();
    expect(Buffer.from(pair.publicKey, "base64").length).toBeGreaterThan(290);
    const sealer = makeKeySealer("a secret of at least thirty-two characters");
    const sealed = sealer.seal(pair.privateKeyPem);
    expect(sealed).not.toContain("PRIVATE KEY");
    expect(sealer.open(sealed)).toBe(pair.privateKeyPem);
    expect(() => makeKeySealer("another secret of at least thirty-two chars").open(sealed)).toThrow();
    expect(() => makeKeySealer(undefined).seal("x")).toThrow(/DKIM_KEY_ENCRYPTION_KEY is not set/);
  });
});

describe("what a domain's mail is signed and addressed with", () => {
  const sealer = makeKeySealer("a secret of at least thirty-two characters");
  const domainWith = async (verified: string[]): Promise<SendingDomain> => {
    const pair = await makeDkimKeyPair();
    const dkim = { selector: "ph20260101", publicKey: pair.publicKey, sealedPrivateKey: sealer.seal(pair.privateKeyPem) };
    const records = recordsFor("shop.example", dkim, SETTINGS).map((r) => ({
      ...r,
      state: verified.includes(r.purpose) ? ("verified" as const) : ("missing" as const),
    }));
    return { accountId: "a1", domain: "shop.example", status: "verified", dkim, records, createdAt: 0 };
  };
  const options = { sealer, publicUrl: "https://links.posthaste.example:8443/", trackingHosts: true };

  it("signs with the domain's key, bounces to its return path and links through its tracking host once they check out", async () => {
    const domain = await domainWith(["dkim", "returnPathMx", "returnPathSpf", "tracking"]);
    const identity = identityOf(domain, options);
    expect(identity.dkim).toMatchObject({ domainName: "shop.example", keySelector: "ph20260101" });
    expect(identity.dkim!.privateKey.export({ type: "pkcs8", format: "pem" })).toBe(sealer.open(domain.dkim!.sealedPrivateKey));
    expect(identity.returnPath).toBe("bounce.shop.example");
    expect(identity.linkBase).toBe("https://track.shop.example:8443");
    // The deployment does not serve tenants' tracking hosts: links stay on its own host.
    expect(identityOf(domain, { ...options, trackingHosts: false }).linkBase).toBeUndefined();
  });

  it("decrypts and parses a domain's key once: its messages all sign with the same parsed key", async () => {
    const domain = await domainWith(["dkim"]);
    let opened = 0;
    const counting = {
      ...sealer,
      open(sealed: string) {
        opened++;
        return sealer.open(sealed);
      },
    };
    const identities = makeSenderIdentities({ ...options, sealer: counting, store: { get: async () => domain } });
    const [first, second] = [await identities.of("a1", "shop.example"), await identities.of("a1", "shop.example")];
    expect(first.dkim!.privateKey).toBeInstanceOf(KeyObject);
    expect(second.dkim!.privateKey).toBe(first.dkim!.privateKey);
    expect(opened).toBe(1);
  });

  it("keeps the shared return path and links host while those records are not there", async () => {
    const identity = identityOf(await domainWith(["dkim", "returnPathMx"]), options);
    expect(identity.dkim?.domainName).toBe("shop.example");
    expect(identity.returnPath).toBeUndefined();
    expect(identity.linkBase).toBeUndefined();
  });
});
