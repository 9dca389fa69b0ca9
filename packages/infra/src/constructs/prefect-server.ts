import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { fargateServiceSettings, TaskNetwork } from './fargate-service';
import { FargateTask, PrefectTaskProps } from './fargate-task';
import type { PrefectDatabaseConnection } from './prefect-database';
import type { PrefectRedisConnection } from './prefect-messaging';
import { prefectServingSettings } from './prefect-serving-settings';
import { PREFECT_PORT } from './security-groups';

/** Properties of {@link PrefectServer}. */
export interface PrefectServerProps extends PrefectTaskProps {
  /** ECS cluster ARN. Required. */
  readonly clusterArn: string;
  /** Aurora writer endpoint, port, database and the RDS-managed secret `{username, password}`. Required. */
  readonly database: PrefectDatabaseConnection;
  /** Secret holding the basic-auth string `user:password`. Required. */
  readonly apiAuthSecretArn: string;
  /**
   * Base URL the UI is served on (`https://<domain>`, `http://<alb>`, or with a private endpoint the
   * name inside the VPC); the UI calls `<url>/api`. Required.
   */
  readonly publicUrl: string;
  /** Subnets, security group, public IP. Required. */
  readonly network: TaskNetwork;
  /**
   * How clients reach the tasks: an ALB target group (with the listener forwarding to it, which ECS
   * needs to exist first), or a Cloud Map service ECS registers the tasks in (a private endpoint;
   * people then reach the task through ECS Exec, which this turns on). Required.
   */
  readonly entry:
  | { readonly kind: 'load-balancer'; readonly targetGroupArn: string; readonly listener: ITerraformDependable }
  | { readonly kind: 'private-name'; readonly registryArn: string };
  /** The task count is set by a {@link ServiceSchedule}, so terraform ignores `desired_count`. Default false. */
  readonly scheduled?: boolean;
  /**
   * Scale-out mode: the API only (`--no-services`), messaging on this Redis, `minReplicas` tasks at
   * first (then Application Auto Scaling owns the count). Default: the single server.
   */
  readonly scaleOut?: { readonly redis: PrefectRedisConnection; readonly minReplicas: number };
  /** Seconds to ignore failing health checks after start (migrations). Default 180. */
  readonly healthCheckGracePeriodSeconds?: number;
}

/**
 * The Prefect server (API + UI) behind the ALB, or registered under a private name (Cloud Map)
 * when the environment has no load balancer.
 *
 * Single mode: exactly one replica. Prefect 3 without Redis keeps its event bus,
 * websocket subscriptions and the scheduler/late-run services in process memory, so
 * two servers would each see half the events and both run the background services.
 * Scale-out mode (`scaleOut`): API only (`--no-services`), messaging on Redis, several
 * replicas; the background services run in their own service (prefect-background-services.ts).
 *
 * Database settings come as `PREFECT_SERVER_DATABASE_*` fields: the user and
 * password from the RDS-managed secret through ECS `secrets` (JSON keys), so
 * they never appear in the task definition; Prefect assembles the URL itself.
 */
export class PrefectServer extends Construct {
  /** Task definition. */
  readonly task: FargateTask;
  /** The ECS service. */
  readonly service: EcsService;
  /** Service name, for alarms. */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: PrefectServerProps) {
    super(scope, id);
    const grace = props.healthCheckGracePeriodSeconds ?? 180;
    if (!Number.isInteger(grace) || grace < 0 || grace > 2147483647) {
      throw new Error(`PrefectServer.healthCheckGracePeriodSeconds: ${grace} must be a whole number of seconds ≥ 0`);
    }
    if (!/^https?:\/\//.test(props.publicUrl) && !props.publicUrl.includes('${')) {
      throw new Error(`PrefectServer.publicUrl: "${props.publicUrl}" must start with http:// or https://`);
    }
    const scaleOut = props.scaleOut;
    const entry = props.entry;
    if (scaleOut && (!Number.isInteger(scaleOut.minReplicas) || scaleOut.minReplicas < 1)) {
      throw new Error(`PrefectServer.scaleOut.minReplicas: ${scaleOut.minReplicas} must be a whole number ≥ 1`);
    }
    this.serviceName = 'prefect-server';
    const serving = prefectServingSettings(props.database, scaleOut?.redis);
    this.task = new FargateTask(this, 'task', {
      family: `${props.namePrefix}-server`,
      cpu: props.cpu,
      memory: props.memory,
      executionRoleArn: props.executionRoleArn,
      taskRoleArn: props.taskRoleArn,
      container: {
        name: 'prefect-server',
        image: props.image,
        // Scaled out, the background services run in their own service (PrefectBackgroundServices).
        command: ['prefect', 'server', 'start', '--host', '0.0.0.0', '--port', String(PREFECT_PORT), ...(scaleOut ? ['--no-services'] : [])],
        port: PREFECT_PORT,
        environment: {
          PREFECT_UI_API_URL: `${props.publicUrl}/api`,
          PREFECT_UI_URL: props.publicUrl,
          ...serving.environment,
        },
        secrets: {
          ...serving.secrets,
          PREFECT_SERVER_API_AUTH_STRING: props.apiAuthSecretArn,
        },
        // /api/health is exempt from basic auth. python is in every Prefect image; curl is not.
        healthCheckCommand: `python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:${PREFECT_PORT}/api/health', timeout=4)"`,
        healthCheckStartPeriod: 120,
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
        // The release step (`platform-infra roll-server`) moves the service to the new task
        // definition after the migration task succeeded; terraform only registers revisions.
        // A failed release stops, it does not roll back by itself: the previous task definition
        // would run old code on the already migrated schema. `platform-infra rollback-server`
        // downgrades the schema first (packages/infra/README.md, "Migrations and rollback").
        releasedAfterMigration: true,
        // With a schedule the scheduled actions own the task count (0 at night).
        // Scaled out, Application Auto Scaling owns it between minReplicas and maxReplicas.
        countOwnedElsewhere: Boolean(props.scheduled || scaleOut),
        // Without a load balancer people reach the UI by an SSM port forward into the task (ECS Exec;
        // the task role carries the ssmmessages permissions, `platform-ops connect` opens it).
        execCommand: entry.kind === 'private-name',
      }),
      // Single: one replica on purpose (see the class comment: not HA without Redis).
      desiredCount: scaleOut ? scaleOut.minReplicas : 1,
      // Single: never two servers at once, the old task stops before the new one starts (a minute or
      // two of downtime per release), so the in-process background services never run twice.
      // Scaled out the API tasks are stateless: a rolling release keeps half of them serving.
      deploymentMinimumHealthyPercent: scaleOut ? 50 : 0,
      deploymentMaximumPercent: scaleOut ? 200 : 100,
      healthCheckGracePeriodSeconds: grace,
      ...(entry.kind === 'load-balancer'
        ? {
          loadBalancer: [{ targetGroupArn: entry.targetGroupArn, containerName: 'prefect-server', containerPort: PREFECT_PORT }],
          dependsOn: [entry.listener],
        }
        : { serviceRegistries: { registryArn: entry.registryArn } }),
    });
  }
}
