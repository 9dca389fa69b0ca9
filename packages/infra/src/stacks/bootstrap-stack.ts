import { BootstrapOutputName, bootstrapOutputsSchema, ciRoleName, hasLoadBalancer, namePrefix, outputDescription } from '@blog-data/config';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { configureStack, StackSettings, stackNames, stateKey } from './stack-settings';
import { CiAccess } from '../constructs/ci-access';
import { EncryptionKey } from '../constructs/kms-key';
import { PermissionsBoundary } from '../constructs/permissions-boundary';
import { Registry } from '../constructs/registry';
import { SecureBucket } from '../constructs/secure-bucket';

/**
 * What an environment's AWS account needs before any platform: the terraform
 * state bucket (native S3 locking, KMS, versioned), the account's KMS key, the
 * ECR repository, CircleCI's OIDC access and the permissions boundary of every
 * platform role. Applied by an admin, first with
 * the local backend, then migrated into the bucket it created (see the README).
 */
export class BootstrapStack extends TerraformStack {
  /** Terraform state bucket. */
  readonly stateBucket: SecureBucket;
  /** The image repository. */
  readonly registry: Registry;
  /** CircleCI OIDC provider and roles. */
  readonly ciAccess: CiAccess;

  constructor(scope: Construct, id: string, settings: StackSettings) {
    super(scope, id);
    configureStack(this, id, settings);
    const { config } = settings;
    const emulator = settings.emulatorEndpoint !== undefined;
    const scopeArn = { region: config.aws.region, accountId: config.aws.accountId };

    const key = new EncryptionKey(this, 'key', {
      ...scopeArn,
      alias: `${config.project}-bootstrap`,
      description: 'Terraform state and container images',
      deletionWindowInDays: emulator ? 7 : 30,
    });
    this.stateBucket = new SecureBucket(this, 'state', {
      bucketName: config.state.bucket,
      kmsKeyArn: key.key.arn,
      // Old state versions are the undo history of every apply; keep them a quarter.
      // (Not in the emulator: the provider waits ~55 s for moto to echo a lifecycle rule back.)
      noncurrentVersionExpirationDays: emulator ? 0 : 90,
      forceDestroy: emulator,
    });
    this.registry = new Registry(this, 'registry', {
      repositoryName: config.image.repository,
      kmsKeyArn: key.key.arn,
      forceDelete: emulator,
    });
    // config guarantees tags.environment = env on every resource (default_tags).
    const environmentTag = { key: 'environment', value: config.env };
    const boundary = new PermissionsBoundary(this, 'boundary', {
      ...scopeArn,
      namePrefix: namePrefix(config),
      env: config.env,
      clusterName: config.ecs.clusterName,
      repositoryName: config.image.repository,
      bucketNames: [...new Set(Object.values(config.buckets))],
      pipelineRoleName: config.iam.pipelineRoleName,
      environmentTag,
    });
    this.ciAccess = new CiAccess(this, 'circleci', {
      ...scopeArn,
      organizationId: config.circleci.organizationId,
      projectId: config.circleci.projectId,
      vcsOrigin: config.circleci.vcsOrigin,
      deployBranches: [config.circleci.deployBranch],
      publishBranches: config.circleci.publishBranches,
      maxSessionSeconds: config.circleci.sessionSeconds,
      namePrefix: namePrefix(config),
      roleNames: { 'deploy': ciRoleName(config, 'deploy'), 'ecr-push': ciRoleName(config, 'ecr-push') },
      repositoryArn: this.registry.repository.arn,
      stateBucket: config.state.bucket,
      stateKeyPrefix: config.state.keyPrefix,
      platformStateKey: stateKey(config, stackNames(config).platform),
      bootstrapStateKey: stateKey(config, id),
      environmentTag,
      stateKmsKeyArn: key.key.arn,
      clusterName: config.ecs.clusterName,
      env: config.env,
      flowStorageBucket: config.buckets.flowStorage,
      pipelineRoleName: config.iam.pipelineRoleName,
      hostedZoneId: config.domain?.hostedZoneId,
      ...(config.scale.mode === 'scale-out' ? { scaleOut: true } : {}),
      ...(hasLoadBalancer(config) ? {} : { privateEndpoint: true }),
      permissionsBoundaryArn: boundary.policy.arn,
    });

    // config's bootstrapOutputsSchema: a complete record, so a missing output fails to compile.
    const outputs: Record<BootstrapOutputName, string> = {
      state_bucket: this.stateBucket.bucket.bucket,
      kms_key_arn: key.key.arn,
      circleci_oidc_provider_arn: this.ciAccess.provider.arn,
      ecr_repository_url: this.registry.repository.repositoryUrl,
      ecr_push_role_arn: this.ciAccess.ecrPushRole.role.arn,
      deploy_role_arn: this.ciAccess.deployRole.role.arn,
    };
    for (const [name, value] of Object.entries(outputs)) {
      new TerraformOutput(this, name, { value, description: outputDescription(bootstrapOutputsSchema, name) });
    }
  }
}
