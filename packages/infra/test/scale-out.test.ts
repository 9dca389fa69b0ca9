import * as fs from 'node:fs';
import * as path from 'node:path';
import { containers, configFor, one, resources, synthBoth } from './helpers';
import { PREFECT_REDIS_MODULES } from '../src/constructs/prefect-messaging';
import { planServerRelease, readReleaseOutputs } from '../src/release';

const scaleOut = (patch: Record<string, unknown> = {}) => ({ scale: { mode: 'scale-out', ...patch } }) as never;

/** The one container of a task definition whose logical name contains `part`. */
function container(s: ReturnType<typeof synthBoth>['platform'], part: string) {
  return containers(one(s, 'aws_ecs_task_definition', part))[0];
}
const envOf = (c: Record<string, any>) => Object.fromEntries((c.environment ?? []).map((e: { name: string; value: string }) => [e.name, e.value]));
const secretsOf = (c: Record<string, any>) =>
  Object.fromEntries((c.secrets ?? []).map((e: { name: string; valueFrom: string }) => [e.name, e.valueFrom]));

describe('scale mode', () => {
  const single = synthBoth(configFor('dev'));
  const out = synthBoth(configFor('dev', scaleOut()));
  const prodOut = synthBoth(configFor('prod', scaleOut({ redis: { kind: 'replication-group' }, auroraReader: true })));

  it('single (the default) has no Redis, no background-services service, no scaling policies, and the server runs its services', () => {
    for (const type of ['aws_elasticache_serverless_cache', 'aws_elasticache_replication_group', 'aws_elasticache_user', 'aws_appautoscaling_policy']) {
      expect(resources(single.platform, type)).toEqual({});
    }
    expect(Object.keys(resources(single.platform, 'aws_ecs_service')).some((k) => k.includes('prefect-services'))).toBe(false);
    expect(container(single.platform, 'prefect-server').command).not.toContain('--no-services');
    expect(Object.keys(envOf(container(single.platform, 'prefect-server'))).filter((k) => k.includes('REDIS') || k.includes('MESSAGING'))).toEqual([]);
    expect(single.platform.output.services_service_name).toBeUndefined();
  });

  it('runs the API without services behind the ALB and the background services as their own service', () => {
    expect(container(out.platform, 'prefect-server').command).toEqual(['prefect', 'server', 'start', '--host', '0.0.0.0', '--port', '4200', '--no-services']);
    expect(container(out.platform, 'prefect-services').command).toEqual(['prefect', 'server', 'services', 'start']);
    const services = one(out.platform, 'aws_ecs_service', 'prefect-services');
    expect(services).toMatchObject({ name: 'prefect-services', desired_count: 1, launch_type: 'FARGATE' });
    expect(services.load_balancer).toBeUndefined();
    const server = one(out.platform, 'aws_ecs_service', 'prefect-server');
    expect(server).toMatchObject({ desired_count: 2, deployment_minimum_healthy_percent: 50, deployment_maximum_percent: 200 });
    expect(server.lifecycle.ignore_changes).toEqual(['task_definition', 'desired_count']);
  });

  it('gives every server and services task the same Redis messaging settings, as Prefect 3.8.3 documents them, and never migrates in them', () => {
    const server = container(out.platform, 'prefect-server');
    const services = container(out.platform, 'prefect-services');
    const messaging = (c: Record<string, any>) => Object.fromEntries(Object.entries(envOf(c)).filter(([k]) => /REDIS|MESSAGING|ORDERING|LEASE/.test(k)));
    expect(messaging(server)).toEqual({
      PREFECT_SERVER_EVENTS_MESSAGING_BROKER: 'prefect_redis.messaging',
      PREFECT_SERVER_EVENTS_MESSAGING_CACHE: 'prefect_redis.messaging',
      PREFECT_SERVER_EVENTS_CAUSAL_ORDERING: 'prefect_redis.ordering',
      PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE: 'prefect_redis.lease_storage',
      PREFECT_REDIS_MESSAGING_HOST: expect.stringContaining('aws_elasticache_serverless_cache.redis_serverless'),
      PREFECT_REDIS_MESSAGING_PORT: '6379',
      PREFECT_REDIS_MESSAGING_DB: '0',
      PREFECT_REDIS_MESSAGING_USERNAME: 'prefect',
      PREFECT_REDIS_MESSAGING_SSL: 'true',
    });
    expect(messaging(services)).toEqual(messaging(server));
    const redisSecrets = (c: Record<string, any>) => Object.fromEntries(Object.entries(secretsOf(c)).filter(([k]) => /REDIS|DOCKET/.test(k)));
    expect(redisSecrets(server)).toEqual({
      PREFECT_REDIS_MESSAGING_PASSWORD: expect.stringContaining('aws_secretsmanager_secret.redis_password'),
      PREFECT_SERVER_DOCKET_URL: expect.stringContaining('aws_secretsmanager_secret.redis_docket-url'),
    });
    expect(redisSecrets(services)).toEqual(redisSecrets(server));
    expect(Object.values(PREFECT_REDIS_MODULES)).toEqual(['prefect_redis.messaging', 'prefect_redis.ordering', 'prefect_redis.lease_storage']);
    for (const c of [server, services]) expect(envOf(c).PREFECT_SERVER_DATABASE_MIGRATE_ON_START).toBe('false');
    // The same database for both, from the RDS secret.
    expect(secretsOf(services).PREFECT_SERVER_DATABASE_PASSWORD).toBe(secretsOf(server).PREFECT_SERVER_DATABASE_PASSWORD);
  });

  it('names only prefect-redis modules the image installs and imports at build time (docker/prefect-base)', () => {
    const dockerfile = fs.readFileSync(path.resolve(__dirname, '../../../docker/prefect-base/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/"prefect-redis==\$\{PREFECT_REDIS_VERSION\}"/);
    const importLine = dockerfile.split('\n').find((l) => l.includes('python -c "import'))!;
    for (const module of Object.values(PREFECT_REDIS_MODULES)) expect(importLine).toContain(module);
  });

  it('lets the execution role read the Redis secrets', () => {
    const policies = JSON.stringify(resources(out.platform, 'aws_iam_role_policy')) + JSON.stringify(out.platform.data ?? {});
    expect(policies).toContain('aws_secretsmanager_secret.redis_password');
    expect(policies).toContain('aws_secretsmanager_secret.redis_docket-url');
  });

  it('puts Redis in the private (database) subnets behind its own group, which admits 6379 from the server and services tasks only', () => {
    const ingress = Object.values(resources(out.platform, 'aws_vpc_security_group_ingress_rule')).filter((r) => r.from_port === 6379);
    expect(ingress.map((r) => r.referenced_security_group_id).sort()).toEqual([
      expect.stringContaining('security-groups_server'),
      expect.stringContaining('security-groups_services'),
    ]);
    for (const r of ingress) expect(r.security_group_id).toContain('security-groups_redis');
    const cache = one(out.platform, 'aws_elasticache_serverless_cache');
    expect(cache).toMatchObject({
      engine: 'valkey',
      major_engine_version: '8',
      kms_key_id: expect.stringContaining('aws_kms_key'),
      security_group_ids: [expect.stringContaining('security-groups_redis')],
      user_group_id: expect.stringContaining('aws_elasticache_user_group'),
      cache_usage_limits: [{ data_storage: [{ maximum: 1, unit: 'GB' }], ecpu_per_second: [{ maximum: 5000 }] }],
    });
    expect(cache.subnet_ids).toEqual(one(out.platform, 'aws_db_subnet_group').subnet_ids);
  });

  it('authenticates with an RBAC user whose password Secrets Manager generates; the default user is off', () => {
    const users = Object.values(resources(out.platform, 'aws_elasticache_user'));
    expect(users.map((u) => [u.user_name, u.access_string]).sort()).toEqual([['default', 'off -@all'], ['prefect', 'on ~* &* +@all -@dangerous']]);
    // Both authenticate by password: a Valkey user group refuses a no-password member (even `default`).
    for (const u of users) {
      expect(u.authentication_mode).toEqual({ type: 'password', passwords: [expect.stringContaining('data.aws_secretsmanager_secret_version.redis_password-read')] });
    }
    expect(Object.keys((out.platform as any).ephemeral.aws_secretsmanager_random_password)).toHaveLength(2);
    const written = Object.values(resources(out.platform, 'aws_secretsmanager_secret_version')).find((v) => String(v.secret_id).includes('redis_password'));
    expect(written).toMatchObject({ secret_string_wo: expect.stringContaining('ephemeral.aws_secretsmanager_random_password.redis_password'), secret_string_wo_version: 1 });
  });

  it('with a replication group: TLS required, encrypted at rest, a replica in another zone with failover, cluster mode off', () => {
    const group = one(prodOut.platform, 'aws_elasticache_replication_group');
    expect(group).toMatchObject({
      engine: 'valkey',
      node_type: 'cache.t4g.micro',
      num_cache_clusters: 2,
      automatic_failover_enabled: true,
      multi_az_enabled: true,
      transit_encryption_enabled: true,
      transit_encryption_mode: 'required',
      at_rest_encryption_enabled: 'true',
      user_group_ids: [expect.stringContaining('aws_elasticache_user_group')],
    });
    expect(group.num_node_groups).toBeUndefined();
    expect(resources(prodOut.platform, 'aws_elasticache_serverless_cache')).toEqual({});
  });

  it('scales the API on ALB requests per target and CPU between minReplicas and maxReplicas', () => {
    const prodTarget = one(prodOut.platform, 'aws_appautoscaling_target');
    expect(prodTarget).toMatchObject({ min_capacity: 2, max_capacity: 4, resource_id: expect.stringContaining('prefect-server') });
    const policies = Object.values(resources(prodOut.platform, 'aws_appautoscaling_policy'));
    const tracking = (p: Record<string, any>) => p.target_tracking_scaling_policy_configuration;
    const summary = policies.map((p) => [p.name, tracking(p).predefined_metric_specification.predefined_metric_type, tracking(p).target_value]);
    expect(summary.sort()).toEqual([
      ['blog-data-prod-api-cpu', 'ECSServiceAverageCPUUtilization', 60],
      ['blog-data-prod-api-requests', 'ALBRequestCountPerTarget', 1000],
    ]);
    const requests = policies.find((p) => p.name.endsWith('requests'))!;
    expect(requests.target_tracking_scaling_policy_configuration.predefined_metric_specification.resource_label).toMatch(/aws_lb\..*arn_suffix.*\/.*aws_lb_target_group\..*arn_suffix/);
  });

  it('under a schedule the API target is the schedule\'s: 0 at night, minReplicas–maxReplicas by day, and the services stop too', () => {
    const targets = resources(out.platform, 'aws_appautoscaling_target');
    expect(Object.keys(targets).map((k) => k.replace(/_[0-9A-F]{8}$/, '')).sort()).toEqual([
      'service-schedule_server-target', 'service-schedule_services-target', 'service-schedule_worker-target',
    ]);
    const starts = Object.fromEntries(Object.values(resources(out.platform, 'aws_appautoscaling_scheduled_action'))
      .filter((a) => a.name.endsWith('-start')).map((a) => [a.name, a.scalable_target_action]));
    expect(starts).toEqual({
      'blog-data-dev-server-start': { min_capacity: '2', max_capacity: '4' },
      'blog-data-dev-services-start': { min_capacity: '1', max_capacity: '1' },
      'blog-data-dev-worker-start': { min_capacity: '1', max_capacity: '1' },
    });
    for (const p of Object.values(resources(out.platform, 'aws_appautoscaling_policy'))) expect(p.resource_id).toContain('service-schedule_server-target');
  });

  it('is whole on the emulator too: Redis, the background services and the API autoscaling (its launcher adds the ElastiCache calls moto lacks)', () => {
    const emu = synthBoth(configFor('dev', scaleOut()), { backend: 'local', emulatorEndpoint: 'http://127.0.0.1:1' }).platform;
    const kinds = ['aws_elasticache_serverless_cache', 'aws_elasticache_user_group', 'aws_elasticache_user', 'aws_ecs_service', 'aws_appautoscaling_target', 'aws_appautoscaling_policy'];
    const count = (stack: typeof emu) => kinds.map((type) => `${type} ${Object.keys(resources(stack, type)).length}`);
    expect(count(emu)).toEqual(count(out.platform));
    expect(Object.values(resources(emu, 'aws_appautoscaling_policy')).map((p) => p.name)).toEqual(['blog-data-dev-api-cpu']);
  });

  it('adds an Aurora reader in a zone other than the writer\'s', () => {
    const instances = resources(prodOut.platform, 'aws_rds_cluster_instance');
    const reader = Object.entries(instances).find(([k]) => k.includes('reader'))![1];
    expect(reader).toMatchObject({ identifier: 'blog-data-prod-prefect-2', instance_class: 'db.serverless', promotion_tier: 1 });
    expect(reader.availability_zone).toMatch(/setsubtract\(.*data\.aws_subnet\.database_subnet-0.*availability_zone.*aws_rds_cluster_instance\.database_writer.*availability_zone/);
    expect(Object.keys(resources(out.platform, 'aws_rds_cluster_instance'))).toHaveLength(1);
  });

  it('alarms on the background services running below desired and on Redis', () => {
    const alarms = Object.values(resources(out.platform, 'aws_cloudwatch_metric_alarm')).map((a) => a.alarm_name);
    expect(alarms).toEqual(expect.arrayContaining(['blog-data-dev-services-not-running', 'blog-data-dev-redis-storage', 'blog-data-dev-redis-throttled']));
    const prodAlarms = Object.values(resources(prodOut.platform, 'aws_cloudwatch_metric_alarm'));
    expect(prodAlarms.find((a) => a.alarm_name === 'blog-data-prod-redis-cpu')).toMatchObject({ metric_name: 'EngineCPUUtilization', dimensions: { CacheClusterId: 'blog-data-prod-prefect-001' } });
    expect(prodAlarms.find((a) => a.alarm_name === 'blog-data-prod-services-not-running')!.metric_query[0].metric.metric_name).toBe('DesiredTaskCount');
  });

  it('the release migrates once, then rolls the API servers and the background services', () => {
    expect(Object.keys(out.platform.output)).toEqual(expect.arrayContaining(['services_service_name', 'services_task_definition_arn']));
    const plan = planServerRelease(readReleaseOutputs({
      ecs_cluster_arn: 'arn:aws:ecs:eu-west-2:111111111111:cluster/prefect-dev',
      task_subnet_ids: ['subnet-0aaa'],
      assign_public_ip: true,
      server_security_group_id: 'sg-0a5e',
      server_service_name: 'prefect-server',
      server_task_definition_arn: 'arn:aws:ecs:eu-west-2:111111111111:task-definition/blog-data-dev-server:7',
      services_service_name: 'prefect-services',
      services_task_definition_arn: 'arn:aws:ecs:eu-west-2:111111111111:task-definition/blog-data-dev-services:7',
      migration_task_definition_arn: 'arn:aws:ecs:eu-west-2:111111111111:task-definition/blog-data-dev-migrate:7',
      migration_container_name: 'prefect-migrate',
    }, 'outputs.json'));
    expect(plan.services.map((s) => s.service)).toEqual(['prefect-server', 'prefect-services']);
    expect(() => readReleaseOutputs({ services_service_name: 'prefect-services' }, 'outputs.json')).toThrow(/outputs\.json/);
  });

  it('lets the deploy role manage the environment\'s ElastiCache and scaling policies only in the scale-out mode', () => {
    const sids = (s: typeof single) =>
      [s.bootstrap.data ?? {}, resources(s.bootstrap, 'aws_iam_policy'), resources(s.bootstrap, 'aws_iam_role_policy')].map((x) => JSON.stringify(x)).join('');
    expect(sids(single)).not.toContain('elasticache');
    expect(sids(out)).toContain('elasticache:*');
    expect(sids(out)).toContain('arn:aws:elasticache:eu-west-2:');
    expect(sids(out)).toContain('application-autoscaling:PutScalingPolicy');
  });
});
