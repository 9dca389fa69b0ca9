import type { EcsServiceConfig } from '@cdktf/provider-aws/lib/ecs-service';

/** Where tasks run. */
export interface TaskNetwork {
  /** Subnets of the tasks. */
  readonly subnetIds: string[];
  /** Security group of the tasks. */
  readonly securityGroupId: string;
  /** Public IP for tasks in public subnets (no NAT). */
  readonly assignPublicIp: boolean;
}

/** What differs between the platform's long-running Fargate services. */
export interface FargateServiceOptions {
  /** ECS cluster ARN. Required. */
  readonly clusterArn: string;
  /** The task definition the service starts with. Required. */
  readonly taskDefinitionArn: string;
  /** Subnets, security group, public IP. Required. */
  readonly network: TaskNetwork;
  /**
   * The release moves the service to new task definitions after the migration task, so
   * terraform only registers revisions. Default false.
   */
  readonly releasedAfterMigration?: boolean;
  /** A schedule (0 at night) or autoscaling owns the task count, so terraform ignores it. Default false. */
  readonly countOwnedElsewhere?: boolean;
  /**
   * Roll back by itself when a deployment fails. Only where the previous task definition can run
   * on the current schema (the worker); the server and services are rolled back by the release,
   * which downgrades the schema first. Default false.
   */
  readonly rollBackOnFailure?: boolean;
  /** ECS Exec (an SSM session) into the tasks, for a port forward where no load balancer is. Default false. */
  readonly execCommand?: boolean;
}

/**
 * The settings every long-running Fargate service of the platform shares: Fargate, the tasks'
 * network, tags propagated from the service, ECS Exec only when asked, the deployment circuit breaker, and
 * which attributes terraform leaves to the release, the schedule or autoscaling.
 */
export function fargateServiceSettings(options: FargateServiceOptions): Pick<EcsServiceConfig,
  'cluster' | 'taskDefinition' | 'launchType' | 'propagateTags' | 'enableExecuteCommand' | 'networkConfiguration' | 'deploymentCircuitBreaker' | 'lifecycle'> {
  const ignored = [...(options.releasedAfterMigration ? ['task_definition'] : []), ...(options.countOwnedElsewhere ? ['desired_count'] : [])];
  return {
    cluster: options.clusterArn,
    taskDefinition: options.taskDefinitionArn,
    launchType: 'FARGATE',
    propagateTags: 'SERVICE',
    enableExecuteCommand: options.execCommand ?? false,
    networkConfiguration: {
      subnets: options.network.subnetIds,
      securityGroups: [options.network.securityGroupId],
      assignPublicIp: options.network.assignPublicIp,
    },
    deploymentCircuitBreaker: { enable: true, rollback: options.rollBackOnFailure ?? false },
    lifecycle: ignored.length ? { ignoreChanges: ignored } : undefined,
  };
}
