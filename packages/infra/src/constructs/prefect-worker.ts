import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { Construct } from 'constructs';
import { FargateTask, PrefectTaskProps } from './fargate-task';
import type { TaskNetwork } from './prefect-server';

/** Properties of {@link PrefectWorker}. */
export interface PrefectWorkerProps extends PrefectTaskProps {
  /** ECS cluster ARN. Required. */
  readonly clusterArn: string;
  /** Work pool the worker polls (`config.prefect.workPool`). Required. */
  readonly workPool: string;
  /** Prefect API URL, `<public url>/api` (ALB or domain). Required. */
  readonly apiUrl: string;
  /** Secret holding the basic-auth string `user:password`. Required. */
  readonly apiAuthSecretArn: string;
  /** Subnets, security group, public IP. Required. */
  readonly network: TaskNetwork;
  /** The task count is set by a {@link ServiceSchedule}, so terraform ignores `desired_count`. Default false. */
  readonly scheduled?: boolean;
}

/**
 * The Prefect ECS worker: polls the work pool and starts each flow run as its
 * own Fargate task. It reaches the API the same way users do (the ALB or the
 * domain) with the basic-auth string from Secrets Manager.
 */
export class PrefectWorker extends Construct {
  /** Task definition. */
  readonly task: FargateTask;
  /** The ECS service. */
  readonly service: EcsService;

  constructor(scope: Construct, id: string, props: PrefectWorkerProps) {
    super(scope, id);
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(props.workPool)) {
      throw new Error(`PrefectWorker.workPool: "${props.workPool}" must be lowercase letters, digits and hyphens`);
    }
    if (!props.apiUrl.endsWith('/api')) {
      throw new Error(`PrefectWorker.apiUrl: "${props.apiUrl}" must end with /api`);
    }
    this.task = new FargateTask(this, 'task', {
      family: `${props.namePrefix}-worker`,
      cpu: props.cpu,
      memory: props.memory,
      executionRoleArn: props.executionRoleArn,
      taskRoleArn: props.taskRoleArn,
      container: {
        name: 'prefect-worker',
        image: props.image,
        command: ['prefect', 'worker', 'start', '--pool', props.workPool, '--type', 'ecs'],
        environment: {
          PREFECT_API_URL: props.apiUrl,
        },
        secrets: { PREFECT_API_AUTH_STRING: props.apiAuthSecretArn },
        logGroup: props.logGroup,
        region: props.region,
      },
    });
    this.service = new EcsService(this, 'service', {
      name: 'prefect-worker',
      cluster: props.clusterArn,
      taskDefinition: this.task.definition.arn,
      launchType: 'FARGATE',
      desiredCount: 1,
      // A worker may be replaced freely: flow runs are their own tasks and survive it.
      deploymentMinimumHealthyPercent: 0,
      deploymentMaximumPercent: 100,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      propagateTags: 'SERVICE',
      networkConfiguration: {
        subnets: props.network.subnetIds,
        securityGroups: [props.network.securityGroupId],
        assignPublicIp: props.network.assignPublicIp,
      },
      // With a schedule the scheduled actions own the task count (0 at night).
      lifecycle: props.scheduled ? { ignoreChanges: ['desired_count'] } : undefined,
    });
  }
}
