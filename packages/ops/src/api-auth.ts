import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { InfraOutputs } from './infra-outputs';

/** The Prefect API's basic-auth string and where it came from (never the value itself in messages). */
export interface ApiAuth {
  readonly authString: string;
  readonly source: 'PREFECT_API_AUTH_STRING' | 'api_auth_secret_arn';
}

/**
 * The API auth string: `PREFECT_API_AUTH_STRING` when set, else the secret the platform stack
 * created (`api_auth_secret_arn`), read with the caller's AWS credentials. Throws an Error that
 * names what is missing; the secret's value is never part of a message.
 */
export async function readApiAuth(
  environ: NodeJS.ProcessEnv, outputs: Pick<InfraOutputs, 'api_auth_secret_arn'>, secrets: SecretsManagerClient,
): Promise<ApiAuth> {
  if (environ.PREFECT_API_AUTH_STRING) return { authString: environ.PREFECT_API_AUTH_STRING, source: 'PREFECT_API_AUTH_STRING' };
  const arn = outputs.api_auth_secret_arn;
  if (!arn) throw new Error('no API auth string: set PREFECT_API_AUTH_STRING, or pass --infra-outputs with api_auth_secret_arn');
  const value = (await secrets.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
  if (!value) throw new Error(`the API auth secret ${arn} is empty: re-apply the platform stack`);
  return { authString: value, source: 'api_auth_secret_arn' };
}
