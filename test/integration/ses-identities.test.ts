// Each sending domain as an SES identity, through the real SDK against the SES v2 stand-in:
// BYODKIM with the domain's own key, the return path as custom MAIL FROM, and SES's verdict as
// a state the domain's verification counts.
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeDkimKeyPair } from "../../shared/domains/index.ts";
import { makeSesIdentities } from "../../shared/transport/ses-identities.ts";
import { startSesStandIn, type SesStandIn } from "../support/ses-standin.ts";

let ses: SesStandIn;
let identities: ReturnType<typeof makeSesIdentities>;

beforeAll(async () => {
  ses = await startSesStandIn();
  const client = new SESv2Client({
    endpoint: ses.endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  identities = makeSesIdentities(client, "posthaste-config-set");
});
afterAll(() => ses?.close());

describe("SES identities of sending domains", () => {
  it("creates the identity with our DKIM key and the return path as MAIL FROM, and reads SES's verdict", async () => {
    const keys = await makeDkimKeyPair();
    await identities.put("shop.example", { selector: "ph20261201", privateKeyPem: keys.privateKeyPem });
    const made = ses.identities.get("shop.example")!;
    expect(made.create).toMatchObject({
      EmailIdentity: "shop.example",
      ConfigurationSetName: "posthaste-config-set",
      DkimSigningAttributes: { DomainSigningSelector: "ph20261201" },
    });
    const sentKey = made.create.DkimSigningAttributes.DomainSigningPrivateKey as string;
    expect(sentKey).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(keys.privateKeyPem.replace(/-----[^-]+-----|\s/g, "")).toBe(sentKey);
    expect(made.mailFrom).toEqual({ MailFromDomain: "bounce.shop.example", BehaviorOnMxFailure: "USE_DEFAULT_VALUE" });

    expect(await identities.state("shop.example")).toMatchObject({ state: "unknown", problem: expect.stringContaining("DKIM PENDING") });
    made.dkimStatus = "SUCCESS";
    made.mailFromStatus = "SUCCESS";
    expect(await identities.state("shop.example")).toEqual({ state: "verified" });
    made.dkimStatus = "FAILED";
    expect((await identities.state("shop.example")).state).toBe("missing");

    // Added again after a removal that left the identity: the new key replaces the old.
    const again = await makeDkimKeyPair();
    await identities.put("shop.example", { selector: "ph20261202", privateKeyPem: again.privateKeyPem });
    expect(made.signing).toMatchObject({ SigningAttributesOrigin: "EXTERNAL", SigningAttributes: { DomainSigningSelector: "ph20261202" } });

    await identities.remove("shop.example");
    expect(ses.identities.has("shop.example")).toBe(false);
    expect((await identities.state("shop.example")).state).toBe("missing");
    await identities.remove("shop.example"); // already gone: not an error
  });
});
