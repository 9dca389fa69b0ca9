import createClient from 'openapi-fetch';
import { AdaptiveLimit } from './adaptive-limit';
import { AttemptOutcome, attemptRequest, Deadline } from './attempt';
import { formatSeconds, TimeBudget } from './budget';
import { messageOf, PrefectApiError } from './errors';
import { describeFailure, isRetryableFailure, RequestFailure } from './failures';
import type { components, paths } from './generated/prefect-3.8.3';
import { DEFAULT_RETRY_POLICY, isOverloadStatus, isRetryableStatus, RetryPolicy, retryDelayMs } from './retry';
import { ApiSettings, authorizationHeader } from './settings';

/** Schemas of the Prefect 3.8.3 REST API, by name (generated; never hand-written). */
export type Schemas = components['schemas'];
/** The typed openapi-fetch client for the Prefect REST API. */
export type PrefectClient = ReturnType<typeof createClient<paths>>;

/** What the client sent, for the zero-writes guarantee, `--json` and the benchmark. */
export interface RequestStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Requests that change state (POST other than filter/count/paginate, PATCH, PUT, DELETE), first attempts only. */
  writes: number;
  /** Attempts that were retries. */
  retries: number;
  /** Requests per `METHOD /route` (ids replaced by `{id}`). */
  readonly byRoute: Record<string, number>;
}

/** Options mostly for tests: deterministic time and randomness, a different transport. */
export interface PrefectClientOptions {
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Overrides settings.maxRetries (the health probe retries itself, so it uses 0). */
  readonly maxRetries?: number;
  /** Shares counters between clients. */
  readonly stats?: RequestStats;
  /** The run's time budget: no request runs past it. */
  readonly budget?: TimeBudget;
  /** Called before each retry; used to report progress on a TTY. */
  readonly onRetry?: (info: { route: string; attempt: number; delayMs: number; reason: string }) => void;
}

/** A typed Prefect client plus its request counters. */
export interface PrefectApi {
  readonly client: PrefectClient;
  readonly stats: RequestStats;
  readonly settings: ApiSettings;
}

/** Fresh zeroed counters. */
export function newRequestStats(): RequestStats {
  return { requests: 0, writes: 0, retries: 0, byRoute: {} };
}

const READ_ONLY_POSTS = /\/(filter|count|paginate)$/;

/** Whether a request changes server state; POST-based queries (filter/count/paginate) do not. */
export function isWriteRequest(method: string, pathname: string): boolean {
  const m = method.toUpperCase();
  if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS') return false;
  if (m === 'POST' && READ_ONLY_POSTS.test(pathname.replace(/\/+$/, ''))) return false;
  return true;
}

/** How many attempts produced a response, for the "kept failing" message. */
const attemptsOfResponse = new WeakMap<Response, { attempts: number; elapsedMs: number }>();

/**
 * Creates the typed client. Every request goes through one transport that adds auth, bounds
 * concurrency, and gives each request ONE deadline (`settings.timeoutMs`, cut short by the run's
 * budget) covering connecting, headers, body, every retry and every backoff wait. Within it,
 * connection failures, truncated or malformed bodies, 429 (honouring Retry-After) and 5xx are
 * retried with jittered exponential backoff, at most `maxRetries` times. Prefect's create
 * endpoints are upserts, so retrying a POST after a lost response is safe.
 */
