// POST /email/3/send: Infobip's send, multipart/form-data (docs/moving-from-infobip.md).
import { loadConfig } from "../../shared/config.ts";
import { httpSendDeps, wiring } from "../../shared/wiring.ts";
import type { AuthDeps } from "../../shared/http/auth.ts";
import { httpRoute } from "../../shared/http/handler.ts";
import { json } from "../../shared/http/respond.ts";
import { infobipCredentials, infobipErrorResponse, infobipSend, readForm, type InfobipSendDeps } from "../../shared/infobip/index.ts";

/** Parts a form may have: every recipient (to, cc, bcc) and file is one, and the other fields few. */
const OTHER_PARTS = 100;

export const makeHandler = (deps: AuthDeps & InfobipSendDeps) =>
  httpRoute(
    { auth: deps, credentials: infobipCredentials, errors: infobipErrorResponse, maxBodyBytes: deps.config.limits.requestBytes },
    async (request) => {
      const form = await readForm(request.header("content-type"), request.rawBody, {
        fileBytes: deps.attachmentBytes,
        fieldBytes: deps.config.limits.messageBytes,
        parts: deps.config.limits.recipientsPerRequest + deps.config.limits.attachmentsPerMessage + OTHER_PARTS,
      });
      return json(200, await infobipSend(deps, request.caller, form));
    },
  );

const w = wiring({ config: loadConfig() });
export const handler = makeHandler({ ...httpSendDeps(w), attachmentBytes: w.config.smtpServer.attachmentBytes });
