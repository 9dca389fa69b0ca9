import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster';
import { EcsClusterCapacityProviders } from '@cdktf/provider-aws/lib/ecs-cluster-capacity-providers';
import { Construct } from 'constructs';

/** Properties of {@link Cluster}. */
export interface ClusterProps {
  /** Cluster name (`config.ecs.clusterName`). Required. */
  readonly clusterName: string;
  /** CloudWatch Container Insights (per-task metrics, extra cost). Required. */
  readonly containerInsights: boolean;
}

/** The Fargate cluster the server, the worker, the deployer and every flow run share. */
export class Cluster extends Construct {
  /** The cluster. */
  readonly cluster: EcsCluster;

  constructor(scope: Construct, id: string, props: ClusterProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(props.clusterName)) {
      throw new Error(`Cluster.clusterName: "${props.clusterName}" must be 1–255 letters, digits, - or _`);
    }
    this.cluster = new EcsCluster(this, 'cluster', {
      name: props.clusterName,
      setting: [{ name: 'containerInsights', value: props.containerInsights ? 'enabled' : 'disabled' }],
    });
    new EcsClusterCapacityProviders(this, 'capacity', {
      clusterName: this.cluster.name,
      capacityProviders: ['FARGATE'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    });
  }
}
