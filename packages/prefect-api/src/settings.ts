import { EXIT, redactSecrets } from '@blog-data/cli-kit';
import { PrefectApiError } from './errors';

/** How to reach the Prefect API and how hard to try. */
export interface ApiSettings {
  /** Base URL of the REST API, always ending in `/api` (no trailing slash). */
  readonly apiUrl: string;
  /** Basic auth (`PREFECT_API_AUTH_STRING`) or bearer key (`PREFECT_API_KEY`); none for an open server. */
  readonly auth?: { readonly kind: 'basic'; readonly user: string; readonly password: string } | { readonly kind: 'bearer'; readonly token: string };
  /** One deadline per request in milliseconds: connecting, headers, body, retries and their waits. */
  readonly timeoutMs: number;
  /** The flag or variable that set `timeoutMs`, named in timeout messages. */
  readonly timeoutSetting?: string;
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /** Requests in flight at once. */
  readonly concurrency: number;
}

/**
 * Validates that a URL is http(s) and ends in `/api`, as Prefect's clients require; strips a
 * trailing slash and any `user:password@` (see {@link apiUrlCredentials}): the result is safe to print.
 */
export function parseApiUrl(raw: string, source = 'PREFECT_API_URL'): string {
  // Messages quote the URL: never with the credentials a user may have put in it.
  const shown = redactSecrets(raw);
  // A wrong URL is a usage error (exit 2): nothing was attempted.
  const usage = { exitCode: EXIT.usage, kind: 'usage' } as const;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PrefectApiError(`${source} is not a URL: "${shown}"`, source, 'use e.g. http://prefect.example.com/api', usage);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PrefectApiError(`${source} must be http or https: "${shown}"`, source, 'use e.g. https://prefect.example.com/api', usage);
  }
  if (url.search || url.hash) {
    throw new PrefectApiError(`${source} must not have a query or fragment: "${shown}"`, source, 'use e.g. https://prefect.example.com/api', usage);
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (!path.endsWith('/api')) {
    const suggestion = `${url.origin}${path}/api`;
    throw new PrefectApiError(`${source} must end in /api: "${shown}"`, source, `did you mean ${suggestion}?`, usage);
  }
  return `${url.origin}${path}`;
}

/**
 * The basic-auth credentials embedded in an API URL (`https://user:pass@host/api`), if any. Prefect's
 * client (httpx) sends them as basic auth when no other auth is set (`httpx.Client._build_request_auth`),
 * so the deployer does the same instead of dropping them; the URL it keeps and prints has none.
 */
export function apiUrlCredentials(raw: string): { readonly user: string; readonly password: string } | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (!url.username && !url.password) return undefined;
  return { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
}

/** The `Authorization` header value for the settings, if any. */
export function authorizationHeader(settings: Pick<ApiSettings, 'auth'>): string | undefined {
  if (!settings.auth) return undefined;
  if (settings.auth.kind === 'bearer') return `Bearer ${settings.auth.token}`;
  return `Basic ${Buffer.from(`${settings.auth.user}:${settings.auth.password}`).toString('base64')}`;
}
