// The local DNS stand-in (docs/local.md): a small authoritative server (dns2, UDP on 127.0.0.1)
// that answers from .data/dns-zone.json, so domain verification and the mailbox's DKIM, SPF and
// DMARC checks run offline exactly as they will on the internet. Names it does not hold answer
// NXDOMAIN; a name it holds without the asked type answers with no records.
import { stat } from "node:fs/promises";
import dns2 from "dns2";
import { readZone, recordsAt, zoneFile, type ZoneRecord } from "./dns-zone.ts";

const { Packet } = dns2;
const TTL = 60;
/** TXT strings longer than this are split into several character-strings (RFC 1035), as a DNS host does. */
const TXT_CHUNK = 255;

export interface DnsStandIn {
  port: number;
  /** The zone file's version (its modification time): answers change only when it does. */
  zoneVersion(): Promise<number>;
  /** Questions answered since the start. */
  answered(): number;
  close(): Promise<void>;
}

export async function startDnsStandIn(options: { dataDir: string; port: number }): Promise<DnsStandIn> {
  // Read again whenever the file changed: the admin CLI writes it from another process.
  let cached: { mtimeMs: number; zone: ZoneRecord[] } | undefined;
  let answered = 0;
  const zoneVersion = () =>
    stat(zoneFile(options.dataDir)).then(
      (s) => s.mtimeMs,
      () => 0,
    );
  const zone = async () => {
    const mtimeMs = await zoneVersion();
    if (!cached || cached.mtimeMs !== mtimeMs) cached = { mtimeMs, zone: await readZone(options.dataDir) };
    return cached.zone;
  };

  const server = dns2.createServer({
    udp: true,
    handle: (request, send) => {
      const response = Packet.createResponseFromRequest(request);
      const [question] = request.questions;
      void zone()
        .then((records) => {
          if (!question) return;
          const atName = recordsAt(records, question.name);
          if (atName.length === 0) response.header.rcode = Packet.RCODE.NXDOMAIN;
          const base = { name: question.name, class: Packet.CLASS.IN, ttl: TTL };
          // dns2 encodes plain records; its types ask for a class instance.
          const answer = (record: object) => response.answers.push(record as (typeof response.answers)[number]);
          for (const record of atName) {
            if (record.type === "TXT" && question.type === Packet.TYPE.TXT)
              answer({ ...base, type: Packet.TYPE.TXT, data: record.value.match(new RegExp(`[^]{1,${TXT_CHUNK}}`, "g")) ?? [""] });
            else if (record.type === "MX" && question.type === Packet.TYPE.MX)
              answer({ ...base, type: Packet.TYPE.MX, exchange: record.value, priority: record.priority ?? 10 });
            else if (record.type === "CNAME") answer({ ...base, type: Packet.TYPE.CNAME, domain: record.value });
          }
        })
        .catch(() => {
          response.header.rcode = Packet.RCODE.SERVFAIL;
        })
        .finally(() => {
          answered++;
          send(response);
        });
    },
  });
  await server.listen({ udp: { port: options.port, address: "127.0.0.1" } });
  const address = server.addresses().udp as { port: number };
  return {
    port: address.port,
    zoneVersion,
    answered: () => answered,
    close: async () => {
      await server.close();
    },
  };
}
