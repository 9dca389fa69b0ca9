import type { PlatformConfig } from '@blog-data/config';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { LocalBackend, S3Backend, TerraformStack } from 'cdktf';
import { ignoreEmulatorDrift } from './emulator-drift';

/** Stack names of an environment: `<project>-<env>-bootstrap` and `<project>-<env>-platform`. */
export function stackNames(config: PlatformConfig): { bootstrap: string; platform: string } {
  const prefix = `${config.project}-${config.env}`;
  return { bootstrap: `${prefix}-bootstrap`, platform: `${prefix}-platform` };
}

/** The S3 object key of a stack's state in the state bucket. */
export function stateKey(config: PlatformConfig, stackName: string): string {
  return `${config.state.keyPrefix}/${stackName}.tfstate`;
}

/** Where a stack keeps its terraform state. */
export type BackendKind = 's3' | 'local';

/** How a stack talks to AWS and where its state lives. */
export interface StackSettings {
  /** Validated settings of the environment. */
  readonly config: PlatformConfig;
  /** `s3`: the bootstrap state bucket (`config.state`), `local`: a file next to the synthesized stacks. */
  readonly backend: BackendKind;
  /**
   * Endpoint of an AWS emulator (moto) when rehearsing locally; unset for real AWS.
   * Also relaxes what an emulator cannot do and what blocks a clean teardown there.
   */
  readonly emulatorEndpoint?: string;
  /** The images task definitions run, `repository@sha256:…` (see `pinnedImages`). Required by the platform stack. */
  readonly images?: { readonly prefect: string; readonly deployer: string };
}

/**
 * The provider (region, default tags on every resource, and the emulator
 * switches) and the backend of one stack. The local backend's path is relative
 * to the stack's directory (`cdktf.out/stacks/<stack>`), so state survives
 * re-synthesis and never names a machine path.
 */
export function configureStack(stack: TerraformStack, stackName: string, settings: StackSettings): void {
  const { config } = settings;
  const emulator = settings.emulatorEndpoint !== undefined;
  new AwsProvider(stack, 'aws', {
    region: config.aws.region,
    // Refuse to touch any other account (a prod config with dev credentials, say). The emulator has no real account.
    allowedAccountIds: emulator ? undefined : [config.aws.accountId],
    defaultTags: [{ tags: { ...config.tags } }],
    ...(emulator
      ? {
        // The provider (5.100) honours AWS_ENDPOINT_URL for every service, so no per-service endpoints.
        // The account id is still requested (moto answers sts:GetCallerIdentity): without it the provider
        // reads same-account security-group references as cross-account ("<account>/sg-…") and drifts.
        skipCredentialsValidation: true,
        skipMetadataApiCheck: 'true',
        skipRegionValidation: true,
        s3UsePathStyle: true,
      }
      : {}),
  });
  if (emulator) ignoreEmulatorDrift(stack);
  if (settings.backend === 'local') {
    new LocalBackend(stack, { path: `../../state/${stackName}.tfstate` });
  } else {
    new S3Backend(stack, {
      bucket: config.state.bucket,
      key: stateKey(config, stackName),
      region: config.aws.region,
      encrypt: true,
    });
    // Native S3 locking (terraform ≥ 1.10): a lock object next to the state, no DynamoDB table.
    // cdktf 0.21's S3Backend has no typed field for it yet.
    stack.addOverride('terraform.backend.s3.use_lockfile', true);
  }
}
