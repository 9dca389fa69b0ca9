/** When and how long to wait before retrying a request. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /** First backoff ceiling in ms; doubles per attempt. */
  readonly baseDelayMs: number;
  /** Upper bound of any single wait in ms (also caps `Retry-After`). */
  readonly maxDelayMs: number;
}

/** Defaults close to Prefect's own client (exponential, capped, jittered). */
export const DEFAULT_RETRY_POLICY: Omit<RetryPolicy, 'maxRetries'> = { baseDelayMs: 250, maxDelayMs: 10_000 };

/**
 * "Full jitter" exponential backoff: a random wait in [ceiling/2, ceiling] where
 * ceiling = min(max, base · 2^attempt). Half the ceiling is kept as a floor so a
 * struggling server is not hit again immediately; jitter spreads concurrent retries.
 */
export function backoffDelayMs(attempt: number, policy: Omit<RetryPolicy, 'maxRetries'>, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Parses `Retry-After` (delta seconds or HTTP date) into ms; undefined when absent or unparsable. */
export function parseRetryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** 429 and 5xx are transient on a Prefect server behind an ALB (restarts, deploys, throttling). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/** The server asks us to send less: 503 (SQLite's `database is locked`, a server at capacity) or 429. */
export function isOverloadStatus(status: number): boolean {
  return status === 503 || status === 429;
}

/**
 * The wait before retry number `attempt` (0-based): the server's `Retry-After`
 * when it sent one (capped by maxDelayMs), else jittered backoff.
 */
export function retryDelayMs(
  attempt: number,
  policy: Omit<RetryPolicy, 'maxRetries'>,
  retryAfterHeader?: string | null,
  random: () => number = Math.random,
  now: number = Date.now(),
): number {
  const retryAfter = parseRetryAfterMs(retryAfterHeader, now);
  if (retryAfter !== undefined) return Math.min(retryAfter, policy.maxDelayMs);
  return backoffDelayMs(attempt, policy, random);
}
