import { usageError, UserError } from '@blog-data/cli-kit';
import { ApiSettings, apiUrlCredentials, parseApiUrl } from '@blog-data/prefect-api';

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
 * (the infra output `prefect_api_url`). Throws a usage error naming the flag or variable at fault (the one the user set).
 */
export function resolveApiSettings(
  flags: ApiSettingsFlags = {},
  environ: NodeJS.ProcessEnv = process.env,
  fallbackApiUrl?: string,
): DeployerApiSettings {
  const rawUrl = nonEmpty(flags.apiUrl) ?? nonEmpty(environ.PREFECT_API_URL) ?? nonEmpty(fallbackApiUrl);
  const urlSource = nonEmpty(flags.apiUrl) ? '--api-url' : nonEmpty(environ.PREFECT_API_URL) ? 'PREFECT_API_URL' : 'infra output prefect_api_url';
  if (!rawUrl) {
    throw new UserError(
      'no Prefect API URL',
      'PREFECT_API_URL',
      'set PREFECT_API_URL (e.g. http://<alb dns>/api), pass --api-url, or pass --infra-outputs with prefect_api_url',
    );
  }
  const apiUrl = parseApiUrl(rawUrl, urlSource);

  const apiKey = nonEmpty(flags.apiKey) ?? nonEmpty(environ.PREFECT_API_KEY);
  // Credentials in the URL are basic auth, as Prefect's client (httpx) sends them; explicit auth wins.
  const inUrl = apiKey ? undefined : apiUrlCredentials(rawUrl);
  const authString = nonEmpty(flags.authString) ?? nonEmpty(environ.PREFECT_API_AUTH_STRING) ?? (inUrl ? `${inUrl.user}:${inUrl.password}` : undefined);
  if (authString && apiKey) {
    throw usageError(
      'both an auth string and an API key are set',
      'PREFECT_API_AUTH_STRING / PREFECT_API_KEY',
      'a self-hosted server uses PREFECT_API_AUTH_STRING (user:password); unset PREFECT_API_KEY',
    );
  }
  let auth: DeployerApiSettings['auth'];
  if (authString) {
    const colon = authString.indexOf(':');
    if (colon <= 0) {
      throw usageError(
        'auth string is not user:password',
        flags.authString ? '--auth-string' : nonEmpty(environ.PREFECT_API_AUTH_STRING) ? 'PREFECT_API_AUTH_STRING' : urlSource,
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
    timeoutMs: seconds(flags.timeoutSeconds, '--request-timeout', environ, 'PREFECT_API_REQUEST_TIMEOUT', 60) * 1000,
    timeoutSetting,
    maxRetries: integer(flags.retries, 'retries', environ, 'PREFECT_CLIENT_MAX_RETRIES', 5, 0, 20),
    concurrency: integer(flags.concurrency, '--concurrency', environ, 'FLOWS_DEPLOYER_CONCURRENCY', 8, 1, 64),
    healthTimeoutMs: seconds(flags.healthTimeoutSeconds, '--health-timeout', environ, 'FLOWS_DEPLOYER_HEALTH_TIMEOUT', 120) * 1000,
    timeBudgetMs: seconds(flags.timeBudgetSeconds, '--time-budget', environ, 'FLOWS_DEPLOYER_TIME_BUDGET', DEFAULT_TIME_BUDGET_SECONDS) * 1000,
    timeBudgetSetting,
  };
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== '' ? v.trim() : undefined;
}

/** The flag's value if given, else the variable's: each checked under its own name, so the error names what the user set. */
function seconds(flag: string | number | undefined, flagName: string, environ: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  if (flag !== undefined) return secondsSetting(flag, flagName);
  const raw = nonEmpty(environ[variable]);
  return raw === undefined ? fallback : secondsSetting(raw, variable);
}

function integer(
  flag: string | number | undefined,
  flagName: string,
  environ: NodeJS.ProcessEnv,
  variable: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (flag !== undefined) return integerSetting(flag, flagName, min, max);
  const raw = nonEmpty(environ[variable]);
  return raw === undefined ? fallback : integerSetting(raw, variable, min, max);
}

/** Plain decimals only: `0x10`, `1e3` and `Infinity` are refused rather than read as numbers. */
const DECIMAL = /^\d+(\.\d+)?$/;

/** A positive number of seconds from a flag or variable (`name`); a usage error naming it otherwise. */
export function secondsSetting(raw: string | number, name: string): number {
  const text = String(raw).trim();
  const n = Number(text);
  if (!DECIMAL.test(text) || !(n > 0)) {
    throw usageError(`${name} must be a positive number of seconds, got "${raw}"`, name, `e.g. ${name.startsWith('--') ? `${name} 30` : `${name}=30`}`);
  }
  return n;
}

/** An integer in `min..max` from a flag or variable (`name`); a usage error naming it otherwise. */
export function integerSetting(raw: string | number, name: string, min: number, max: number): number {
  const text = String(raw).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) {
    throw usageError(`${name} must be an integer ${min}..${max}, got "${raw}"`, name, `e.g. ${name.startsWith('--') ? `${name} ${max > 8 ? 8 : max}` : `${name}=${max > 8 ? 8 : max}`}`);
  }
  return n;
}
