// The public HTTPS door: an API Gateway HTTP API with a throttled, access-logged default stage.
// Routes are added one Lambda each, from the manifest.
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as apigw from "aws-cdk-lib/aws-apigateway";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { RouteDef } from "../../functions/manifest.ts";
import { DEFAULT_RATE_PER_SECOND } from "../../shared/store/rate-limit.ts";

export interface HttpApiProps {
  corsOrigins: string[];
}

/**
 * One throttle story (docs/deploy.md, "Throttling"): the application limits each account
 * (DEFAULT_RATE_PER_SECOND, with its JSON error and Retry-After), and the stage sits well above
 * it, at the region's default account limit, so a caller within its own limit never meets the
 * gateway's bare 429. API Gateway HTTP APIs cannot shape their own 429.
 */
export const API_THROTTLE = { rateLimit: 10_000, burstLimit: 5_000 };
/**
 * Each public link route (opens, clicks, unsubscribe, web version) on its own budget: a
 * newsletter's opens and clicks can never use up what the send API needs.
 */
export const LINK_ROUTE_THROTTLE = { rateLimit: 2_000, burstLimit: 1_000 };

/** The routes recipients' mail clients and browsers call (links in messages), not tenants. */
export const isPublicLinkRoute = (route: Pick<RouteDef, "path">) => /^\/(t|u|w)\//.test(route.path);

if (API_THROTTLE.rateLimit <= DEFAULT_RATE_PER_SECOND) throw new Error("The stage throttle must sit above the per-account limit");

// Who called what, how it ended and how long it took; never headers, so API keys stay out of logs.
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: "$context.requestId",
  time: "$context.requestTime",
  ip: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
  method: "$context.httpMethod",
  routeKey: "$context.routeKey",
  status: "$context.status",
  responseLength: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationLatencyMs: "$context.integrationLatency",
  integrationError: "$context.integrationErrorMessage",
});

export class HttpApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  private readonly routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};

  constructor(scope: Construct, id: string, props: HttpApiProps) {
    super(scope, id);
    this.api = new apigwv2.HttpApi(this, "Api", {
      description: "Posthaste HTTP API",
      createDefaultStage: false,
      corsPreflight: props.corsOrigins.length
        ? {
            allowOrigins: props.corsOrigins,
            allowMethods: [apigwv2.CorsHttpMethod.ANY],
            allowHeaders: ["Authorization", "Content-Type", "Idempotency-Key"],
            maxAge: Duration.hours(1),
          }
        : undefined,
    });
    const accessLogs = new logs.LogGroup(this, "AccessLogs", {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigwv2.HttpStage(this, "DefaultStage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
  }

  /** The API's base URL (the `$default` stage serves the root). */
  get url(): string {
    return this.api.apiEndpoint;
  }

  addRoute(route: RouteDef, fn: lambda.IFunction) {
    // One integration for every path the function serves.
    const integration = new HttpLambdaIntegration(`${route.name}Integration`, fn);
    for (const { method, path } of [route, ...(route.also ?? [])]) {
      this.api.addRoutes({ path, methods: [apigwv2.HttpMethod[method]], integration });
    }
    if (isPublicLinkRoute(route)) {
      this.routeSettings[`${route.method} ${route.path}`] = {
        ThrottlingRateLimit: LINK_ROUTE_THROTTLE.rateLimit,
        ThrottlingBurstLimit: LINK_ROUTE_THROTTLE.burstLimit,
      };
      // The L2 stage has no per-route throttle: the CloudFormation property, rewritten as routes come.
      (this.stage.node.defaultChild as apigwv2.CfnStage).addPropertyOverride("RouteSettings", this.routeSettings);
    }
  }
}
