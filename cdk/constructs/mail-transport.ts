// How delivered mail leaves AWS. "ses": an SES v2 configuration set whose events travel
// SNS -> the SES-events queue, plus the sending domain's identity. "smtp": a relay whose
// login the sending functions read from Secrets Manager by ARN (never a value in the template).
import { CfnOutput, Stack } from "aws-cdk-lib";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as ses from "aws-cdk-lib/aws-ses";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import type { DeploySettings } from "../settings.ts";

export interface MailTransportProps {
  settings: DeploySettings;
  sesEventsQueue: sqs.IQueue;
  /** Where SNS parks SES events it could not hand to the queue. */
  sesEventsDeadLetterQueue: sqs.IQueue;
}

/**
 * Every event Posthaste turns into a status, a suppression or a log entry. Not OPEN and CLICK:
 * subscribing to them makes SES add its own pixel and rewrite links on top of Posthaste's
 * tracking (shared/links/), which already records opens and clicks.
 */
export const SES_EVENTS = [
  ses.EmailSendingEvent.SEND,
  ses.EmailSendingEvent.DELIVERY,
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.REJECT,
  ses.EmailSendingEvent.DELIVERY_DELAY,
];

export class MailTransport extends Construct {
  /** Set with the SES transport: the sending functions must name it. */
  readonly configurationSetName?: string;
  /** Read by every function and the SMTP ingest. */
  readonly environment: Record<string, string>;
  /** Read only by the functions that send mail (the relay secret's ARN). */
  readonly senderEnvironment: Record<string, string>;
  /** The relay's login, read by the sending functions at cold start and after its max age. */
  readonly relaySecret?: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: MailTransportProps) {
    super(scope, id);
    const { settings } = props;

    if (settings.transport === "smtp") {
      this.relaySecret = secretsmanager.Secret.fromSecretCompleteArn(this, "RelaySecret", settings.smtpRelaySecretArn!);
      this.environment = { TRANSPORT: "smtp" };
      this.senderEnvironment = {
        // Read at run time (shared/secrets/refresh.ts): a rotated login is used without a redeploy.
        SMTP_RELAY_SECRET_ARN: settings.smtpRelaySecretArn!,
        SMTP_SECURE: String(settings.smtpRelaySecure),
        // A relay's 250 means accepted for relaying, not delivered.
        SMTP_FINAL_HOP: "false",
      };
      return;
    }

    const configurationSet = new ses.ConfigurationSet(this, "ConfigurationSet", { reputationMetrics: true });
    const eventsTopic = new sns.Topic(this, "SesEventsTopic", { enforceSSL: true });
    // Raw delivery: each SQS record body is the SES event JSON itself, without the SNS envelope.
    eventsTopic.addSubscription(
      new subscriptions.SqsSubscription(props.sesEventsQueue, {
        rawMessageDelivery: true,
        deadLetterQueue: props.sesEventsDeadLetterQueue,
      }),
    );
    configurationSet.addEventDestination("ToSesEventsQueue", {
      destination: ses.EventDestination.snsTopic(eventsTopic),
      events: SES_EVENTS,
    });
    this.configurationSetName = configurationSet.configurationSetName;
    this.environment = { TRANSPORT: "ses", SES_CONFIGURATION_SET: configurationSet.configurationSetName };
    this.senderEnvironment = {};

    if (settings.sendingDomain) this.addSendingDomain(settings.sendingDomain, configurationSet);
  }

  private addSendingDomain(domain: string, configurationSet: ses.IConfigurationSet) {
    const identity = new ses.EmailIdentity(this, "SendingDomain", {
      identity: ses.Identity.domain(domain),
      configurationSet,
      // Bounces return to a subdomain of the sender, so SPF and DMARC align.
      mailFromDomain: `mail.${domain}`,
    });
    identity.dkimRecords.forEach((record, index) => {
      new CfnOutput(Stack.of(this), `DkimRecord${index + 1}`, {
        description: `DKIM CNAME ${index + 1} of ${domain}: publish name -> value`,
        value: `${record.name} CNAME ${record.value}`,
      });
    });
  }
}
