import type { PlatformConfig } from '@blog-data/config';
import { DataAwsSubnet } from '@cdktf/provider-aws/lib/data-aws-subnet';
import { DbSubnetGroup } from '@cdktf/provider-aws/lib/db-subnet-group';
import { RdsCluster } from '@cdktf/provider-aws/lib/rds-cluster';
import { RdsClusterInstance } from '@cdktf/provider-aws/lib/rds-cluster-instance';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { POSTGRES_PORT } from './security-groups';

/** Properties of {@link Database}. */
export interface DatabaseProps {
  /** Prefix of identifiers, e.g. `blog-data-dev`. Required. */
  readonly namePrefix: string;
  /** The cluster's identifier, config's `databaseClusterIdentifier` (ops looks the cluster up by it). Required. */
  readonly clusterIdentifier: string;
  /** `config.aurora`: engine version, ACU range, database name, backups, deletion protection. Required. */
  readonly aurora: PlatformConfig['aurora'];
  /** Subnets in at least two zones. Required. */
  readonly subnetIds: string[];
  /** Security group of the cluster. Required. */
  readonly securityGroupId: string;
  /** Customer KMS key for storage, Performance Insights and the master-password secret. Required. */
  readonly kmsKeyArn: string;
  /** Keep a final snapshot on destroy (prod). Default: `aurora.deletionProtection`. */
  readonly finalSnapshot?: boolean;
  /** Apply changes immediately instead of in the maintenance window. Default: true unless deletion protection is on. */
  readonly applyImmediately?: boolean;
  /** A reader instance in another zone than the writer's (`config.scale.auroraReader`), the failover target. Default false. */
  readonly reader?: boolean;
}

/** Aurora PostgreSQL master user; the password is generated and rotated by RDS in Secrets Manager. */
const MASTER_USERNAME = 'prefect';

/**
 * Prefect's database: Aurora Serverless v2 PostgreSQL, one `db.serverless`
 * writer, encrypted with the platform key, Performance Insights on, never
 * public. RDS owns the master password (`manage_master_user_password`): it lives
 * only in Secrets Manager, and the server reads it through ECS `secrets`.
 */
export class Database extends Construct {
  /** The cluster. */
  readonly cluster: RdsCluster;
  /** Writer endpoint host name. */
  readonly endpoint: string;
  /** PostgreSQL port. */
  readonly port = POSTGRES_PORT;
  /** Database Prefect uses. */
  readonly databaseName: string;
  /** ARN of the RDS-managed secret holding `{"username", "password"}`. */
  readonly masterSecretArn: string;
  /** Cluster identifier, for alarms. */
  readonly clusterIdentifier: string;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const a = props.aurora;
    if (!/^15\.\d+$/.test(a.engineVersion)) {
      throw new Error(`Database.aurora.engineVersion: "${a.engineVersion}" must be an Aurora PostgreSQL 15.x version`);
    }
    if (a.minAcu < 0 || a.maxAcu < a.minAcu || a.maxAcu < 1) {
      throw new Error(`Database.aurora.maxAcu: ${a.maxAcu} must be ≥ 1 and ≥ minAcu (${a.minAcu})`);
    }
    if (props.subnetIds.length < 2) {
      throw new Error(`Database.subnetIds: Aurora needs subnets in at least 2 zones (got ${props.subnetIds.length})`);
    }
    const finalSnapshot = props.finalSnapshot ?? a.deletionProtection;
    this.clusterIdentifier = props.clusterIdentifier;
    this.databaseName = a.databaseName;

    const subnets = new DbSubnetGroup(this, 'subnets', {
      name: props.clusterIdentifier,
      description: 'Prefect database subnets',
      subnetIds: props.subnetIds,
    });
    this.cluster = new RdsCluster(this, 'cluster', {
      clusterIdentifier: this.clusterIdentifier,
      engine: 'aurora-postgresql',
      engineMode: 'provisioned',
      engineVersion: a.engineVersion,
      databaseName: a.databaseName,
      masterUsername: MASTER_USERNAME,
      manageMasterUserPassword: true,
      masterUserSecretKmsKeyId: props.kmsKeyArn,
      port: POSTGRES_PORT,
      dbSubnetGroupName: subnets.name,
      vpcSecurityGroupIds: [props.securityGroupId],
      storageEncrypted: true,
      kmsKeyId: props.kmsKeyArn,
      serverlessv2ScalingConfiguration: {
        minCapacity: a.minAcu,
        maxCapacity: a.maxAcu,
        // At 0 ACU the cluster pauses after this long without connections (resumes on the next one).
        secondsUntilAutoPause: a.minAcu === 0 ? a.secondsUntilAutoPause : undefined,
      },
      backupRetentionPeriod: a.backupRetentionDays,
      preferredBackupWindow: '02:00-03:00',
      preferredMaintenanceWindow: 'sun:03:30-sun:04:30',
      copyTagsToSnapshot: true,
      deletionProtection: a.deletionProtection,
      skipFinalSnapshot: !finalSnapshot,
      finalSnapshotIdentifier: finalSnapshot ? `${this.clusterIdentifier}-final` : undefined,
      applyImmediately: props.applyImmediately ?? !a.deletionProtection,
      lifecycle: {
        // Serverless v2 clusters report an empty v1 `scaling_configuration` block back,
        // which terraform would otherwise try to "remove" on every plan.
        ignoreChanges: ['scaling_configuration'],
      },
    });
    this.endpoint = this.cluster.endpoint;
    this.masterSecretArn = this.cluster.masterUserSecret.get(0).secretArn;

    // What the writer and the optional reader share.
    const instance = {
      clusterIdentifier: this.cluster.id,
      instanceClass: 'db.serverless',
      engine: 'aurora-postgresql',
      engineVersion: a.engineVersion,
      publiclyAccessible: false,
      dbSubnetGroupName: subnets.name,
      performanceInsightsEnabled: true,
      performanceInsightsKmsKeyId: props.kmsKeyArn,
      performanceInsightsRetentionPeriod: a.performanceInsightsRetentionDays,
      autoMinorVersionUpgrade: false,
      applyImmediately: props.applyImmediately ?? !a.deletionProtection,
      copyTagsToSnapshot: true,
    };
    const writer = new RdsClusterInstance(this, 'writer', { identifier: `${this.clusterIdentifier}-1`, ...instance });
    if (props.reader) {
      // The first of the database subnets' zones that is not the writer's: a failover target that
      // survives the writer's zone failing (RDS would otherwise pick any zone, the writer's too).
      const zones = [0, 1].map((i) => new DataAwsSubnet(this, `subnet-${i}`, { id: Fn.element(props.subnetIds, i) }).availabilityZone);
      new RdsClusterInstance(this, 'reader', {
        identifier: `${this.clusterIdentifier}-2`,
        ...instance,
        availabilityZone: Fn.element(Fn.tolist(Fn.setsubtract(zones, [writer.availabilityZone])), 0),
        promotionTier: 1,
      });
    }
  }
}
