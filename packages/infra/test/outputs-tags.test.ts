import { configFor, synthBoth, WITH_ALB } from './helpers';
import { bootstrapOutputsSchema, platformOutputsSchema } from '../src/outputs';

const PLATFORM_OUTPUTS = Object.keys(platformOutputsSchema.shape);
/** Published in the scale-out mode only (the background-services service the release rolls). */
const SCALE_OUT_OUTPUTS = ['services_service_name', 'services_task_definition_arn'];
const BOOTSTRAP_OUTPUTS = Object.keys(bootstrapOutputsSchema.shape);

describe('outputs', () => {
  const { platform, bootstrap } = synthBoth(configFor('dev', WITH_ALB));

  it('publishes exactly the platform outputs of the contract', () => {
    expect(Object.keys(platform.output).sort()).toEqual(PLATFORM_OUTPUTS.filter((o) => !SCALE_OUT_OUTPUTS.includes(o)).sort());
    const scaledOut = synthBoth(configFor('dev', { ...WITH_ALB, scale: { mode: 'scale-out' } })).platform;
    expect(Object.keys(scaledOut.output).sort()).toEqual([...PLATFORM_OUTPUTS].sort());
    // A private endpoint has no load balancer, so no alb_dns_name; it says so in `endpoint`.
    const privateDev = synthBoth(configFor('dev', { endpoint: 'private' })).platform;
    expect(Object.keys(privateDev.output).sort()).toEqual(PLATFORM_OUTPUTS.filter((o) => !SCALE_OUT_OUTPUTS.includes(o) && o !== 'alb_dns_name').sort());
    expect(privateDev.output.endpoint.value).toBe('private');
    expect(privateDev.output.prefect_api_url.value).toBe('http://prefect-server.blog-data-dev.internal:4200/api');
    expect(platform.output.endpoint.value).toBe('cloudfront');
    // The contract, spelled out here so a rename in src cannot silently pass.
    expect(PLATFORM_OUTPUTS).toEqual([
      'endpoint', 'prefect_url', 'prefect_api_url', 'alb_dns_name', 'ecs_cluster_arn', 'ecs_cluster_name', 'vpc_id', 'task_subnet_ids',
      'assign_public_ip', 'server_security_group_id', 'worker_security_group_id', 'flow_run_security_group_id',
      'execution_role_arn', 'worker_task_role_arn', 'flow_run_task_role_arn', 'deployer_task_role_arn', 'ecr_repository_url',
      'ecr_repository_name', 'api_auth_secret_arn', 'database_secret_arn', 'log_group_api', 'log_group_worker',
      'log_group_deployer', 'log_group_flow_runs', 'deployer_task_definition_arn', 'flow_storage_bucket', 'alarm_topic_arn',
      'server_service_name', 'server_task_definition_arn', ...SCALE_OUT_OUTPUTS, 'migration_task_definition_arn', 'migration_container_name',
      'prefect_image', 'deployer_image',
    ]);
  });

  it('describes each output as the contract does', () => {
    expect(platform.output.ecs_cluster_arn.description).toBe('ECS cluster ARN');
    expect(bootstrap.output.deploy_role_arn.description).toBe('Role CircleCI assumes to deploy');
  });

  it('publishes exactly the bootstrap outputs of the contract', () => {
    expect(Object.keys(bootstrap.output).sort()).toEqual([...BOOTSTRAP_OUTPUTS].sort());
    expect(BOOTSTRAP_OUTPUTS).toEqual([
      'state_bucket', 'kms_key_arn', 'circleci_oidc_provider_arn', 'ecr_repository_url', 'ecr_push_role_arn', 'deploy_role_arn',
    ]);
  });

  it('never outputs a secret value, only ARNs, ids and names', () => {
    for (const [name, out] of Object.entries({ ...platform.output, ...bootstrap.output })) {
      const value = JSON.stringify(out.value);
      expect({ name, value }).not.toMatchObject({ value: expect.stringMatching(/secret_string|random_password|password|\.value\}/) });
      expect(out.sensitive).toBeUndefined();
    }
    expect(platform.output.api_auth_secret_arn.value).toMatch(/aws_secretsmanager_secret\..*\.arn\}$/);
    expect(platform.output.database_secret_arn.value).toMatch(/master_user_secret\[0\]\.secret_arn\}$/);
  });

  it('gives the values the consumers expect', () => {
    // Without a domain both are built by terraform's join() from CloudFront's DNS name.
    expect(platform.output.prefect_url.value).toBe('${join("", ["https://", aws_cloudfront_distribution.cloudfront_distribution_37F7370C.domain_name])}');
    expect(platform.output.prefect_api_url.value).toBe(
      '${join("", ["https://", aws_cloudfront_distribution.cloudfront_distribution_37F7370C.domain_name, "/api"])}',
    );
    expect(platform.output.ecr_repository_url.value).toBe('111111111111.dkr.ecr.eu-west-2.amazonaws.com/blog-data');
    expect(platform.output.ecr_repository_name.value).toBe('blog-data');
    expect(platform.output.log_group_flow_runs.value).toContain('aws_cloudwatch_log_group.logs_flowRuns_');
    expect(platform.output.task_subnet_ids.value).toMatch(/^\$\{tolist\(\[aws_subnet\.network_public-0_.*\.id, aws_subnet\.network_public-1_.*\.id\]\)\}$/);
  });
});

