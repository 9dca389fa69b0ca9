import { configFor, containers, one, resources, synthBoth, TEST_DIGESTS, WITH_ALB } from './helpers';

const SECRET_NAMES = /PASSWORD|SECRET|TOKEN|AUTH_STRING|CONNECTION_URL/i;

describe('ECS', () => {
  const dev = synthBoth(configFor('dev', WITH_ALB)).platform;
  const serverTask = one(dev, 'aws_ecs_task_definition', 'prefect-server');
  const [server] = containers(serverTask);
  const [worker] = containers(one(dev, 'aws_ecs_task_definition', 'prefect-worker'));
  const [deployer] = containers(one(dev, 'aws_ecs_task_definition', 'deployer'));
  const env = (c: Record<string, any>) => Object.fromEntries((c.environment ?? []).map((e: any) => [e.name, e.value]));
  const secrets = (c: Record<string, any>) => Object.fromEntries((c.secrets ?? []).map((e: any) => [e.name, e.valueFrom]));

  it('runs a Fargate cluster with Container Insights as configured', () => {
    expect(one(dev, 'aws_ecs_cluster')).toMatchObject({ name: 'prefect-dev', setting: [{ name: 'containerInsights', value: 'disabled' }] });
    const prod = synthBoth(configFor('prod')).platform;
    expect(one(prod, 'aws_ecs_cluster').setting).toEqual([{ name: 'containerInsights', value: 'enabled' }]);
  });

  it('runs the Prefect server with its command, sizes from config and the published image by digest', () => {
    expect(server.command).toEqual(['prefect', 'server', 'start', '--host', '0.0.0.0', '--port', '4200']);
    expect(serverTask).toMatchObject({ cpu: '256', memory: '512', network_mode: 'awsvpc', requires_compatibilities: ['FARGATE'] });
    expect(server.image).toBe(`111111111111.dkr.ecr.eu-west-2.amazonaws.com/blog-data@${TEST_DIGESTS.digest}`);
    expect(server.portMappings).toEqual([{ containerPort: 4200, hostPort: 4200, protocol: 'tcp' }]);
  });

  it('pins the image by digest when one is configured', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const pinned = synthBoth(configFor('dev', { ...WITH_ALB, image: { digest } })).platform;
    expect(containers(one(pinned, 'aws_ecs_task_definition', 'prefect-server'))[0].image).toBe(
      `111111111111.dkr.ecr.eu-west-2.amazonaws.com/blog-data@${digest}`,
    );
  });

  it('gives the server its database settings, the DB credentials only as ECS secrets from the RDS secret', () => {
    expect(env(server)).toMatchObject({
      PREFECT_SERVER_DATABASE_DRIVER: 'postgresql+asyncpg',
      PREFECT_SERVER_DATABASE_HOST: expect.stringContaining('aws_rds_cluster.database_cluster_'),
      PREFECT_SERVER_DATABASE_PORT: '5432',
      PREFECT_SERVER_DATABASE_NAME: 'prefect',
    });
    const rdsSecret = '${aws_rds_cluster.database_cluster_';
    expect(secrets(server).PREFECT_SERVER_DATABASE_USER).toMatch(new RegExp(`^\\${rdsSecret}.*master_user_secret\\[0\\]\\.secret_arn\\}:username::$`));
    expect(secrets(server).PREFECT_SERVER_DATABASE_PASSWORD).toMatch(/master_user_secret\[0\]\.secret_arn\}:password::$/);
  });

  it('passes the API auth string only through ECS secrets: server, worker and deployer', () => {
    const authSecret = expect.stringMatching(/^\$\{aws_secretsmanager_secret\.api-auth_secret_.*\.arn\}$/);
    expect(secrets(server)).toMatchObject({ PREFECT_SERVER_API_AUTH_STRING: authSecret });
    expect(secrets(worker)).toEqual({ PREFECT_API_AUTH_STRING: authSecret });
    expect(secrets(deployer)).toEqual({ PREFECT_API_AUTH_STRING: authSecret });
  });

  it('has no plaintext secret in any task definition environment', () => {
    for (const [name, task] of Object.entries(resources(dev, 'aws_ecs_task_definition'))) {
      for (const c of containers(task)) {
        for (const variable of c.environment ?? []) {
          expect({ task: name, variable: variable.name, secretLooking: SECRET_NAMES.test(variable.name) }).toMatchObject({ secretLooking: false });
          expect(variable.value).not.toMatch(/password|secret_string|random_password/i);
        }
      }
    }
  });

  it('points the UI at the public URL and checks /api/health in the container', () => {
    expect(env(server).PREFECT_UI_API_URL).toMatch(/^https:\/\/\$\{aws_cloudfront_distribution\.cloudfront_distribution_.*\.domain_name\}\/api$/);
    expect(server.healthCheck.command[0]).toBe('CMD-SHELL');
    expect(server.healthCheck.command[1]).toContain('http://127.0.0.1:4200/api/health');
  });

  it('deploys the server as one replica behind the target group, with a circuit breaker that stops a failed release', () => {
    const service = one(dev, 'aws_ecs_service', 'prefect-server');
    expect(service).toMatchObject({
      desired_count: 1,
      launch_type: 'FARGATE',
      // No automatic rollback: it would run the old code on the migrated schema (runtime-reliability.test.ts).
      deployment_circuit_breaker: { enable: true, rollback: false },
      load_balancer: [{ container_name: 'prefect-server', container_port: 4200, target_group_arn: expect.stringContaining('aws_lb_target_group') }],
      network_configuration: { assign_public_ip: true, security_groups: [expect.stringContaining('security-groups_server_')] },
    });
  });

  it('runs the worker on the configured pool with the HTTPS API URL (CloudFront)', () => {
    expect(worker.command).toEqual(['prefect', 'worker', 'start', '--pool', 'blog-data-pool', '--type', 'ecs']);
    expect(env(worker).PREFECT_API_URL).toMatch(/^https:\/\/\$\{aws_cloudfront_distribution\.cloudfront_distribution_.*\.domain_name\}\/api$/);
    expect(one(dev, 'aws_ecs_service', 'prefect-worker')).toMatchObject({
      desired_count: 1,
      deployment_circuit_breaker: { enable: true, rollback: true },
      network_configuration: { security_groups: [expect.stringContaining('security-groups_worker_')] },
    });
  });

  it('uses the domain for the API URL when there is one', () => {
    const withDomain = synthBoth(configFor('dev', { ...WITH_ALB, domain: { name: 'prefect.example.com', hostedZoneId: 'Z0123456789ABC' } })).platform;
    const [w] = containers(one(withDomain, 'aws_ecs_task_definition', 'prefect-worker'));
    expect(env(w).PREFECT_API_URL).toBe('https://prefect.example.com/api');
  });

  it('defines a one-off deployer task (no service) for apps/flows-deployer', () => {
    expect(Object.keys(resources(dev, 'aws_ecs_service'))).toHaveLength(2);
    expect(deployer.name).toBe('flows-deployer');
    expect(deployer.image).toBe(`111111111111.dkr.ecr.eu-west-2.amazonaws.com/blog-data@${TEST_DIGESTS.deployerDigest}`);
    expect(env(deployer)).toMatchObject({ PLATFORM_ENV: 'dev', PREFECT_API_URL: expect.stringMatching(/\/api$/) });
    // Heap capped below the task's memory (config deployerHeapMiB, sized by the flows-deployer memory benchmark).
    expect(env(deployer).NODE_OPTIONS).toBe('--enable-source-maps --max-old-space-size=192');
    expect(deployer.logConfiguration.options['awslogs-group']).toContain('aws_cloudwatch_log_group.logs_deployer_');
  });

  it('hands the deployer task the platform outputs it renders the work pool from', () => {
    expect(env(deployer).FLOWS_DEPLOYER_INFRA_OUTPUTS).toMatch(/^base64:<expr:\d+ chars>$/);
    const definitions = one(dev, 'aws_ecs_task_definition', 'deployer').container_definitions as string;
    const outputs = definitions.slice(definitions.indexOf('base64:${base64encode(jsonencode('));
    // Every output the flows-deployer needs for the pool, plus storage and the API URL.
    for (const name of [
      'ecs_cluster_arn',
      'vpc_id',
      'task_subnet_ids',
      'assign_public_ip',
      'flow_run_security_group_id',
      'execution_role_arn',
      'flow_run_task_role_arn',
      'api_auth_secret_arn',
      'log_group_flow_runs',
      'flow_storage_bucket',
      'ecr_repository_url',
      'prefect_api_url',
    ]) {
      expect(outputs).toContain(`"${name}"`);
    }
    expect(outputs).not.toContain('deployer_task_definition_arn');
    expect(outputs).not.toContain('password');
  });

  it('sends every container to its own log group', () => {
    expect(server.logConfiguration.options['awslogs-group']).toContain('logs_api_');
    expect(worker.logConfiguration.options['awslogs-group']).toContain('logs_worker_');
  });
});

describe('images', () => {
  it('no task definition of any environment or variant references a tag: repository@sha256 only', () => {
    const variants = [
      ...(['dev', 'staging', 'prod'] as const).map((env) => configFor(env)),
      configFor('dev', { endpoint: 'insecure-http' }),
      configFor('dev', { network: { mode: 'create', privateSubnets: true, natGateway: true } }),
    ];
    let checked = 0;
    for (const config of variants) {
      for (const task of Object.values(resources(synthBoth(config).platform, 'aws_ecs_task_definition'))) {
        for (const container of containers(task)) {
          expect(container.image).toMatch(/^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com\/blog-data@sha256:[0-9a-f]{64}$/);
          checked++;
        }
      }
    }
    // server, worker, deployer and the migration task
    expect(checked).toBe(variants.length * 4);
  });

  it('keeps tags immutable in the repository, so a pushed tag can never be re-pointed', () => {
    expect(one(synthBoth(configFor('prod')).bootstrap, 'aws_ecr_repository')).toMatchObject({ image_tag_mutability: 'IMMUTABLE' });
  });
});
