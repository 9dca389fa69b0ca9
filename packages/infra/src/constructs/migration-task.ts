import { Construct } from 'constructs';
import { FargateTask, PrefectTaskProps } from './fargate-task';
import { PrefectDatabaseConnection, prefectDatabaseSettings } from './prefect-database';

/** Prefect's schema migration, run to completion before any server task of a new release starts. */
export const MIGRATION_COMMAND: readonly string[] = ['prefect', 'server', 'database', 'upgrade', '-y'];

/** Properties of {@link MigrationTask}. */
export interface MigrationTaskProps extends PrefectTaskProps {
  /** The database to migrate and the RDS-managed secret of its master user. Required. */
  readonly database: PrefectDatabaseConnection;
  /** Container name. Default `prefect-migrate`. */
  readonly containerName?: string;
  /** Command. Default {@link MIGRATION_COMMAND}; a rollback overrides it with `downgrade -y -r <revision>` at run time. */
  readonly command?: readonly string[];
}

/**
 * A task definition without a service: `prefect server database upgrade -y` with the same
 * image and database settings as the Prefect server. The deploy runs it once and updates the
 * server service only after it exited 0 (`@blog-data/ecs-rollout` rollOutAfterMigration), so
 * migrations never run inside a serving task. Reusable for every service that shares the
 * schema (API replicas, background services).
 */
export class MigrationTask extends Construct {
  /** Task definition. */
  readonly task: FargateTask;
  /** The container whose exit code decides the migration's success. */
  readonly containerName: string;

  constructor(scope: Construct, id: string, props: MigrationTaskProps) {
    super(scope, id);
    const command = props.command ?? MIGRATION_COMMAND;
    if (command.length === 0) throw new Error('MigrationTask.command: must not be empty');
    this.containerName = props.containerName ?? 'prefect-migrate';
    const db = prefectDatabaseSettings(props.database);
    this.task = new FargateTask(this, 'task', {
      family: `${props.namePrefix}-migrate`,
      cpu: props.cpu,
      memory: props.memory,
      executionRoleArn: props.executionRoleArn,
      taskRoleArn: props.taskRoleArn,
      container: {
        name: this.containerName,
        image: props.image,
        command,
        environment: { ...db.environment, PREFECT_SERVER_ANALYTICS_ENABLED: 'false' },
        secrets: db.secrets,
        // The whole task's memory as the container's limit: the same on Fargate, and the
        // emulator's RunTask cannot start a task whose container has none.
        memory: props.memory,
        logGroup: props.logGroup,
        region: props.region,
      },
    });
  }
}
