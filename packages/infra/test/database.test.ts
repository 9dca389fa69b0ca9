import { configFor, one, synthBoth } from './helpers';

describe('database', () => {
  const dev = synthBoth(configFor('dev')).platform;
  const prod = synthBoth(configFor('prod')).platform;

  it('is Aurora Serverless v2 PostgreSQL 15.13 at 0.5–1 ACU (prod; dev pauses at 0, see service-schedule.test.ts), encrypted with the platform key', () => {
    const cluster = one(prod, 'aws_rds_cluster');
    expect(cluster).toMatchObject({
      engine: 'aurora-postgresql',
      engine_mode: 'provisioned',
      engine_version: '15.13',
      serverlessv2_scaling_configuration: { min_capacity: 0.5, max_capacity: 1 },
      storage_encrypted: true,
      database_name: 'prefect',
    });
    expect(cluster.kms_key_id).toMatch(/^\$\{aws_kms_key\.key_.*\.arn\}$/);
    expect(one(dev, 'aws_rds_cluster_instance')).toMatchObject({ instance_class: 'db.serverless', engine_version: '15.13' });
  });

  it('has Performance Insights on, encrypted with the platform key, kept 7 days', () => {
    expect(one(dev, 'aws_rds_cluster_instance')).toMatchObject({
      performance_insights_enabled: true,
      performance_insights_retention_period: 7,
      performance_insights_kms_key_id: expect.stringMatching(/^\$\{aws_kms_key\.key_.*\.arn\}$/),
    });
  });

  it('is never publicly accessible and sits in its own security group', () => {
    expect(one(dev, 'aws_rds_cluster_instance').publicly_accessible).toBe(false);
    expect(one(dev, 'aws_rds_cluster').vpc_security_group_ids).toEqual([expect.stringContaining('security-groups_database_')]);
  });

  it('lets RDS own the master password in Secrets Manager: no password anywhere in the configuration', () => {
    const cluster = one(dev, 'aws_rds_cluster');
    expect(cluster.manage_master_user_password).toBe(true);
    expect(cluster.master_user_secret_kms_key_id).toMatch(/aws_kms_key\.key_/);
    expect(cluster.master_password).toBeUndefined();
    expect(JSON.stringify(dev)).not.toMatch(/master_password"/);
  });

  it('keeps backups; in prod also deletion protection and a final snapshot', () => {
    expect(one(dev, 'aws_rds_cluster')).toMatchObject({ backup_retention_period: 1, deletion_protection: false, skip_final_snapshot: true });
    expect(one(prod, 'aws_rds_cluster')).toMatchObject({
      backup_retention_period: 14,
      deletion_protection: true,
      skip_final_snapshot: false,
      final_snapshot_identifier: 'blog-data-prod-prefect-final',
    });
  });

  it('ignores the v1 scaling_configuration block Serverless v2 reports back, but not the v2 ACU range', () => {
    const ignored = one(dev, 'aws_rds_cluster').lifecycle.ignore_changes as string[];
    expect(ignored).toContain('scaling_configuration');
    expect(ignored).not.toContain('serverlessv2_scaling_configuration');
  });

  it('takes the ACU range from config', () => {
    const big = synthBoth(configFor('dev', { aurora: { minAcu: 1, maxAcu: 4 } })).platform;
    expect(one(big, 'aws_rds_cluster').serverlessv2_scaling_configuration).toEqual({ min_capacity: 1, max_capacity: 4 });
  });
});
