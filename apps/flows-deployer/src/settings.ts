import { DeployerError } from './errors';

/** How to reach the Prefect API; resolved like Prefect's own CLI (env vars, then flags win). */
export interface ApiSettings {
  /** Base URL of the REST API, always ending in `/api` (no trailing slash). */
  readonly apiUrl: string;
  /** Basic auth (`PREFECT_API_AUTH_STRING`) or bearer key (`PREFECT_API_KEY`); none for an open server. */
  readonly auth?: { readonly kind: 'basic'; readonly user: string; readonly password: string } | { readonly kind: 'bearer'; readonly token: string };
  /** Per-request timeout in milliseconds (`PREFECT_API_REQUEST_TIMEOUT` seconds; default 60 s). */
  readonly timeoutMs: number;
  /** Retries after the first attempt (`PREFECT_CLIENT_MAX_RETRIES`; default 5). */
  readonly maxRetries: number;
  /** Requests in flight at once (`FLOWS_DEPLOYER_CONCURRENCY`; default 8). */
  readonly concurrency: number;
  /** How long to wait for `GET /api/health` before giving up (`FLOWS_DEPLOYER_HEALTH_TIMEOUT` seconds; default 120 s). */
  readonly healthTimeoutMs: number;
}

/** Command-line values; each overrides its environment variable. */
export interface ApiSettingsFlags {
  readonly apiUrl?: string;
  readonly authString?: string;
  readonly apiKey?: string;
  readonly timeoutSeconds?: string | number;
  readonly retries?: string | number;
  readonly concurrency?: string | number;
  readonly healthTimeoutSeconds?: string | number;
}

/**
 * Resolves API settings from flags, then `PREFECT_*` variables, then `fallbackApiUrl`
 * (the infra output `prefect_api_url`). Throws {@link DeployerError} naming the variable at fault.
 */
export function resolveApiSettings(
  flags: ApiSettingsFlags = {},
  environ: NodeJS.ProcessEnv = process.env,
  fallbackApiUrl?: string,
): ApiSettings {
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
  let auth: ApiSettings['auth'];
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

  return {
    apiUrl,
    auth,
    timeoutMs: seconds(flags.timeoutSeconds, environ.PREFECT_API_REQUEST_TIMEOUT, 60, 'PREFECT_API_REQUEST_TIMEOUT') * 1000,
    maxRetries: integer(flags.retries, environ.PREFECT_CLIENT_MAX_RETRIES, 5, 'PREFECT_CLIENT_MAX_RETRIES', 0, 20),
    concurrency: integer(flags.concurrency, environ.FLOWS_DEPLOYER_CONCURRENCY, 8, 'FLOWS_DEPLOYER_CONCURRENCY', 1, 64),
    healthTimeoutMs:
      seconds(flags.healthTimeoutSeconds, environ.FLOWS_DEPLOYER_HEALTH_TIMEOUT, 120, 'FLOWS_DEPLOYER_HEALTH_TIMEOUT') * 1000,
  };
}

/** Validates that a URL is http(s) and ends in `/api`, as Prefect's clients require; strips a trailing slash. */
export function parseApiUrl(raw: string, source = 'PREFECT_API_URL'): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DeployerError(`${source} is not a URL: "${raw}"`, source, 'use e.g. http://prefect.example.com/api');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DeployerError(`${source} must be http or https: "${raw}"`, source, 'use e.g. https://prefect.example.com/api');
  }
  if (url.search || url.hash) {
    throw new DeployerError(`${source} must not have a query or fragment: "${raw}"`, source, 'use e.g. https://prefect.example.com/api');
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/api')) {
    const suggestion = `${url.origin}${path}/api`;
    throw new DeployerError(`${source} must end in /api: "${raw}"`, source, `did you mean ${suggestion}?`);
  }
  return `${url.origin}${path}`;
}

/** The `Authorization` header value for the settings, if any. */
export function authorizationHeader(settings: Pick<ApiSettings, 'auth'>): string | undefined {
  if (!settings.auth) return undefined;
  if (settings.auth.kind === 'bearer') return `Bearer ${settings.auth.token}`;
  return `Basic ${Buffer.from(`${settings.auth.user}:${settings.auth.password}`).toString('base64')}`;
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
