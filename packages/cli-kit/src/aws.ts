import { EXIT } from './exit-codes';
import { isErrorLike, UserError } from './user-error';

/** How a user provides AWS credentials, in the words of the SDK's default chain. */
const HOW_TO_PROVIDE =
  'set AWS_PROFILE (after `aws sso login` or `aws configure`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a role is attached';

/** Error names the AWS SDK v3 uses when no credentials could be found. */
const MISSING = new Set(['CredentialsProviderError', 'TokenProviderError']);
/** Error names (or codes) AWS answers with for expired or unknown credentials. */
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
const REJECTED = new Set(['InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch', 'InvalidSignatureException', 'AuthFailure']);

/**
 * The AWS SDK's credential failures as one line that says how to provide credentials; anything
 * else `undefined`. Duck-typed on the error's name so the kit needs no SDK.
 */
export function awsCredentialsError(err: unknown): UserError | undefined {
  if (!isErrorLike(err)) return undefined;
  const code = (err as { Code?: string; code?: string }).Code ?? err.code;
  const names = [err.name, code];
  if (names.some((n) => n && MISSING.has(n)) || /Could not load credentials from any providers/.test(err.message)) {
    return new UserError('no AWS credentials', 'AWS SDK credential chain', HOW_TO_PROVIDE, { exitCode: EXIT.failure, kind: 'aws-credentials', cause: err });
  }
  if (names.some((n) => n && EXPIRED.has(n))) {
    return new UserError('the AWS credentials have expired', 'AWS SDK credential chain', `renew them (\`aws sso login\`) and run again; or ${HOW_TO_PROVIDE}`, {
      kind: 'aws-credentials',
      cause: err,
    });
  }
  if (names.some((n) => n && REJECTED.has(n))) {
    return new UserError('AWS rejected the credentials', 'AWS SDK credential chain', `check which account and key are in use (\`aws sts get-caller-identity\`); ${HOW_TO_PROVIDE}`, {
      kind: 'aws-credentials',
      cause: err,
    });
  }
  return undefined;
}

/**
 * Keeps the AWS SDK's Node-version advisory (a 10-line `NodeVersionSupportWarning` on every run
 * under Node < 22) away from users: the SDK reads this variable when the first client is made.
 * The supported Node range is stated in each package's `engines` field.
 */
export function silenceAwsSdkWarnings(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
