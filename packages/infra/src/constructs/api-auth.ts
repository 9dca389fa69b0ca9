import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

/** Properties of {@link ApiAuthSecret}. */
export interface ApiAuthSecretProps {
  /** Secret name, e.g. `blog-data-dev/prefect-api-auth`. Required. */
  readonly secretName: string;
  /** Basic-auth user (`config.prefect.apiAuthUser`). Required. */
  readonly user: string;
  /** KMS key ARN that encrypts the secret. Required. */
  readonly kmsKeyArn: string;
  /** Length of the generated password (32–128). Default 40. */
  readonly passwordLength?: number;
  /** Days Secrets Manager keeps a deleted secret (0 = delete at once, else 7–30). Default 7. */
  readonly recoveryWindowInDays?: number;
  /** Generation of the password: raising it writes a new one (rotation). Default 1. */
  readonly passwordVersion?: number;
}

/**
 * The Prefect API's basic-auth string `user:password` in Secrets Manager. The
 * password comes from Secrets Manager's own generator (no random provider
 * offline) through the *ephemeral* `aws_secretsmanager_random_password` into the
 * write-only `secret_string_wo`: terraform never stores it in state or plan files
 * and never prints it. (The data source of the same name used the password as its
 * id, so every apply log showed `Read complete … [id=<password>]`.) It is written
 * once per `passwordVersion`; raise that to rotate.
 *
 * cdktf 0.21 has no ephemeral blocks, so the block is added as raw JSON (an escape
 * hatch); `terraform validate` checks it with the rest of the stack.
 */
export class ApiAuthSecret extends Construct {
  /** The secret; containers get it through ECS `secrets`, never as plain environment. */
  readonly secret: SecretsmanagerSecret;
  /** Name of the ephemeral `aws_secretsmanager_random_password` block (never in state). */
  readonly ephemeralPasswordName: string;

  constructor(scope: Construct, id: string, props: ApiAuthSecretProps) {
    super(scope, id);
    const length = props.passwordLength ?? 40;
    if (!Number.isInteger(length) || length < 32 || length > 128) {
      throw new Error(`ApiAuthSecret.passwordLength: ${length} must be 32–128`);
    }
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(props.user)) {
      throw new Error(`ApiAuthSecret.user: "${props.user}" must be letters, digits, _ . or - (a ':' would break basic auth)`);
    }
    const recovery = props.recoveryWindowInDays ?? 7;
    if (recovery !== 0 && (recovery < 7 || recovery > 30)) {
      throw new Error(`ApiAuthSecret.recoveryWindowInDays: ${recovery} must be 0 or 7–30`);
    }
    this.secret = new SecretsmanagerSecret(this, 'secret', {
      name: props.secretName,
      description: 'Prefect API basic-auth string user:password (PREFECT_SERVER_API_AUTH_STRING / PREFECT_API_AUTH_STRING)',
      kmsKeyId: props.kmsKeyArn,
      recoveryWindowInDays: recovery,
    });
    const version = props.passwordVersion ?? 1;
    if (!Number.isInteger(version) || version < 1) {
      throw new Error(`ApiAuthSecret.passwordVersion: ${version} must be a whole number ≥ 1`);
    }
    // Letters and digits only: the string goes into an HTTP Authorization header and URLs.
    this.ephemeralPasswordName = `${this.node.id}_password_${this.node.addr.slice(-8)}`.replace(/[^\w-]/g, '_');
    TerraformStack.of(this).addOverride(`ephemeral.aws_secretsmanager_random_password.${this.ephemeralPasswordName}`, {
      password_length: length,
      exclude_punctuation: true,
      include_space: false,
    });
    new SecretsmanagerSecretVersion(this, 'value', {
      secretId: this.secret.id,
      secretStringWo: `${props.user}:\${ephemeral.aws_secretsmanager_random_password.${this.ephemeralPasswordName}.random_password}`,
      secretStringWoVersion: version,
    });
  }
}
