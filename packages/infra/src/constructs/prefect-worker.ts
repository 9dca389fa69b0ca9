import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { Construct } from 'constructs';
import { fargateServiceSettings, TaskNetwork } from './fargate-service';
import { FargateTask, PrefectTaskProps } from './fargate-task';

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
      ...fargateServiceSettings({
        clusterArn: props.clusterArn,
        taskDefinitionArn: this.task.definition.arn,
        network: props.network,
        // A worker may be replaced freely: flow runs are their own tasks and survive it.
        rollBackOnFailure: true,
        // With a schedule the scheduled actions own the task count (0 at night).
        countOwnedElsewhere: Boolean(props.scheduled),
      }),
      desiredCount: 1,
      deploymentMinimumHealthyPercent: 0,
      deploymentMaximumPercent: 100,
    });
  }
}