export function createPrefectApi(settings: ApiSettings, options: PrefectClientOptions = {}): PrefectApi {
  const stats = options.stats ?? newRequestStats();
  // Every attempt holds one of `concurrency` slots (a fixed limit: no overload test).
  const inFlight = new AdaptiveLimit(settings.concurrency);
  // Writes also pass an adaptive limit: one at a time once a SQLite server answers 503.
  const writeLimit = new AdaptiveLimit(settings.concurrency);
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, maxRetries: options.maxRetries ?? settings.maxRetries };
  const doFetch = options.fetch ?? globalThis.fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const basePath = new URL(settings.apiUrl).pathname;
  const wording = { timeoutSetting: settings.timeoutSetting, budgetSetting: options.budget?.setting };

  /** The request's own deadline, or the run's budget when that ends first. */
  const deadlineFrom = (start: number): Deadline => {
    const own: Deadline = { at: start + settings.timeoutMs, kind: 'timeout', limitMs: settings.timeoutMs };
    const budget = options.budget;
    return budget && budget.endsAt < own.at ? { at: budget.endsAt, kind: 'budget', limitMs: budget.totalMs } : own;
  };

  const transport = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const route = `${request.method} ${routeOf(url.pathname, basePath)}`;
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    const write = isWriteRequest(request.method, url.pathname);
    if (write) stats.writes++;
    // The body stream can be read only once; keep a pristine copy for every attempt.
    const body = request.body ? await request.arrayBuffer() : undefined;
    // The deadline starts with the first attempt, not while queued behind the concurrency limit.
    let started: number | undefined;
    let deadline: Deadline | undefined;
    const giveUp = (failure: Pick<RequestFailure, 'kind' | 'detail' | 'error'>, attempts: number): never => {
      const full: RequestFailure = { ...failure, method: request.method, url: request.url, attempts, elapsedMs: now() - (started ?? now()) };
      const { summary, fix } = describeFailure(full, wording);
      throw new PrefectApiError(summary, `${request.method} ${request.url}`, fix, { cause: full });
    };
    for (let attempt = 0; ; attempt++) {
      const send = (): Promise<AttemptOutcome> => inFlight.run(async (): Promise<AttemptOutcome> => {
        started ??= now();
        deadline ??= deadlineFrom(started);
        if (now() >= deadline.at) {
          return { failure: { kind: deadline.kind, detail: deadline.kind === 'budget' ? `its ${formatSeconds(deadline.limitMs)} ended before this request could start` : `no time left within ${formatSeconds(deadline.limitMs)}` } };
        }
        stats.requests++;
        if (attempt > 0) stats.retries++;
        return attemptRequest(doFetch, request.url, { method: request.method, headers: request.headers, body }, deadline, now);
      });
      const outcome = write ? await writeLimit.run(send, (o) => 'response' in o && isOverloadStatus(o.response.status)) : await send();
      const active = deadline as Deadline;
      if ('response' in outcome) {
        const { response } = outcome;
        attemptsOfResponse.set(response, { attempts: attempt + 1, elapsedMs: now() - (started as number) });
        if (!isRetryableStatus(response.status) || attempt >= policy.maxRetries) return response;
        const delayMs = retryDelayMs(attempt, policy, response.headers.get('retry-after'), random, now());
        // A wait that ends past the deadline cannot help: the last answer is the result.
        if (now() + delayMs >= active.at) return response;
        options.onRetry?.({ route, attempt: attempt + 1, delayMs, reason: `HTTP ${response.status}` });
        await sleep(delayMs);
      } else {
        const { failure } = outcome;
        if (!isRetryableFailure(failure.kind) || attempt >= policy.maxRetries) giveUp(failure, attempt + 1);
        const delayMs = retryDelayMs(attempt, policy, undefined, random, now());
        if (now() + delayMs >= active.at) giveUp(failure, attempt + 1);
        options.onRetry?.({ route, attempt: attempt + 1, delayMs, reason: failure.detail });
        await sleep(delayMs);
      }
    }
  };

  const auth = authorizationHeader(settings);
  const client = createClient<paths>({
    baseUrl: settings.apiUrl,
    fetch: transport,
    headers: auth ? { Authorization: auth } : {},
  });
  return { client, stats, settings };
}

/** `/api/deployments/5f…` → `/deployments/{id}`, for counting requests per route. */
function routeOf(pathname: string, basePath: string): string {
  const rest = pathname.startsWith(basePath) ? pathname.slice(basePath.length) : pathname;
  return rest.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}') || '/';
}

