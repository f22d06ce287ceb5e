// The DNS port of domain verification: what a name holds, or that nothing is known. Built on
// node's resolver pointed at the configured servers (DNS_SERVERS; the local platform's DNS
// stand-in), so tests and `npm start` verify against the stand-in exactly as AWS does against
// the internet.
import { Resolver } from "node:dns/promises";

/** `found`: the values (TXT strings joined); `missing`: no such name or no such record; `unknown`: no answer. */
export type Lookup = { found: string[] } | { missing: string } | { unknown: string };

export interface DnsLookup {
  txt(name: string): Promise<Lookup>;
  mx(name: string): Promise<Lookup>;
  cname(name: string): Promise<Lookup>;
}

// What a resolver answers when the name or the record type is not there; anything else
// (ETIMEOUT, ESERVFAIL, ECONNREFUSED, EREFUSED ...) leaves the answer unknown.
const ABSENT = new Set(["ENOTFOUND", "ENODATA"]);

export function makeDnsLookup(options: { servers: string[]; timeoutMs: number }): DnsLookup {
  const resolver = new Resolver({ timeout: options.timeoutMs, tries: 2 });
  if (options.servers.length > 0) resolver.setServers(options.servers);
  const ask = async (name: string, query: () => Promise<string[]>): Promise<Lookup> => {
    try {
      return { found: await query() };
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      return ABSENT.has(code)
        ? { missing: `no such record at ${name}` }
        : { unknown: `DNS gave no answer for ${name} (${code || String(error)})` };
    }
  };
  return {
    txt: (name) => ask(name, async () => (await resolver.resolveTxt(name)).map((parts) => parts.join(""))),
    mx: (name) => ask(name, async () => (await resolver.resolveMx(name)).map((mx) => mx.exchange)),
    cname: (name) => ask(name, () => resolver.resolveCname(name)),
  };
}
