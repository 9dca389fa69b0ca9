import { configFor, one, resources, Synth, synthBoth, WITH_ALB } from './helpers';

/** Resources of a type belonging to the bucket whose logical name starts with `prefix`. */
function bucketParts(s: Synth, prefix: string) {
  const pick = (type: string) => one(s, type, `${prefix}_`);
  return {
    bucket: pick('aws_s3_bucket'),
    versioning: pick('aws_s3_bucket_versioning'),
    encryption: pick('aws_s3_bucket_server_side_encryption_configuration'),
    publicAccess: pick('aws_s3_bucket_public_access_block'),
    policy: JSON.parse(pick('aws_s3_bucket_policy').policy),
    ownership: pick('aws_s3_bucket_ownership_controls'),
  };
}

function expectSecureBucket(parts: ReturnType<typeof bucketParts>, name: string) {
  expect(parts.bucket.bucket).toBe(name);
  expect(parts.versioning.versioning_configuration).toEqual({ status: 'Enabled' });
  expect(parts.encryption.rule).toEqual([
    {
      apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: expect.stringMatching(/^\$\{aws_kms_key\./) },
      bucket_key_enabled: true,
    },
  ]);
  expect(parts.publicAccess).toMatchObject({
    block_public_acls: true,
    block_public_policy: true,
    ignore_public_acls: true,
    restrict_public_buckets: true,
  });
  expect(parts.ownership.rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
  expect(parts.policy.Statement).toEqual([
    expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': false } } }),
  ]);
}

describe('storage', () => {
  const dev = synthBoth(configFor('dev'));

  it('keeps flow code and results in a KMS-encrypted, versioned, private, TLS-only bucket', () => {
    expectSecureBucket(bucketParts(dev.platform, 'flow-storage'), 'blog-data-prefect-flows-dev-111111111111');
    expect(dev.platform.output.flow_storage_bucket.value).toContain('aws_s3_bucket.flow-storage_bucket_');
  });

  it('keeps terraform state in the same kind of bucket, old versions expiring after 90 days', () => {
    expectSecureBucket(bucketParts(dev.bootstrap, 'state'), 'blog-data-tfstate-111111111111-eu-west-2');
    expect(one(dev.bootstrap, 'aws_s3_bucket_lifecycle_configuration').rule[0].noncurrent_version_expiration).toEqual([{ noncurrent_days: 90 }]);
    expect(one(dev.bootstrap, 'aws_s3_bucket').force_destroy).toBe(false);
  });
});

describe('registry', () => {
  const { bootstrap } = synthBoth(configFor('dev'));

  it('is the blog-data ECR repository, KMS-encrypted and scanned on push', () => {
    expect(one(bootstrap, 'aws_ecr_repository')).toMatchObject({
      name: 'blog-data',
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: 'KMS', kms_key: expect.stringMatching(/^\$\{aws_kms_key\./) }],
      force_delete: false,
    });
  });

  it('expires untagged images', () => {
    const policy = JSON.parse(one(bootstrap, 'aws_ecr_lifecycle_policy').policy);
    expect(policy.rules).toEqual([
      expect.objectContaining({ selection: expect.objectContaining({ tagStatus: 'untagged', countType: 'sinceImagePushed' }), action: { type: 'expire' } }),
    ]);
  });
});

describe('observability', () => {
  const dev = synthBoth(configFor('dev', WITH_ALB)).platform;
  const prod = synthBoth(configFor('prod')).platform;

  it('creates the /ecs/<env>/prefect-* log groups with retention and the platform key', () => {
    const groups = Object.values(resources(dev, 'aws_cloudwatch_log_group'));
    expect(groups.map((g) => g.name).sort()).toEqual(
      ['/ecs/dev/prefect-api', '/ecs/dev/prefect-deployer', '/ecs/dev/prefect-flow-runs', '/ecs/dev/prefect-worker'],
    );
    for (const g of groups) {
      expect(g.retention_in_days).toBe(14);
      expect(g.kms_key_id).toMatch(/^\$\{aws_kms_key\.key_.*\.arn\}$/);
    }
    expect(Object.values(resources(prod, 'aws_cloudwatch_log_group')).map((g) => g.retention_in_days)).toEqual([90, 90, 90, 90]);
  });

  it('rotates the platform key yearly', () => {
    expect(one(dev, 'aws_kms_key').enable_key_rotation).toBe(true);
  });

  it('alarms on server CPU/memory, ALB 5xx, unhealthy targets and Aurora capacity/CPU/connections', () => {
    const alarms = Object.values(resources(dev, 'aws_cloudwatch_metric_alarm'));
    // A metric-math alarm (the worker's running vs desired) is named by its queries' metrics.
    const metricOf = (a: Record<string, any>) => a.metric_query
      ? (a.metric_query as Record<string, any>[]).filter((q) => q.metric).map((q) => `${q.metric.namespace}:${q.metric.metric_name}`).join('+')
      : `${a.namespace}:${a.metric_name}`;
    const metrics = alarms.map(metricOf).sort();
    expect(metrics).toEqual([
      'AWS/ApplicationELB:HTTPCode_ELB_5XX_Count',
      'AWS/ApplicationELB:HTTPCode_Target_5XX_Count',
      'AWS/ApplicationELB:UnHealthyHostCount',
      'AWS/ECS:CPUUtilization',
      // The worker's running tasks vs the server's (CPU samples; see alarm-scheduled-services.test.ts).
      'AWS/ECS:CPUUtilization+AWS/ECS:CPUUtilization',
      // Healthy targets while the server or the worker runs (see alarm-scheduled-services.test.ts).
      'AWS/ECS:CPUUtilization+AWS/ECS:CPUUtilization+AWS/ApplicationELB:HealthyHostCount',
      'AWS/ECS:MemoryUtilization',
      'AWS/RDS:CPUUtilization',
      'AWS/RDS:DatabaseConnections',
      'AWS/RDS:ServerlessDatabaseCapacity',
      'Prefect/blog-data-dev:WorkerApiErrors',
    ]);
    for (const a of alarms) {
      expect(a.alarm_actions).toEqual([expect.stringMatching(/^\$\{aws_sns_topic\.alarms_topic_.*\.arn\}$/)]);
      expect(a.ok_actions).toEqual(a.alarm_actions);
    }
    const capacity = alarms.find((a) => a.metric_name === 'ServerlessDatabaseCapacity')!;
    expect(capacity).toMatchObject({ threshold: 0.9, dimensions: { DBClusterIdentifier: expect.stringContaining('aws_rds_cluster.') } });
    const cpu = alarms.find((a) => a.namespace === 'AWS/ECS' && a.metric_name === 'CPUUtilization')!;
    expect(cpu.dimensions).toEqual({ ClusterName: expect.stringContaining('aws_ecs_cluster'), ServiceName: expect.stringContaining('aws_ecs_service.prefect-server') });
  });

  it('routes alarms to an encrypted SNS topic, e-mailing only when an address is configured', () => {
    expect(one(dev, 'aws_sns_topic')).toMatchObject({ name: 'blog-data-dev-alarms', kms_master_key_id: expect.stringContaining('aws_kms_key') });
    expect(resources(dev, 'aws_sns_topic_subscription')).toEqual({});
    expect(one(prod, 'aws_sns_topic_subscription')).toMatchObject({ protocol: 'email', endpoint: 'data-platform-alerts@example.com' });
  });
});
