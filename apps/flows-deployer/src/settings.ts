import { ApiSettings, parseApiUrl } from '@blog-data/prefect-api';
import { DeployerError } from './errors';

/** The shared client's settings plus how long the deployer waits for the server to be healthy. */
export interface DeployerApiSettings extends ApiSettings {
  /** How long to wait for `GET /api/health` before giving up (`FLOWS_DEPLOYER_HEALTH_TIMEOUT` seconds; default 120 s). */
  readonly healthTimeoutMs: number;
  /** The whole run's time budget (`--time-budget` / `FLOWS_DEPLOYER_TIME_BUDGET` seconds; default 600 s). */
  readonly timeBudgetMs: number;
  /** The flag or variable that set the budget, named when it runs out. */
  readonly timeBudgetSetting: string;
}

/**
 * The default run budget: CircleCI ends a step that prints nothing for 10 minutes, so the
 * deployer stops itself first, with a message that says why.
 */
export const DEFAULT_TIME_BUDGET_SECONDS = 600;

/** Command-line values; each overrides its environment variable. */
export interface ApiSettingsFlags {
  readonly apiUrl?: string;
  readonly authString?: string;
  readonly apiKey?: string;
  readonly timeoutSeconds?: string | number;
  readonly retries?: string | number;
  readonly concurrency?: string | number;
  readonly healthTimeoutSeconds?: string | number;
  readonly timeBudgetSeconds?: string | number;
}

/**
 * Resolves API settings from flags, then `PREFECT_*` variables, then `fallbackApiUrl`
 * (the infra output `prefect_api_url`). Throws {@link DeployerError} naming the variable at fault.
 */
export function resolveApiSettings(
  flags: ApiSettingsFlags = {},
  environ: NodeJS.ProcessEnv = process.env,
  fallbackApiUrl?: string,
): DeployerApiSettings {
  const rawUrl = nonEmpty(flags.apiUrl) ?? nonEmpty(environ.PREFECT_API_URL) ?? nonEmpty(fallbackApiUrl);
  const urlSource = nonEmpty(flags.apiUrl) ? '--api-url' : nonEmpty(environ.PREFECT_API_URL) ? 'PREFECT_API_URL' : 'infra output prefect_api_url';
  if (!rawUrl) {
    throw new DeployerError(
      'no Prefect API URL',
      'PREFECT_API_URL',
      'set PREFECT_API_URL (e.g. http://<alb dns>/api), pass --api-url, or pass --infra-outputs with prefect_api_url',
    );
  }
  const apiUrl = parseApiUrl(rawUrl, urlSource);

  const authString = nonEmpty(flags.authString) ?? nonEmpty(environ.PREFECT_API_AUTH_STRING);
  const apiKey = nonEmpty(flags.apiKey) ?? nonEmpty(environ.PREFECT_API_KEY);
  if (authString && apiKey) {
    throw new DeployerError(
      'both an auth string and an API key are set',
      'PREFECT_API_AUTH_STRING / PREFECT_API_KEY',
      'a self-hosted server uses PREFECT_API_AUTH_STRING (user:password); unset PREFECT_API_KEY',
    );
  }
  let auth: DeployerApiSettings['auth'];
  if (authString) {
    const colon = authString.indexOf(':');
    if (colon <= 0) {
      throw new DeployerError(
        'auth string is not user:password',
        flags.authString ? '--auth-string' : 'PREFECT_API_AUTH_STRING',
        'use the value of the api_auth_secret_arn secret, e.g. prefect:s3cret',
      );
    }
    auth = { kind: 'basic', user: authString.slice(0, colon), password: authString.slice(colon + 1) };
  } else if (apiKey) {
    auth = { kind: 'bearer', token: apiKey };
  }

  const timeoutSetting = flags.timeoutSeconds !== undefined ? '--request-timeout' : 'PREFECT_API_REQUEST_TIMEOUT';
  const timeBudgetSetting = flags.timeBudgetSeconds !== undefined ? '--time-budget' : 'FLOWS_DEPLOYER_TIME_BUDGET';
  return {
    apiUrl,
    auth,
    timeoutMs: seconds(flags.timeoutSeconds, environ.PREFECT_API_REQUEST_TIMEOUT, 60, timeoutSetting) * 1000,
    timeoutSetting,
    maxRetries: integer(flags.retries, environ.PREFECT_CLIENT_MAX_RETRIES, 5, 'PREFECT_CLIENT_MAX_RETRIES', 0, 20),
    concurrency: integer(flags.concurrency, environ.FLOWS_DEPLOYER_CONCURRENCY, 8, 'FLOWS_DEPLOYER_CONCURRENCY', 1, 64),
    healthTimeoutMs:
      seconds(flags.healthTimeoutSeconds, environ.FLOWS_DEPLOYER_HEALTH_TIMEOUT, 120, 'FLOWS_DEPLOYER_HEALTH_TIMEOUT') * 1000,
    timeBudgetMs: seconds(flags.timeBudgetSeconds, environ.FLOWS_DEPLOYER_TIME_BUDGET, DEFAULT_TIME_BUDGET_SECONDS, timeBudgetSetting) * 1000,
    timeBudgetSetting,
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
}

function seconds(flag: string | number | undefined, env: string | undefined, fallback: number, name: string): number {
  const raw = flag ?? nonEmpty(env);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new DeployerError(`${name} must be a positive number of seconds, got "${raw}"`, name);
  }
  return n;
}

function integer(
  flag: string | number | undefined,
  env: string | undefined,
  fallback: number,
  name: string,
  min: number,
  max: number,
): number {
  const raw = flag ?? nonEmpty(env);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new DeployerError(`${name} must be an integer ${min}..${max}, got "${raw}"`, name);
  }
  return n;
}
