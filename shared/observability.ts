// Metrics and the Lambda plumbing every handler runs in. Metrics go out as CloudWatch embedded
// metric format (EMF) lines through AWS Lambda Powertools' Metrics: CloudWatch turns a JSON log
// line into metrics, so publishing costs no API call and no extra latency. Every metric lands in
// one namespace with one dimension, so alarms and the dashboard (cdk/constructs/observability.ts)
// read the platform's totals whichever function or container counted them.
import middy from "@middy/core";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import type { Context } from "aws-lambda";
import { publishesMetrics } from "./config.ts";
import { logger } from "./log.ts";

export const METRICS_NAMESPACE = "Posthaste";
export const METRICS_DIMENSION = { name: "service", value: "posthaste" } as const;

/** Every metric Posthaste publishes (docs/deploy.md, "Observability"). */
export const METRIC = {
  /** Status changes recorded, one metric each. */
  accepted: "Accepted",
  sent: "Sent",
  delivered: "Delivered",
  bounced: "Bounced",
  complained: "Complained",
  rejected: "Rejected",
  /** Webhook posts that failed (each attempt). */
  webhookFailures: "WebhookFailures",
  /** Sends held back because the SES account's rate was used up: sent again later, never an attempt. */
  sesThrottled: "SesThrottled",
  /** Sends held back because the SES account's daily quota was used up: delivery pauses. */
  deliveryPaused: "DeliveryPaused",
  /** Days until the SMTP door's certificate expires (the SMTP container). */
  certificateDaysToExpiry: "SmtpCertificateDaysToExpiry",
} as const;

export type MetricName = (typeof METRIC)[keyof typeof METRIC];

// Counted here and handed to Powertools at the flush, one value per metric: Powertools would
// otherwise publish by itself every 100 values of a metric (also where nothing may be published),
// and its middleware would warn at the end of every invocation that counted nothing.
const sink = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: METRICS_DIMENSION.value });
const counts = new Map<MetricName, number>();
const gauges = new Map<MetricName, number>();

export const metrics = {
  count(name: MetricName, value = 1) {
    counts.set(name, (counts.get(name) ?? 0) + value);
  },
  /** A value at a moment (days to expiry): the last one before a flush wins. */
  gauge(name: MetricName, value: number) {
    gauges.set(name, value);
  },
  /**
   * Writes what was counted as one EMF line. Only on AWS, and never with LOG_LEVEL=silent:
   * locally CloudWatch does not read the output, and the lines would be noise.
   */
  flush() {
    if (counts.size === 0 && gauges.size === 0) return;
    if (publishesMetrics()) {
      for (const [name, value] of counts) sink.addMetric(name, MetricUnit.Count, value);
      for (const [name, value] of gauges) sink.addMetric(name, MetricUnit.NoUnit, value);
      sink.publishStoredMetrics();
    }
    counts.clear();
    gauges.clear();
  },
};

/**
 * X-Ray: a subsegment per invocation under the one Lambda records (active tracing, set by the
 * stack), with the cold start and the service as annotations. Off outside Lambda by itself.
 */
export const tracer = new Tracer({ serviceName: METRICS_DIMENSION.value });

/** The tracer's middleware, for the middy stacks (shared/http/handler.ts and `observed`). */
export const traced = <E, R>() => captureLambdaHandler(tracer, { captureResponse: false }) as middy.MiddlewareObj<E, R, Error, Context>;

/** Gives the logger the invocation's context (its request id) and publishes the invocation's metrics at its end. */
export function lambdaObservability<E, R>(): middy.MiddlewareObj<E, R, Error, Context> {
  const flush = async () => metrics.flush();
  return {
    before: async ({ context }) => {
      // The local runtime's pollers invoke consumers without a context.
      if (context?.awsRequestId) logger.addContext(context);
    },
    after: flush,
    onError: flush,
  };
}

/**
 * A Lambda handler in the observability middleware (HTTP routes get it through
 * shared/http/handler.ts). The context is optional: the local pollers and tests pass none.
 */
export function observed<E, R>(handler: (event: E, context: Context) => Promise<R>): (event: E, context?: Context) => Promise<R> {
  const wrapped = middy<E, R, Error, Context>().use(traced<E, R>()).use(lambdaObservability<E, R>()).handler(handler);
  return (event, context) => wrapped(event, context ?? ({} as Context));
}
