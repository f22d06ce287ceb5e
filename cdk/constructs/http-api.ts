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

export interface HttpApiProps {
  corsOrigins: string[];
}

/** Stage-wide defaults; per-account limits are enforced by the application itself (docs/configuration.md). */
export const API_THROTTLE = { rateLimit: 1000, burstLimit: 2000 };

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
    new apigwv2.HttpStage(this, "DefaultStage", {
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
    this.api.addRoutes({
      path: route.path,
      methods: [apigwv2.HttpMethod[route.method]],
      integration: new HttpLambdaIntegration(`${route.name}Integration`, fn),
    });
  }
}
