import { PREFECT_SERVER_PORT } from '@blog-data/config';
import { DataAwsEc2ManagedPrefixList } from '@cdktf/provider-aws/lib/data-aws-ec2-managed-prefix-list';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct } from 'constructs';

/** The Prefect server's port (API and UI), from config. */
export const PREFECT_PORT = PREFECT_SERVER_PORT;
/** PostgreSQL. */
export const POSTGRES_PORT = 5432;

/** Properties of {@link SecurityGroups}. */
export interface SecurityGroupsProps {
  /** VPC the groups belong to. Required. */
  readonly vpcId: string;
  /** Prefix of the group names, e.g. `blog-data-dev`. Required. */
  readonly namePrefix: string;
  /** Ports the ALB listens on: [80] without a domain, [80, 443] with one, [] without an ALB. Required. */
  readonly listenerPorts: readonly number[];
  /**
   * Who may reach the ALB: `internet`, or `cloudfront` = only CloudFront's origin-facing servers
   * (AWS's managed prefix list), for an internal ALB behind a VPC origin; `none` = there is no ALB
   * (a private endpoint: no ALB group, the server admits the ECS tasks only). Default `internet`.
   */
  readonly albSource?: 'internet' | 'cloudfront' | 'none';
  /** Scale-out mode: groups for the background-services tasks and Redis. Default false. */
  readonly scaleOut?: boolean;
}

/** Redis (ElastiCache). */
export const REDIS_PORT = 6379;

/** AWS's managed prefix list of CloudFront's origin-facing servers (global). */
export const CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST = 'com.amazonaws.global.cloudfront.origin-facing';

type Peer = { readonly cidr: string } | { readonly group: SecurityGroup } | { readonly prefixList: string };

/**
 * The traffic rules, one group per role, least privilege:
 * ALB ← internet on its listener ports; server:4200 ← ALB and ECS tasks (worker,
 * flow runs); server → 5432 (database), 443 (AWS APIs, ECR) and 53 (DNS) only;
 * database:5432 ← server only (the tasks talk to Prefect's API, never to its
 * database); worker and flow runs → 443, the ALB's listeners and server:4200.
 */
export class SecurityGroups extends Construct {
  /** The load balancer; none with `albSource: 'none'`. */
  readonly alb?: SecurityGroup;
  /** The Prefect server tasks. */
  readonly server: SecurityGroup;
  /** The Prefect worker (and the one-off deployer task). */
  readonly worker: SecurityGroup;
  /** The flow-run tasks the worker starts. */
  readonly flowRun: SecurityGroup;
  /** The Aurora cluster. */
  readonly database: SecurityGroup;
  /** Scale-out: the background-services tasks (database and Redis, no inbound). */
  readonly services?: SecurityGroup;
  /** Scale-out: Redis, 6379 from the server and services tasks only. */
  readonly redis?: SecurityGroup;

