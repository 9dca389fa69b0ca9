import { ServiceDiscoveryPrivateDnsNamespace } from '@cdktf/provider-aws/lib/service-discovery-private-dns-namespace';
import { ServiceDiscoveryService } from '@cdktf/provider-aws/lib/service-discovery-service';
import { Construct } from 'constructs';
import { PREFECT_PORT } from './security-groups';

/** Properties of {@link PrivateServerName}. */
export interface PrivateServerNameProps {
  /** The namespace, a DNS name resolvable inside the VPC only (config's `privateDnsNamespace`, e.g. `blog-data-dev.internal`). Required. */
  readonly namespace: string;
  /** The server's name in the namespace (config's `PRIVATE_SERVER_NAME`). Required. */
  readonly serviceName: string;
  /** The VPC whose resolver answers for the namespace. Required. */
  readonly vpcId: string;
  /** Seconds resolvers cache the server's address; a replaced task is found after at most this. Default 10. */
  readonly ttlSeconds?: number;
}

/**
 * The Prefect server's private name, for an environment without a load balancer (`endpoint:
 * 'private'`): a Cloud Map private DNS namespace (a Route 53 hosted zone associated with the VPC,
 * ~$0.50/month) and a service in it whose A records ECS keeps pointing at the running server tasks
 * (`service_registries` on the ECS service). The worker, flow runs and the deployer task reach
 * `http://<serviceName>.<namespace>:4200/api`. A name, not an ALB, because an ALB bills every hour
 * it exists, and CloudFront's VPC origins need an ALB, NLB or EC2 instance behind them.
 */
export class PrivateServerName extends Construct {
  /** The Cloud Map service; ECS registers the server's tasks in it (`service_registries.registry_arn`). */
  readonly service: ServiceDiscoveryService;
  /** `http://<serviceName>.<namespace>:4200`: the server's base URL inside the VPC. */
  readonly url: string;
  /** Scheme and host[:port] of {@link url} apart, as the other entries give them. */
  readonly urlParts: readonly [scheme: string, host: string];

  constructor(scope: Construct, id: string, props: PrivateServerNameProps) {
    super(scope, id);
    const ttl = props.ttlSeconds ?? 10;
    if (!Number.isInteger(ttl) || ttl < 0 || ttl > 2147483647) {
      throw new Error(`PrivateServerName.ttlSeconds: ${ttl} must be a whole number of seconds ≥ 0`);
    }
    if (!/^([a-z0-9-]+\.)+[a-z0-9-]+$/.test(props.namespace)) {
      throw new Error(`PrivateServerName.namespace: "${props.namespace}" must be a DNS name such as blog-data-dev.internal`);
    }
    if (!/^[a-z0-9-]{1,63}$/.test(props.serviceName)) {
      throw new Error(`PrivateServerName.serviceName: "${props.serviceName}" must be one DNS label (a-z, 0-9, -)`);
    }
    const namespace = new ServiceDiscoveryPrivateDnsNamespace(this, 'namespace', {
      name: props.namespace,
      description: 'Private names of the Prefect platform (the server, without a load balancer)',
      vpc: props.vpcId,
    });
    this.service = new ServiceDiscoveryService(this, 'server', {
      name: props.serviceName,
      description: 'The Prefect server tasks (registered by ECS)',
      dnsConfig: {
        namespaceId: namespace.id,
        // One A record per running task (several in the scale-out mode); clients pick among them.
        routingPolicy: 'MULTIVALUE',
        dnsRecords: [{ type: 'A', ttl }],
      },
      // ECS reports the tasks' health (the container health check on /api/health) to Cloud Map,
      // so an unhealthy task drops out of the answers (failure_threshold is fixed at 1 by AWS now).
      healthCheckCustomConfig: {},
      // A namespace cannot be deleted while the service holds instances; ECS deregisters them as
      // its tasks stop, this removes any left behind so `terraform destroy` does not stall.
      forceDestroy: true,
    });
    const host = `${props.serviceName}.${props.namespace}:${PREFECT_PORT}`;
    this.urlParts = ['http://', host];
    this.url = `http://${host}`;
  }
}
