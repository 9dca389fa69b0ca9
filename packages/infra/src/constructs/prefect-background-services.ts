import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { Construct } from 'constructs';
import { fargateServiceSettings, TaskNetwork } from './fargate-service';
import { FargateTask, PrefectTaskProps } from './fargate-task';
import type { PrefectDatabaseConnection } from './prefect-database';
import type { PrefectRedisConnection } from './prefect-messaging';
import { prefectServingSettings } from './prefect-serving-settings';

/** The command of the background-services tasks (Prefect 3.8.3 `prefect server services start`). */
export const BACKGROUND_SERVICES_COMMAND: readonly string[] = ['prefect', 'server', 'services', 'start'];

/** Properties of {@link PrefectBackgroundServices}. */
export interface PrefectBackgroundServicesProps extends PrefectTaskProps {
  /** ECS cluster ARN. Required. */
  readonly clusterArn: string;
  /** The same database as the API servers. Required. */
  readonly database: PrefectDatabaseConnection;
  /** The same Redis as the API servers (messaging, ordering, lease storage, Docket). Required. */
  readonly redis: PrefectRedisConnection;
  /** Tasks (`config.scale.services.replicas`); Docket runs each periodic job once among them. Required. */
  readonly replicas: number;
  /** Subnets, security group, public IP. Required. */
  readonly network: TaskNetwork;
  /** The task count is set by a {@link ServiceSchedule}, so terraform ignores `desired_count`. Default false. */
  readonly scheduled?: boolean;
}

/**
 * Prefect's background services (scheduler, late runs, event persister, triggers, task-run
 * recorder…) as their own ECS service in the scale-out mode: `prefect server services start`,
 * no port, no load balancer. Several tasks are safe only because they share Redis through the
 * Docket URL (Prefect's self-hosting guide: "Do not run multiple background service processes
 * without configuring PREFECT_SERVER_DOCKET_URL"). They never migrate: the release's
 * MigrationTask does, once.
 */
export class PrefectBackgroundServices extends Construct {
  /** Task definition. */
  readonly task: FargateTask;
  /** The ECS service. */
  readonly service: EcsService;
  /** Service name, for alarms and the schedule. */
  readonly serviceName = 'prefect-services';

  constructor(scope: Construct, id: string, props: PrefectBackgroundServicesProps) {
    super(scope, id);
    if (!Number.isInteger(props.replicas) || props.replicas < 1) {
      throw new Error(`PrefectBackgroundServices.replicas: ${props.replicas} must be a whole number ≥ 1`);
    }
    const serving = prefectServingSettings(props.database, props.redis);
    this.task = new FargateTask(this, 'task', {
      family: `${props.namePrefix}-services`,
      cpu: props.cpu,
      memory: props.memory,
      executionRoleArn: props.executionRoleArn,
      taskRoleArn: props.taskRoleArn,
      container: {
        name: 'prefect-services',
        image: props.image,
        command: BACKGROUND_SERVICES_COMMAND,
        environment: serving.environment,
        secrets: serving.secrets,
        logGroup: props.logGroup,
        region: props.region,
      },
    });
    this.service = new EcsService(this, 'service', {
      name: this.serviceName,
      ...fargateServiceSettings({
        clusterArn: props.clusterArn,
        taskDefinitionArn: this.task.definition.arn,
        network: props.network,
        // Moved by the release after the migration task, like the API servers.
        releasedAfterMigration: true,
        countOwnedElsewhere: Boolean(props.scheduled),
      }),
      desiredCount: props.replicas,
      // Docket keeps periodic work to one run per interval, so old and new tasks may overlap.
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
    });
  }
}
