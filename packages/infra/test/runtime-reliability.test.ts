import { formatProblem, UserError } from '@blog-data/cli-kit';
import { configWarnings, platformOutputsSchema } from '@blog-data/config';
import { configFor, containers, one, resources, synthBoth } from './helpers';
import { MIGRATION_COMMAND } from '../src/constructs/migration-task';
import { rotationSucceededPattern } from '../src/constructs/rotation-restart';
import { planServerRelease, planServerRollback, readReleaseOutputs } from '../src/release';

const env = (c: Record<string, any>) => Object.fromEntries((c.environment ?? []).map((e: any) => [e.name, e.value]));
const secrets = (c: Record<string, any>) => Object.fromEntries((c.secrets ?? []).map((e: any) => [e.name, e.valueFrom]));

describe('migrations as their own step (issue 15.2)', () => {
  const { platform: dev } = synthBoth(configFor('dev'));
  const [server] = containers(one(dev, 'aws_ecs_task_definition', 'prefect-server'));
  const migrationTask = one(dev, 'aws_ecs_task_definition', 'migration');
  const [migrate] = containers(migrationTask);
  const service = one(dev, 'aws_ecs_service', 'prefect-server');

  it('turns migrate-on-start off in the server (Prefect 3.8.3 server.database.migrate_on_start)', () => {
    expect(env(server).PREFECT_SERVER_DATABASE_MIGRATE_ON_START).toBe('false');
  });

  it('defines a one-off migration task with the server image, database settings and secrets', () => {
    expect(migrate.command).toEqual(['prefect', 'server', 'database', 'upgrade', '-y']);
    expect(migrate.command).toEqual([...MIGRATION_COMMAND]);
    expect(migrate.image).toBe(server.image);
    const dbEnv = Object.fromEntries(Object.entries(env(server)).filter(([k]) => k.startsWith('PREFECT_SERVER_DATABASE_') && !k.endsWith('MIGRATE_ON_START')));
    expect(env(migrate)).toMatchObject(dbEnv);
    expect(secrets(migrate)).toEqual({
      PREFECT_SERVER_DATABASE_USER: secrets(server).PREFECT_SERVER_DATABASE_USER,
      PREFECT_SERVER_DATABASE_PASSWORD: secrets(server).PREFECT_SERVER_DATABASE_PASSWORD,
    });
    expect(migrationTask).toMatchObject({ family: 'blog-data-dev-migrate', cpu: '256', memory: '512' });
    expect(migrate.memory).toBe(512);
    expect(Object.keys(resources(dev, 'aws_ecs_service')).filter((n) => n.includes('migration'))).toEqual([]);
  });

  it('never runs two servers at once and does not roll back onto a migrated schema by itself', () => {
    expect(service).toMatchObject({
      deployment_minimum_healthy_percent: 0,
      deployment_maximum_percent: 100,
      deployment_circuit_breaker: { enable: true, rollback: false },
    });
  });

  it('leaves the server task definition to the release step (terraform registers revisions only)', () => {
    expect(service.lifecycle.ignore_changes).toContain('task_definition');
  });

  it('publishes what the release step needs as outputs', () => {
    for (const name of ['server_service_name', 'server_task_definition_arn', 'migration_task_definition_arn', 'migration_container_name'] as const) {
      expect(Object.keys(platformOutputsSchema.shape)).toContain(name);
      expect(dev.output[name]).toBeDefined();
    }
    expect(dev.output.migration_container_name.value).toBe('prefect-migrate');
  });
});

