// The API's own domain and the links' domain (docs/deploy.md, "Own domains"): API Gateway custom
// domains on the one HTTP API, with an ACM certificate given by ARN or issued here and validated
// in the Route 53 zone, plus alias records in that zone when it is given. Links in messages then
// point at the links domain, never at an execute-api host.
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import * as route53 from "aws-cdk-lib/aws-route53";
import * as route53Targets from "aws-cdk-lib/aws-route53-targets";
import { Construct } from "constructs";
import type { DeploySettings } from "../settings.ts";

export interface CustomDomainsProps {
  api: apigwv2.IHttpApi;
  stage: apigwv2.IHttpStage;
  settings: Pick<DeploySettings, "apiDomain" | "linksDomain" | "domainCertificateArn" | "hostedZoneName" | "hostedZoneId">;
}

export class CustomDomains extends Construct {
  constructor(scope: Construct, id: string, props: CustomDomainsProps) {
    super(scope, id);
    const { settings } = props;
    const names = [settings.apiDomain, settings.linksDomain].filter((name): name is string => Boolean(name));
    const zone =
      settings.hostedZoneName && settings.hostedZoneId
        ? route53.HostedZone.fromHostedZoneAttributes(this, "Zone", {
            zoneName: settings.hostedZoneName,
            hostedZoneId: settings.hostedZoneId,
          })
        : undefined;
    const certificate = settings.domainCertificateArn
      ? acm.Certificate.fromCertificateArn(this, "Certificate", settings.domainCertificateArn)
      : new acm.Certificate(this, "Certificate", {
          domainName: names[0],
          subjectAlternativeNames: names.slice(1),
          validation: acm.CertificateValidation.fromDns(zone),
        });
    [...new Set(names)].forEach((name, index) => {
      const domain = new apigwv2.DomainName(this, `Domain${index}`, { domainName: name, certificate });
      new apigwv2.ApiMapping(this, `Mapping${index}`, { api: props.api, domainName: domain, stage: props.stage });
      if (zone) {
        new route53.ARecord(this, `Alias${index}`, {
          zone,
          recordName: name,
          target: route53.RecordTarget.fromAlias(
            new route53Targets.ApiGatewayv2DomainProperties(domain.regionalDomainName, domain.regionalHostedZoneId),
          ),
        });
      }
    });
  }
}
