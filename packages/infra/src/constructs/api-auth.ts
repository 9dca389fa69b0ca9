import { DataAwsSecretsmanagerRandomPassword } from '@cdktf/provider-aws/lib/data-aws-secretsmanager-random-password';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
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
}

/**
 * The Prefect API's basic-auth string `user:password` in Secrets Manager. The
 * password comes from Secrets Manager's own generator (no random provider
 * offline). The data source draws a new password on every plan, so the secret
 * version ignores later changes: the first value stays until someone rotates it
 * on purpose (`terraform apply -replace` on the version).
 */
export class ApiAuthSecret extends Construct {
  /** The secret; containers get it through ECS `secrets`, never as plain environment. */
  readonly secret: SecretsmanagerSecret;

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
    // Letters and digits only: the string goes into an HTTP Authorization header and URLs.
    const password = new DataAwsSecretsmanagerRandomPassword(this, 'password', {
      passwordLength: length,
      excludePunctuation: true,
      includeSpace: false,
    });
    new SecretsmanagerSecretVersion(this, 'value', {
      secretId: this.secret.id,
      secretString: `${props.user}:${password.randomPassword}`,
      lifecycle: { ignoreChanges: ['secret_string'] },
    });
  }
}