  constructor(scope: Construct, id: string, props: SecurityGroupsProps) {
    super(scope, id);
    const withoutAlb = props.albSource === 'none';
    if (withoutAlb ? props.listenerPorts.length > 0 : props.listenerPorts.length === 0 || props.listenerPorts.some((p) => p !== 80 && p !== 443)) {
      throw new Error(`SecurityGroups.listenerPorts: [${props.listenerPorts.join(', ')}] must be ${withoutAlb ? 'empty with albSource "none"' : 'a non-empty subset of [80, 443]'}`);
    }
    const group = (name: string, description: string) =>
      new SecurityGroup(this, name, {
        // A prefix, not a fixed name: replacing a group (a new description, say) creates the new one
        // first while tasks still use the old, and two groups cannot share a name.
        namePrefix: `${props.namePrefix}-${name}-`,
        description,
        vpcId: props.vpcId,
        lifecycle: { createBeforeDestroy: true },
        tags: { Name: `${props.namePrefix}-${name}` },
      });
    const fromCloudFront = props.albSource === 'cloudfront';
    if (fromCloudFront && props.listenerPorts.includes(443)) {
      throw new Error('SecurityGroups.listenerPorts: 443 goes with albSource "internet" (CloudFront reaches the internal ALB on 80)');
    }
    this.server = group('server', withoutAlb ? 'Prefect server: 4200 from ECS tasks' : 'Prefect server: 4200 from the ALB and ECS tasks');
    this.worker = group('worker', 'Prefect worker and deployer tasks');
    this.flowRun = group('flow-run', 'Prefect flow-run tasks');
    this.database = group('database', 'Aurora PostgreSQL: 5432 from the Prefect server');

    const anywhere = { cidr: '0.0.0.0/0' };
    if (!withoutAlb) {
      const alb = group('alb', fromCloudFront ? 'Prefect load balancer: HTTP from CloudFront only' : 'Prefect load balancer: HTTP(S) from the internet');
      this.alb = alb;
      if (fromCloudFront) {
        const cloudfront = new DataAwsEc2ManagedPrefixList(this, 'cloudfront-origin-facing', { name: CLOUDFRONT_ORIGIN_FACING_PREFIX_LIST });
        for (const port of props.listenerPorts) {
          this.ingress(alb, `cloudfront-${port}`, 'tcp', port, { prefixList: cloudfront.id }, 'HTTP from CloudFront origin-facing servers only');
        }
      } else {
        for (const port of props.listenerPorts) {
          this.ingress(alb, `internet-${port}`, 'tcp', port, anywhere, `HTTP${port === 443 ? 'S' : ''} from the internet`);
        }
      }
      this.egress(alb, 'to-server', 'tcp', PREFECT_PORT, { group: this.server }, 'Forward to the Prefect server');
      this.ingress(this.server, 'from-alb', 'tcp', PREFECT_PORT, { group: alb }, 'Prefect API/UI from the ALB');
    }
    this.ingress(this.server, 'from-worker', 'tcp', PREFECT_PORT, { group: this.worker }, 'Prefect API from the worker');
    this.ingress(this.server, 'from-flow-run', 'tcp', PREFECT_PORT, { group: this.flowRun }, 'Prefect API from flow runs');
    this.egress(this.server, 'to-database', 'tcp', POSTGRES_PORT, { group: this.database }, 'PostgreSQL');
    this.egress(this.server, 'https', 'tcp', 443, anywhere, 'AWS APIs, ECR, Secrets Manager, CloudWatch Logs');
    this.egress(this.server, 'dns-udp', 'udp', 53, anywhere, 'DNS');
    this.egress(this.server, 'dns-tcp', 'tcp', 53, anywhere, 'DNS (large answers)');

    this.ingress(this.database, 'from-server', 'tcp', POSTGRES_PORT, { group: this.server }, 'PostgreSQL from the Prefect server');

    if (props.scaleOut) {
      const services = group('services', 'Prefect background services: no inbound');
      const redis = group('redis', 'Redis: 6379 from the Prefect server and background services');
      this.services = services;
      this.redis = redis;
      this.egress(services, 'to-database', 'tcp', POSTGRES_PORT, { group: this.database }, 'PostgreSQL');
      this.egress(services, 'to-redis', 'tcp', REDIS_PORT, { group: redis }, 'Redis');
      this.egress(services, 'https', 'tcp', 443, anywhere, 'AWS APIs, ECR, Secrets Manager, CloudWatch Logs');
      this.egress(services, 'dns-udp', 'udp', 53, anywhere, 'DNS');
      this.egress(services, 'dns-tcp', 'tcp', 53, anywhere, 'DNS (large answers)');
      this.egress(this.server, 'to-redis', 'tcp', REDIS_PORT, { group: redis }, 'Redis');
      this.ingress(this.database, 'from-services', 'tcp', POSTGRES_PORT, { group: services }, 'PostgreSQL from the background services');
      this.ingress(redis, 'from-server', 'tcp', REDIS_PORT, { group: this.server }, 'Redis from the Prefect API servers');
      this.ingress(redis, 'from-services', 'tcp', REDIS_PORT, { group: services }, 'Redis from the background services');
    }

    for (const [name, sg] of [['worker', this.worker], ['flow-run', this.flowRun]] as const) {
      this.egress(sg, 'https', 'tcp', 443, anywhere, 'AWS APIs, ECR, the ALB over HTTPS, package indexes');
      this.egress(sg, 'to-server', 'tcp', PREFECT_PORT, { group: this.server }, 'Prefect API inside the VPC');
      if (!props.listenerPorts.includes(443) && !fromCloudFront && !withoutAlb) {
        // Without a domain the API URL is the ALB's over plain HTTP. The ALB is internet-facing, so
        // its DNS name resolves to public IPs and a rule referencing its group would never match.
        this.egress(sg, 'http', 'tcp', 80, anywhere, `Prefect API through the ALB (HTTP, no domain) from the ${name}`);
      }
      this.egress(sg, 'dns-udp', 'udp', 53, anywhere, 'DNS');
    }
  }

  private ingress(sg: SecurityGroup, id: string, protocol: 'tcp' | 'udp', port: number, from: Peer, description: string) {
    new VpcSecurityGroupIngressRule(this, `${sg.node.id}-in-${id}`, {
      securityGroupId: sg.id,
      description,
      ipProtocol: protocol,
      fromPort: port,
      toPort: port,
      ...peerOf(from),
    });
  }

  private egress(sg: SecurityGroup, id: string, protocol: 'tcp' | 'udp', port: number, to: Peer, description: string) {
    new VpcSecurityGroupEgressRule(this, `${sg.node.id}-out-${id}`, {
      securityGroupId: sg.id,
      description,
      ipProtocol: protocol,
      fromPort: port,
      toPort: port,
      ...peerOf(to),
    });
  }
}

function peerOf(peer: Peer) {
  if ('cidr' in peer) return { cidrIpv4: peer.cidr };
  if ('prefixList' in peer) return { prefixListId: peer.prefixList };
  return { referencedSecurityGroupId: peer.group.id };
}