describe('tags, provider and backend', () => {
  const dev = synthBoth(configFor('dev', WITH_ALB));

  it('tags every resource with environment, project and managed-by through provider default_tags', () => {
    for (const s of [dev.platform, dev.bootstrap]) {
      expect(s.provider.aws[0].default_tags).toEqual([{ tags: { 'environment': 'dev', 'project': 'blog-data', 'managed-by': 'cdktf' } }]);
    }
  });

  it('pins real deployments to the configured account and region', () => {
    expect(dev.platform.provider.aws[0]).toMatchObject({ region: 'eu-west-2', allowed_account_ids: ['111111111111'] });
    expect(dev.platform.provider.aws[0].skip_credentials_validation).toBeUndefined();
  });

  it('keeps state in the bootstrap bucket with native S3 locking and encryption', () => {
    expect(dev.platform.terraform.backend.s3).toEqual({
      bucket: 'blog-data-tfstate-111111111111-eu-west-2',
      key: 'blog-data/dev/blog-data-dev-platform.tfstate',
      region: 'eu-west-2',
      encrypt: true,
      use_lockfile: true,
    });
    expect(dev.bootstrap.terraform.backend.s3.key).toBe('blog-data/dev/blog-data-dev-bootstrap.tfstate');
  });

  it('uses a relative local state path for the rehearsal', () => {
    const local = synthBoth(configFor('dev'), { backend: 'local' }).platform;
    expect(local.terraform.backend).toEqual({ local: { path: '../../state/blog-data-dev-platform.tfstate' } });
  });

  it('in emulator mode: skips what moto cannot answer and ignores only the drift moto causes', () => {
    const emu = synthBoth(configFor('dev'), { backend: 'local', emulatorEndpoint: 'http://127.0.0.1:1' });
    expect(emu.platform.provider.aws[0]).toMatchObject({
      skip_credentials_validation: true,
      skip_metadata_api_check: 'true',
      s3_use_path_style: true,
    });
    expect(emu.platform.provider.aws[0].allowed_account_ids).toBeUndefined();
    const service = Object.values(emu.platform.resource.aws_ecs_service)[0];
    // task_definition is ignored everywhere (the release step moves the server), desired_count wherever a
    // schedule owns it (dev's default, service-schedule.test.ts); the rest only here.
    expect(service.lifecycle.ignore_changes).toEqual([
      'task_definition', 'desired_count', 'health_check_grace_period_seconds', 'availability_zone_rebalancing', 'enable_execute_command',
    ]);
    // Dev's private endpoint: what moto's Cloud Map does not echo.
    expect(Object.values(emu.platform.resource.aws_service_discovery_service as Record<string, any>)[0].lifecycle.ignore_changes).toEqual(['health_check_custom_config', 'tags']);
    const cluster = Object.values(emu.platform.resource.aws_rds_cluster)[0];
    expect(cluster.lifecycle.ignore_changes).toEqual(['scaling_configuration']);
    // Real deployments ignore nothing of the kind.
    for (const svc of Object.values(dev.platform.resource.aws_ecs_service)) {
      expect((svc.lifecycle?.ignore_changes ?? []).filter((a: string) => a !== 'task_definition' && a !== 'desired_count')).toEqual([]);
    }
  });
});
