import { AcmCertificate } from '@cdktf/provider-aws/lib/acm-certificate';
import { AcmCertificateValidation } from '@cdktf/provider-aws/lib/acm-certificate-validation';
import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { PREFECT_PORT } from './security-groups';

/** Properties of {@link LoadBalancer}. */
export interface LoadBalancerProps {
  /** Prefix of names, e.g. `blog-data-dev` (ALB and target group names are cut to 32 characters). Required. */
  readonly namePrefix: string;
  /** VPC of the target group. Required. */
  readonly vpcId: string;
  /** Public subnets in at least two zones. Required. */
  readonly subnetIds: string[];
  /** Security group of the ALB. Required. */
  readonly securityGroupId: string;
  /** `config.domain`: with it, HTTPS on the name with an ACM certificate; without, plain HTTP on the ALB's name. Default none. */
  readonly domain?: { readonly name: string; readonly hostedZoneId: string };
  /** Seconds an idle connection stays open; Prefect's UI and workers hold websockets. Default 3600. */
  readonly idleTimeoutSeconds?: number;
  /** Internal ALB (no internet address), for CloudFront's VPC origin; not with a domain. Default false. */
  readonly internal?: boolean;
  /** Refuse `terraform destroy` of the ALB (prod). Default false. */
  readonly deletionProtection?: boolean;
  /** TLS policy of the HTTPS listener. Default `ELBSecurityPolicy-TLS13-1-2-2021-06` (TLS 1.3, 1.2 for older clients). */
  readonly sslPolicy?: string;
}

/**
 * The Prefect UI/API entry: an internet-facing ALB forwarding to the server's
 * tasks (ip targets on 4200, healthy when `/api/health` answers 200). With a
 * domain: an ACM certificate validated through Route 53, HTTPS with a TLS 1.3
 * policy, HTTP redirected to HTTPS and an alias record. Without a domain the
 * API is plain HTTP on the ALB's DNS name: basic auth then crosses the internet
 * unencrypted, so use that only for dev. `internal` makes it reachable from the VPC only:
 * CloudFront's VPC origin (`CloudFrontEntry`) then serves it over HTTPS.
 */
export class LoadBalancer extends Construct {
  /** The ALB. */
  readonly alb: Lb;
  /** Target group the server service registers with. */
  readonly targetGroup: LbTargetGroup;
  /** The listener that forwards to the target group (HTTPS with a domain, else HTTP). */
  readonly forwardingListener: LbListener;
  /** Base URL users reach: `https://<domain>` or `http://<alb dns>`. */
  readonly url: string;
  /** Scheme and host of {@link url} apart (`http://`, the ALB's DNS name), for building it inside functions. */
  readonly urlParts: readonly [scheme: string, host: string];

  constructor(scope: Construct, id: string, props: LoadBalancerProps) {
    super(scope, id);
    const idle = props.idleTimeoutSeconds ?? 3600;
    if (!Number.isInteger(idle) || idle < 1 || idle > 4000) {
      throw new Error(`LoadBalancer.idleTimeoutSeconds: ${idle} must be 1–4000`);
    }
    if (props.subnetIds.length < 2) {
      throw new Error(`LoadBalancer.subnetIds: an ALB needs subnets in at least 2 zones (got ${props.subnetIds.length})`);
    }
    if (props.domain && !props.domain.hostedZoneId) {
      throw new Error('LoadBalancer.domain.hostedZoneId: required with domain.name (the certificate is validated through Route 53)');
    }
    if (props.internal && props.domain) {
      throw new Error('LoadBalancer.internal: an internal ALB cannot serve a public domain (use CloudFront in front of it, or no domain)');
    }
    const sslPolicy = props.sslPolicy ?? 'ELBSecurityPolicy-TLS13-1-2-2021-06';
    if (!sslPolicy.startsWith('ELBSecurityPolicy-TLS13-')) {
      throw new Error(`LoadBalancer.sslPolicy: "${sslPolicy}" must be a TLS 1.3 policy (ELBSecurityPolicy-TLS13-*)`);
    }
    const short = props.namePrefix.slice(0, 32 - '-tg'.length);

    this.alb = new Lb(this, 'alb', {
      name: short.slice(0, 32),
      loadBalancerType: 'application',
      internal: props.internal ?? false,
      subnets: props.subnetIds,
      securityGroups: [props.securityGroupId],
      idleTimeout: idle,
      dropInvalidHeaderFields: true,
      enableDeletionProtection: props.deletionProtection ?? false,
    });
    this.targetGroup = new LbTargetGroup(this, 'server', {
      name: `${short}-tg`,
      vpcId: props.vpcId,
      targetType: 'ip',
      protocol: 'HTTP',
      port: PREFECT_PORT,
      deregistrationDelay: '30',
      healthCheck: {
        path: '/api/health',
        matcher: '200',
        interval: 30,
        timeout: 5,
        healthyThreshold: 2,
        unhealthyThreshold: 3,
      },
    });
    const forward = [{ type: 'forward', targetGroupArn: this.targetGroup.arn }];

    if (!props.domain) {
      this.forwardingListener = new LbListener(this, 'http', {
        loadBalancerArn: this.alb.arn,
        port: 80,
        protocol: 'HTTP',
        defaultAction: forward,
      });
      this.urlParts = ['http://', this.alb.dnsName];
      this.url = `http://${this.alb.dnsName}`;
      return;
    }

    const certificate = new AcmCertificate(this, 'certificate', {
      domainName: props.domain.name,
      validationMethod: 'DNS',
      lifecycle: { createBeforeDestroy: true },
    });
    // One name, so one validation record; domain_validation_options is a set, hence tolist.
    const validation = Fn.element(Fn.tolist(certificate.domainValidationOptions), 0);
    const validationRecord = new Route53Record(this, 'certificate-validation', {
      zoneId: props.domain.hostedZoneId,
      name: Fn.lookup(validation, 'resource_record_name'),
      type: Fn.lookup(validation, 'resource_record_type'),
      records: [Fn.lookup(validation, 'resource_record_value')],
      ttl: 300,
      allowOverwrite: true,
    });
    const validated = new AcmCertificateValidation(this, 'certificate-validated', {
      certificateArn: certificate.arn,
      validationRecordFqdns: [validationRecord.fqdn],
    });
    this.forwardingListener = new LbListener(this, 'https', {
      loadBalancerArn: this.alb.arn,
      port: 443,
      protocol: 'HTTPS',
      sslPolicy,
      certificateArn: validated.certificateArn,
      defaultAction: forward,
    });
    new LbListener(this, 'http-redirect', {
      loadBalancerArn: this.alb.arn,
      port: 80,
      protocol: 'HTTP',
      defaultAction: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
    });
    new Route53Record(this, 'alias', {
      zoneId: props.domain.hostedZoneId,
      name: props.domain.name,
      type: 'A',
      alias: { name: this.alb.dnsName, zoneId: this.alb.zoneId, evaluateTargetHealth: true },
    });
    this.urlParts = ['https://', props.domain.name];
    this.url = `https://${props.domain.name}`;
  }
}
