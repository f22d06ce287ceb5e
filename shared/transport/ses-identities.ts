// Each sending domain as an SES identity, when SES carries the mail: BYODKIM (SES signs with the
// key Posthaste made for the domain, so the DKIM record Posthaste hands out is the one SES
// uses), the return-path subdomain as its custom MAIL FROM, and SES's own verdict fed into
// verification (docs/deploy.md, "Sending domains on SES").
import {
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  type GetEmailIdentityCommandOutput,
  PutEmailIdentityDkimSigningAttributesCommand,
  PutEmailIdentityMailFromAttributesCommand,
  type SESv2Client,
} from "@aws-sdk/client-sesv2";
import { returnPathDomain, type DomainIdentities, type RecordState } from "../domain/sending-domain.ts";

const errorName = (error: unknown) => (error as { name?: string }).name ?? "";

/** SES wants the private key as base64 of its DER, without the PEM armour. */
const sesPrivateKey = (pem: string) => pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");

export function makeSesIdentities(ses: SESv2Client, configurationSet?: string): DomainIdentities {
  return {
    async put(domain, dkim) {
      const DkimSigningAttributes = { DomainSigningSelector: dkim.selector, DomainSigningPrivateKey: sesPrivateKey(dkim.privateKeyPem) };
      try {
        await ses.send(
          new CreateEmailIdentityCommand({ EmailIdentity: domain, DkimSigningAttributes, ConfigurationSetName: configurationSet }),
        );
      } catch (error) {
        if (errorName(error) !== "AlreadyExistsException") throw error;
        // Re-added after a removal that left the identity: sign with the new key.
        await ses.send(
          new PutEmailIdentityDkimSigningAttributesCommand({
            EmailIdentity: domain,
            SigningAttributesOrigin: "EXTERNAL",
            SigningAttributes: DkimSigningAttributes,
          }),
        );
      }
      await ses.send(
        new PutEmailIdentityMailFromAttributesCommand({
          EmailIdentity: domain,
          MailFromDomain: returnPathDomain(domain),
          // While the return path's MX is missing SES falls back to amazonses.com, so mail still goes out (unaligned SPF).
          BehaviorOnMxFailure: "USE_DEFAULT_VALUE",
        }),
      );
    },

    async state(domain) {
      let identity: GetEmailIdentityCommandOutput;
      try {
        identity = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
      } catch (error) {
        if (errorName(error) === "NotFoundException") return { state: "missing", problem: "SES has no identity for this domain" };
        throw error;
      }
      const dkim = identity.DkimAttributes?.Status;
      const mailFrom = identity.MailFromAttributes?.MailFromDomainStatus;
      if (identity.VerifiedForSendingStatus && dkim === "SUCCESS" && mailFrom === "SUCCESS") return { state: "verified" };
      const problem = `SES: DKIM ${dkim ?? "unknown"}, MAIL FROM ${mailFrom ?? "unknown"}, verified for sending: ${identity.VerifiedForSendingStatus ? "yes" : "no"}`;
      const failed = dkim === "FAILED" || mailFrom === "FAILED";
      const state: RecordState = failed ? "missing" : "unknown";
      return { state, problem };
    },

    async remove(domain) {
      try {
        await ses.send(new DeleteEmailIdentityCommand({ EmailIdentity: domain }));
      } catch (error) {
        if (errorName(error) !== "NotFoundException") throw error;
      }
    },
  };
}
