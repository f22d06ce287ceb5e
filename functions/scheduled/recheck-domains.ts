// Daily: looks up every sending domain's records again. A verified domain whose DKIM record or
// return path is gone stops sending, and its owner gets domain.verification_failed.
import { loadConfig } from "../../shared/config.ts";
import { recheckDomains, type DomainDeps } from "../../shared/domains/index.ts";
import { log } from "../../shared/log.ts";
import { domainDeps } from "../../shared/wiring-domains.ts";
import { wiring } from "../../shared/wiring.ts";

export const makeHandler = (deps: DomainDeps) => async () => {
  const counts = await recheckDomains(deps);
  log.info("sending domains checked", counts);
  return counts;
};

const w = wiring({ config: loadConfig() });
export const handler = makeHandler(domainDeps(w));