describe('the release plan', () => {
  const outputs = {
    ecs_cluster_arn: 'arn:aws:ecs:eu-west-2:111111111111:cluster/prefect-dev',
    task_subnet_ids: ['subnet-0aaa', 'subnet-0bbb'],
    assign_public_ip: true,
    server_security_group_id: 'sg-0a5e',
    server_service_name: 'prefect-server',
    server_task_definition_arn: 'arn:aws:ecs:eu-west-2:111111111111:task-definition/blog-data-dev-server:7',
    migration_task_definition_arn: 'arn:aws:ecs:eu-west-2:111111111111:task-definition/blog-data-dev-migrate:7',
    migration_container_name: 'prefect-migrate',
  };

  it('runs the migration in the server security group, then rolls the server to the newest revision', () => {
    const plan = planServerRelease(readReleaseOutputs(outputs, 'outputs.json'));
    expect(plan.migration).toMatchObject({
      taskDefinition: outputs.migration_task_definition_arn,
      containerName: 'prefect-migrate',
      network: { subnetIds: outputs.task_subnet_ids, securityGroupIds: ['sg-0a5e'], assignPublicIp: true },
    });
    expect(plan.services).toEqual([{ cluster: outputs.ecs_cluster_arn, service: 'prefect-server', taskDefinition: outputs.server_task_definition_arn }]);
  });

  it('rolls back with a downgrade run by the newest migration task definition', () => {
    const plan = planServerRollback(readReleaseOutputs(outputs, 'outputs.json'), { taskDefinition: 'blog-data-dev-server:6', downgradeTo: '7a73514ca2d6' });
    expect(plan.downgrade).toMatchObject({
      taskDefinition: outputs.migration_task_definition_arn,
      command: ['prefect', 'server', 'database', 'downgrade', '-y', '-r', '7a73514ca2d6'],
    });
    expect(plan.services).toEqual([{ service: 'prefect-server', taskDefinition: 'blog-data-dev-server:6', desiredCount: 1 }]);
    expect(planServerRollback(readReleaseOutputs(outputs, 'o'), { taskDefinition: 'x:1' }).downgrade).toBeUndefined();
  });

  describe('in the scale-out mode (issue #19: the background services run the release\'s code too)', () => {
    const scaleOut = {
      ...outputs,
      services_service_name: 'prefect-services',
      services_task_definition_arn: 'arn:aws:ecs:eu-west-2:111111111111:task-definition/blog-data-dev-services:7',
    };

    it('rolls the background services after the migration, with the API servers', () => {
      expect(planServerRelease(readReleaseOutputs(scaleOut, 'o')).services.map((u) => [u.service, u.taskDefinition])).toEqual([
        ['prefect-server', outputs.server_task_definition_arn], ['prefect-services', scaleOut.services_task_definition_arn],
      ]);
    });

    it('rolls back both services to their previous task definitions, at their running counts', () => {
      const plan = planServerRollback(readReleaseOutputs(scaleOut, 'o'), {
        taskDefinition: 'blog-data-dev-server:6', servicesTaskDefinition: 'blog-data-dev-services:6', downgradeTo: '7a73514ca2d6', desiredCounts: { server: 2, services: 1 },
      });
      // rollBackWithDowngrade stops every listed service before the downgrade and starts them after it.
      expect(plan.services).toEqual([
        { service: 'prefect-server', taskDefinition: 'blog-data-dev-server:6', desiredCount: 2 },
        { service: 'prefect-services', taskDefinition: 'blog-data-dev-services:6', desiredCount: 1 },
      ]);
    });

    it('reproduces the gap: a rollback naming only the server would leave the services on the newer code, so it is refused', () => {
      expect(() => planServerRollback(readReleaseOutputs(scaleOut, 'o'), { taskDefinition: 'blog-data-dev-server:6' }))
        .toThrow('--to-services-task-definition: required in the scale-out mode: prefect-services runs the release\'s code too');
      expect(() => planServerRollback(readReleaseOutputs(outputs, 'o'), { taskDefinition: 'x:1', servicesTaskDefinition: 'y:1' }))
        .toThrow('--to-services-task-definition: the outputs have no background-services service');
    });
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a missing migration output', { ...outputs, migration_task_definition_arn: undefined }, 'migration_task_definition_arn: missing (outputs.json)'],
    ['no subnets', { ...outputs, task_subnet_ids: [] }, 'task_subnet_ids: must list at least one subnet (outputs.json)'],
    ['a bad public-ip flag', { ...outputs, assign_public_ip: 'yes' }, 'assign_public_ip: Invalid input: expected boolean, received string (outputs.json)'],
    ['half of the scale-out pair', { ...outputs, services_service_name: 'prefect-services' },
      'services_task_definition_arn: scale-out outputs come together: services_service_name and services_task_definition_arn (outputs.json)'],
  ])('refuses %s, naming the file and the output', (_name, bad, message) => {
    const error = (() => {
      try {
        readReleaseOutputs(bad, 'outputs.json');
      } catch (err) {
        return err as UserError;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(UserError);
    expect(error.problems().map(formatProblem)).toEqual([expect.stringContaining(message)]);
  });

  it('reads terraform\'s own `output -json` shape', () => {
    const wrapped = Object.fromEntries(Object.entries(outputs).map(([k, value]) => [k, { value, type: 'string', sensitive: false }]));
    expect(readReleaseOutputs(wrapped, 'outputs.json')).toEqual(outputs);
  });

  it('refuses a downgrade target that is not an alembic revision', () => {
    expect(() => planServerRollback(readReleaseOutputs(outputs, 'o'), { taskDefinition: 'x:1', downgradeTo: '3.8.2' }))
      .toThrow('--downgrade-to: "3.8.2" is not an alembic revision (12 hex digits, or base)');
  });
});

describe('rotation-proof database credentials (issue 15.1)', () => {
  const { platform: dev, bootstrap } = synthBoth(configFor('dev'));
  const rule = one(dev, 'aws_cloudwatch_event_rule', 'db-rotation');
  const target = one(dev, 'aws_cloudwatch_event_target', 'db-rotation');
  const machine = one(dev, 'aws_sfn_state_machine', 'db-rotation');
  const roles = resources(dev, 'aws_iam_role');
  const role = (part: string) => Object.entries(roles).find(([n]) => n.includes(part))![1];

  it('matches RotationSucceeded of the RDS-managed master secret only', () => {
    const pattern = JSON.parse(rule.event_pattern);
    expect(pattern).toEqual(rotationSucceededPattern(pattern.detail.additionalEventData.SecretId[0]));
    expect(pattern.detail.additionalEventData.SecretId[0]).toMatch(/aws_rds_cluster\.database_cluster_\w+\.master_user_secret\[0\]\.secret_arn/);
    expect(pattern.detail.eventName).toEqual(['RotationSucceeded']);
  });

  it('forces a new deployment of the server through a state machine the rule starts', () => {
    expect(target.arn).toMatch(/aws_sfn_state_machine\.db-rotation-restart_machine_\w+\.arn/);
    expect(target.role_arn).toMatch(/db-rotation-restart_rule-role/);
    const definition = JSON.parse(machine.definition);
    const state = definition.States[definition.StartAt];
    expect(state).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::aws-sdk:ecs:updateService',
      Parameters: { Cluster: 'prefect-dev', Service: 'prefect-server', ForceNewDeployment: true },
      End: true,
    });
    expect(state.Retry[0].MaxAttempts).toBeGreaterThan(0);
  });

  it('lets the state machine update only the server service, and the rule only start that machine', () => {
    const machinePolicy = JSON.parse(one(dev, 'aws_iam_role_policy', 'db-rotation-restart_machine-role').policy);
    expect(machinePolicy.Statement).toEqual([{ Effect: 'Allow', Action: 'ecs:UpdateService', Resource: ['arn:aws:ecs:eu-west-2:111111111111:service/prefect-dev/prefect-server'] }]);
    expect(JSON.parse(role('machine-role').assume_role_policy).Statement[0].Principal).toEqual({ Service: 'states.amazonaws.com' });
    const rulePolicy = JSON.parse(one(dev, 'aws_iam_role_policy', 'db-rotation-restart_rule-role').policy);
    expect(rulePolicy.Statement[0]).toMatchObject({ Action: 'states:StartExecution', Resource: expect.stringMatching(/aws_sfn_state_machine/) });
    expect(role('rule-role').permissions_boundary).toMatch(/blog-data-dev-platform-boundary$/);
  });

  it('lets the permissions boundary allow the restart, nothing wider', () => {
    const boundary = JSON.parse(one(bootstrap, 'aws_iam_policy', 'boundary').policy);
    const restart = boundary.Statement.find((s: any) => s.Sid === 'RestartServicesAfterRotation');
    expect(restart).toEqual({
      Sid: 'RestartServicesAfterRotation',
      Effect: 'Allow',
      Action: ['states:StartExecution', 'ecs:UpdateService', 'ecs:DescribeServices'],
      Resource: ['arn:aws:states:eu-west-2:111111111111:stateMachine:blog-data-dev-*', 'arn:aws:ecs:eu-west-2:111111111111:service/prefect-dev/*'],
    });
  });

  it('writes botocore parameter names only for the emulator', () => {
    const emulated = synthBoth(configFor('dev'), { emulatorEndpoint: 'http://127.0.0.1:5000' }).platform;
    const definition = JSON.parse(one(emulated, 'aws_sfn_state_machine', 'db-rotation').definition);
    expect(definition.States[definition.StartAt].Parameters).toEqual({ cluster: 'prefect-dev', service: 'prefect-server', forceNewDeployment: true });
  });
});

describe('alarms that page (issue 15.3)', () => {
  const webhookSecretName = 'blog-data-prod/alarm-webhook-url';
  const prod = synthBoth(configFor('prod', { alarms: { webhookSecretName } })).platform;
  const dev = synthBoth(configFor('dev')).platform;

  it('subscribes an HTTPS webhook read from a Secrets Manager secret, besides e-mail', () => {
    const subs = Object.values(resources(prod, 'aws_sns_topic_subscription'));
    expect(subs.map((s) => s.protocol).sort()).toEqual(['email', 'https']);
    const https = subs.find((s) => s.protocol === 'https')!;
    expect(https.endpoint).toMatch(/data\.aws_secretsmanager_secret_version\.alarm-webhook\.secret_string/);
    expect(prod.data!.aws_secretsmanager_secret_version['alarm-webhook']).toEqual({ secret_id: webhookSecretName });
    expect(resources(dev, 'aws_sns_topic_subscription')).toEqual({});
  });

  it('warns on plan/apply of an environment whose alarms reach nobody', () => {
    const subscriberWarning = 'dev alarms reach nobody: set alarms.email or alarms.webhookSecretName in packages/config/src/environments/dev.ts';
    expect(configWarnings(configFor('dev'))).toContain(subscriberWarning);
    expect(configWarnings(configFor('staging', { alarms: { webhookSecretName: 'blog-data-staging/pager' } })).filter((w) => w.includes('alarms'))).toEqual([]);
    expect(configWarnings(configFor('prod')).filter((w) => w.includes('alarms'))).toEqual([]);
  });

  it('refuses a webhook secret outside the environment\'s names', () => {
    expect(() => configFor('staging', { alarms: { webhookSecretName: 'blog-data-prod/pager' } })).toThrow(/alarms\.webhookSecretName: must start with blog-data-staging\//);
  });

  it('alarms when the worker runs fewer tasks than desired (alarm-scheduled-services.test.ts models it)', () => {
    expect(one(dev, 'aws_cloudwatch_metric_alarm', 'worker-not-running')).toMatchObject({
      alarm_name: 'blog-data-dev-worker-not-running',
      threshold: 0,
      comparison_operator: 'GreaterThanThreshold',
      treat_missing_data: 'notBreaching',
    });
    const prodQueries = one(prod, 'aws_cloudwatch_metric_alarm', 'worker-not-running').metric_query as Record<string, any>[];
    expect(prodQueries.map((q) => q.metric?.metric_name ?? q.expression)).toEqual(['DesiredTaskCount', 'RunningTaskCount', 'FILL(desired, 0) - FILL(running, 0)']);
  });

  it('counts 401s and connection errors in the worker log and alarms on them', () => {
    const filter = one(dev, 'aws_cloudwatch_log_metric_filter', 'worker-api-errors');
    expect(filter.pattern).toBe('?"401 Unauthorized" ?ConnectError ?ConnectTimeout ?"All connection attempts failed"');
    expect(filter.log_group_name).toMatch(/aws_cloudwatch_log_group\.logs_worker/);
    expect(filter.metric_transformation).toEqual({ namespace: 'Prefect/blog-data-dev', name: 'WorkerApiErrors', value: '1', default_value: '0' });
    expect(one(dev, 'aws_cloudwatch_metric_alarm', 'worker-api-errors')).toMatchObject({
      namespace: 'Prefect/blog-data-dev',
      metric_name: 'WorkerApiErrors',
      statistic: 'Sum',
      evaluation_periods: 2,
      alarm_actions: [expect.stringContaining('aws_sns_topic.alarms_topic')],
    });
  });

  it('keeps staging backups for 7 days', () => {
    expect(configFor('staging').aurora.backupRetentionDays).toBe(7);
    expect(one(synthBoth(configFor('staging')).platform, 'aws_rds_cluster').backup_retention_period).toBe(7);
  });
});
