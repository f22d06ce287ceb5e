// Alarms and the one dashboard (docs/deploy.md, "Observability"): SES bounce and complaint rates
// below SES's own review thresholds, each function's errors and throttles (one alarm each), the API's 5xx, a
// paused delivery, the SMTP door's unhealthy hosts and certificate expiry. The queues' alarms
// (dead-letter depth, oldest record) are made with the queues (cdk/constructs/queues.ts).
import { Duration } from "aws-cdk-lib";
import type * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { METRIC, METRICS_DIMENSION, METRICS_NAMESPACE, type MetricName } from "../../shared/observability.ts";

/**
 * SES puts an account under review from a 5% bounce or 0.1% complaint rate and may pause its
 * sending at 10% and 0.5%: the alarms ring at the first, well before the second.
 */
export const BOUNCE_RATE_ALARM = 0.05;
export const COMPLAINT_RATE_ALARM = 0.001;
/** Weeks of warning before the SMTP certificate expires. */
export const CERTIFICATE_ALARM_DAYS = 21;

export interface ObservabilityProps {
  alarmTopic: sns.ITopic;
  functions: lambda.Function[];
  api: apigwv2.HttpApi;
  deadLetterQueues: sqs.IQueue[];
  /** The SMTP door's target groups' unhealthy host counts; absent with smtp=false. */
  smtpUnhealthyHosts?: cloudwatch.IMetric[];
}

export const posthasteMetric = (name: MetricName, statistic = "Sum") =>
  new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { [METRICS_DIMENSION.name]: METRICS_DIMENSION.value },
    statistic,
    period: Duration.minutes(5),
  });

export class Observability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const action = new actions.SnsAction(props.alarmTopic);
    const alarm = (alarmId: string, options: cloudwatch.AlarmProps) => {
      const made = new cloudwatch.Alarm(this, alarmId, { treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, ...options });
      made.addAlarmAction(action);
      return made;
    };
    const sesRate = (metricName: string) =>
      new cloudwatch.Metric({ namespace: "AWS/SES", metricName, statistic: "Maximum", period: Duration.hours(1) });

    alarm("SesBounceRate", {
      alarmDescription: `SES bounce rate above ${BOUNCE_RATE_ALARM * 100}% (SES reviews the account from 5%, may pause it at 10%): check lists and bounces.`,
      metric: sesRate("Reputation.BounceRate"),
      threshold: BOUNCE_RATE_ALARM,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    alarm("SesComplaintRate", {
      alarmDescription: `SES complaint rate above ${COMPLAINT_RATE_ALARM * 100}% (SES reviews the account from 0.1%, may pause it at 0.5%).`,
      metric: sesRate("Reputation.ComplaintRate"),
      threshold: COMPLAINT_RATE_ALARM,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    });
    alarm("DeliveryPaused", {
      alarmDescription: "Delivery is paused: the SES daily quota is used up or SES paused sending. Ask AWS for a higher quota.",
      metric: posthasteMetric(METRIC.deliveryPaused),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    alarm("Api5xx", {
      alarmDescription: "The HTTP API answered 5xx.",
      metric: props.api.metricServerError({ period: Duration.minutes(5), statistic: "Sum" }),
      threshold: 5,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    });
    // One alarm per function for both ways it can fail a caller (an error, a Lambda throttle): the
    // stack's resources grow by one per function, not two (docs/deploy.md, "Stack size").
    for (const fn of props.functions) {
      const name = fn.node.id.replace(/Function$/, "");
      alarm(`${name}Failures`, {
        alarmDescription: `Function ${name} failed (its logs name the request id) or was throttled by Lambda (account concurrency).`,
        metric: new cloudwatch.MathExpression({
          expression: "FILL(errors, 0) + FILL(throttles, 0)",
          usingMetrics: {
            errors: fn.metricErrors({ period: Duration.minutes(5), statistic: "Sum" }),
            throttles: fn.metricThrottles({ period: Duration.minutes(5), statistic: "Sum" }),
          },
          label: `${name} errors and throttles`,
          period: Duration.minutes(5),
        }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    }
    props.smtpUnhealthyHosts?.forEach((metric, index) => {
      alarm(`SmtpUnhealthyHosts${index}`, {
        alarmDescription: "An SMTP ingest task fails the NLB's health check.",
        metric,
        threshold: 1,
        evaluationPeriods: 2,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      });
    });
    if (props.smtpUnhealthyHosts) {
      alarm("SmtpCertificateExpiry", {
        alarmDescription: `The SMTP TLS certificate expires within ${CERTIFICATE_ALARM_DAYS} days: put a renewed one in its secret (no redeploy).`,
        metric: posthasteMetric(METRIC.certificateDaysToExpiry, "Minimum").with({ period: Duration.hours(1) }),
        threshold: CERTIFICATE_ALARM_DAYS,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      });
    }

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard");
    const graph = (title: string, left: cloudwatch.IMetric[]) => new cloudwatch.GraphWidget({ title, left, width: 12 });
    this.dashboard.addWidgets(
      graph(
        "Messages",
        [METRIC.accepted, METRIC.sent, METRIC.delivered, METRIC.bounced, METRIC.complained, METRIC.rejected].map((m) => posthasteMetric(m)),
      ),
      graph("SES pacing", [
        posthasteMetric(METRIC.sesThrottled),
        posthasteMetric(METRIC.deliveryPaused),
        posthasteMetric(METRIC.webhookFailures),
      ]),
      graph("SES reputation", [sesRate("Reputation.BounceRate"), sesRate("Reputation.ComplaintRate")]),
      graph("HTTP API", [props.api.metricCount(), props.api.metricClientError(), props.api.metricServerError()]),
      graph(
        "Function errors",
        props.functions.map((fn) => fn.metricErrors({ label: fn.node.id.replace(/Function$/, "") })),
      ),
      graph(
        "Dead-letter queues",
        props.deadLetterQueues.map((queue) => queue.metricApproximateNumberOfMessagesVisible()),
      ),
    );
    if (props.smtpUnhealthyHosts) this.dashboard.addWidgets(graph("SMTP door", props.smtpUnhealthyHosts));
  }
}
