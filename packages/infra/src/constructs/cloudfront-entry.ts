import { CloudfrontCachePolicy } from '@cdktf/provider-aws/lib/cloudfront-cache-policy';
import { CloudfrontDistribution } from '@cdktf/provider-aws/lib/cloudfront-distribution';
import { CloudfrontVpcOrigin } from '@cdktf/provider-aws/lib/cloudfront-vpc-origin';
import { Construct } from 'constructs';

/** Properties of {@link CloudFrontEntry}. */
export interface CloudFrontEntryProps {
  /** Prefix of names, e.g. `blog-data-dev`. Required. */
  readonly namePrefix: string;
  /** ARN of the internal ALB CloudFront reaches as a VPC origin. Required. */
  readonly loadBalancerArn: string;
  /** DNS name of that ALB (the origin's domain name). Required. */
  readonly loadBalancerDnsName: string;
  /** Edge locations to use. Default `PriceClass_100` (North America and Europe, the cheapest). */
  readonly priceClass?: 'PriceClass_100' | 'PriceClass_200' | 'PriceClass_All';
  /** Seconds CloudFront waits for the origin's answer, 1–60 (more needs an AWS quota raise). Default 60. */
  readonly originReadTimeoutSeconds?: number;
}

/**
 * AWS's managed origin request policy `Managed-AllViewerExceptHostHeader`: every viewer header
 * (websocket upgrade headers included), cookie and query string, except Host (the ALB answers
 * on its own name). The id is fixed by AWS (CloudFront developer guide, "Use managed origin
 * request policies").
 */
export const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

/**
 * HTTPS for an environment without a domain of its own: a CloudFront distribution on its
 * `*.cloudfront.net` name with CloudFront's own certificate, in front of the ALB as a **VPC
 * origin** — the ALB is internal and has no address on the internet, so CloudFront is the only
 * way in. CloudFront reaches it over HTTP inside AWS's network (the ALB has no certificate
 * without a domain); viewers must use HTTPS (HTTP is redirected).
 *
 * Nothing is cached: the API and the UI's calls carry basic auth, so the cache policy keys on
 * `Authorization` (which also makes CloudFront forward it on GET) with a default TTL of 0.
 */
export class CloudFrontEntry extends Construct {
  /** The VPC origin pointing at the ALB. */
  readonly vpcOrigin: CloudfrontVpcOrigin;
  /** The distribution users, the worker and CI reach. */
  readonly distribution: CloudfrontDistribution;
  /** `https://<id>.cloudfront.net`. */
  readonly url: string;
  /** Scheme and host of {@link url} apart, for building it inside functions. */
  readonly urlParts: readonly [scheme: string, host: string];

  constructor(scope: Construct, id: string, props: CloudFrontEntryProps) {
    super(scope, id);
    const timeout = props.originReadTimeoutSeconds ?? 60;
    if (!Number.isInteger(timeout) || timeout < 1 || timeout > 60) {
      throw new Error(`CloudFrontEntry.originReadTimeoutSeconds: ${timeout} must be 1–60 (more needs an AWS quota raise)`);
    }
    const originId = 'prefect-alb';
    this.vpcOrigin = new CloudfrontVpcOrigin(this, 'vpc-origin', {
      vpcOriginEndpointConfig: [
        {
          name: `${props.namePrefix}-alb`,
          arn: props.loadBalancerArn,
          httpPort: 80,
          httpsPort: 443,
          originProtocolPolicy: 'http-only',
          originSslProtocols: [{ items: ['TLSv1.2'], quantity: 1 }],
        },
      ],
    });
    const noCache = new CloudfrontCachePolicy(this, 'no-cache', {
      name: `${props.namePrefix}-prefect-api`,
      comment: 'Prefect API: nothing cached; Authorization in the key so it reaches the origin on every method',
      minTtl: 0,
      defaultTtl: 0,
      // > 0 only because CloudFront refuses headers in the key when every TTL is 0.
      maxTtl: 1,
      parametersInCacheKeyAndForwardedToOrigin: {
        cookiesConfig: { cookieBehavior: 'none' },
        headersConfig: { headerBehavior: 'whitelist', headers: { items: ['Authorization'] } },
        queryStringsConfig: { queryStringBehavior: 'all' },
        enableAcceptEncodingGzip: true,
        enableAcceptEncodingBrotli: true,
      },
    });
    this.distribution = new CloudfrontDistribution(this, 'distribution', {
      enabled: true,
      comment: `Prefect ${props.namePrefix}: HTTPS in front of the internal ALB`,
      priceClass: props.priceClass ?? 'PriceClass_100',
      httpVersion: 'http2',
      isIpv6Enabled: true,
      origin: [
        {
          originId,
          domainName: props.loadBalancerDnsName,
          vpcOriginConfig: { vpcOriginId: this.vpcOrigin.id, originReadTimeout: timeout, originKeepaliveTimeout: 60 },
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: originId,
        viewerProtocolPolicy: 'redirect-to-https',
        allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
        cachedMethods: ['GET', 'HEAD'],
        cachePolicyId: noCache.id,
        originRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
        compress: true,
      },
      restrictions: { geoRestriction: { restrictionType: 'none' } },
      // CloudFront's own *.cloudfront.net certificate; it fixes the minimum protocol itself.
      viewerCertificate: { cloudfrontDefaultCertificate: true },
    });
    this.urlParts = ['https://', this.distribution.domainName];
    this.url = `https://${this.distribution.domainName}`;
  }
}