/** An openapi-fetch result, whatever the operation. */
interface ApiResult<D> {
  readonly data?: D;
  readonly error?: unknown;
  readonly response: Response;
}

/**
 * Awaits a typed call and returns its data, or throws a {@link PrefectApiError} that says what
 * was attempted, where, why (timeout, unreachable, broken connection, malformed answer, status)
 * and how to fix it (401 → credentials, 422 → the field paths).
 */
export async function expectOk<D>(call: Promise<ApiResult<D>>, what: string, settings: ApiSettings): Promise<D> {
  let result: ApiResult<D>;
  try {
    result = await call;
  } catch (err) {
    const failure = requestFailureOf(err);
    if (failure && err instanceof PrefectApiError) {
      throw new PrefectApiError(`${err.what} while trying to ${what}`, err.where, err.fix, { cause: failure });
    }
    // Not a transport failure: a bug or an answer openapi-fetch could not handle.
    throw new PrefectApiError(`unexpected failure while trying to ${what}: ${messageOf(err)}`, settings.apiUrl, 'rerun with --verbose and report it', { cause: err });
  }
  const { response } = result;
  if (response.ok) return result.data as D;
  throw apiError(response, result.error, what, settings);
}

/** The failure behind an error thrown by the client's transport, if it is one. */
export function requestFailureOf(err: unknown): RequestFailure | undefined {
  const cause = (err as { cause?: unknown } | undefined)?.cause as Partial<RequestFailure> | undefined;
  return cause && typeof cause.kind === 'string' && typeof cause.url === 'string' ? (cause as RequestFailure) : undefined;
}

/** Formats a non-2xx response as one actionable line. */
export function apiError(response: Response, body: unknown, what: string, settings: ApiSettings): PrefectApiError {
  const where = `${response.status} from ${requestLabel(response)}`;
  if (response.status === 401 || response.status === 403) {
    const which = settings.auth?.kind === 'bearer' ? 'PREFECT_API_KEY' : 'PREFECT_API_AUTH_STRING';
    return new PrefectApiError(
      `the Prefect API rejected our credentials while trying to ${what}`,
      where,
      settings.auth
        ? `check ${which}: it must equal the server's basic-auth string (user:password from the api_auth_secret_arn secret)`
        : 'the server requires auth: set PREFECT_API_AUTH_STRING to user:password (the api_auth_secret_arn secret)',
    );
  }
  if (response.status === 422) {
    const fields = validationDetailLines(body);
    return new PrefectApiError(
      `the Prefect API rejected the request body while trying to ${what}: ${fields.join('; ') || JSON.stringify(body)}`,
      where,
      'the request does not match the server\'s schema; check the Prefect server version matches the 3.8.3 contract this tool was built for',
    );
  }
  const detail = typeof body === 'object' && body && 'detail' in body ? JSON.stringify((body as { detail: unknown }).detail) : JSON.stringify(body ?? '');
  const tried = attemptsOfResponse.get(response);
  const tries = tried && tried.attempts > 1 ? ` (${tried.attempts} attempts in ${formatSeconds(tried.elapsedMs)})` : '';
  const hint = isRetryableStatus(response.status) ? 'the server kept failing after retries; check its logs and health' : 'see the detail above';
  return new PrefectApiError(`Prefect API error while trying to ${what}: ${detail}${tries}`, where, hint);
}

/** `body.schedules.0.schedule.crn: Extra inputs are not permitted` for each item of a FastAPI 422 detail. */
export function validationDetailLines(body: unknown): string[] {
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  if (!Array.isArray(detail)) return [];
  return detail.map((item: Partial<Schemas['ValidationError']>) => {
    const loc = Array.isArray(item.loc) ? item.loc.join('.') : '?';
    return `${loc}: ${item.msg ?? item.type ?? 'invalid'}`;
  });
}

function requestLabel(response: Response): string {
  return response.url || 'the Prefect API';
}
