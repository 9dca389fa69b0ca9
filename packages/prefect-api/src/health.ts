import { formatSeconds } from './budget';
import { createPrefectApi, PrefectClientOptions, RequestStats, requestFailureOf } from './client';
import { messageOf, PrefectApiError } from './errors';
import { ApiSettings } from './settings';

/** Options for {@link waitForHealthy}; time is injectable for tests. */
export interface HealthOptions extends Pick<PrefectClientOptions, 'fetch' | 'budget'> {
  readonly stats?: RequestStats;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  /** Called after each failed probe (progress on a TTY). */
  readonly onWait?: (info: { elapsedMs: number; reason: string }) => void;
  /** Pause between probes; default 2 s. */
  readonly intervalMs?: number;
}

/**
 * Polls `GET /api/health` until it answers 200 or `settings.healthTimeoutMs` passes.
 * The one-off deployer task can start while the server is still booting or before the
 * ALB marks it healthy, so a few failures are expected. On timeout the error names the URL
 * and the usual causes. The run's budget, when given, ends the wait early: the probes are
 * bounded by it like every other request.
 */
export async function waitForHealthy(settings: ApiSettings & { readonly healthTimeoutMs: number }, options: HealthOptions = {}): Promise<void> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const interval = options.intervalMs ?? 2000;
  // Each probe is a single attempt with a short timeout; this loop is the retry.
  const probeSettings: ApiSettings = { ...settings, timeoutMs: Math.min(settings.timeoutMs, 10_000) };
  const { client } = createPrefectApi(probeSettings, { fetch: options.fetch, maxRetries: 0, stats: options.stats, budget: options.budget, now });
  const url = `${settings.apiUrl}/health`;
  const started = now();
  let lastReason = 'no answer';
  for (;;) {
    try {
      const { response } = await client.GET('/health');
      if (response.ok) return;
      if (response.status === 401 || response.status === 403) {
        throw new PrefectApiError(
          `the Prefect API rejected our credentials (${response.status})`,
          url,
          'check PREFECT_API_AUTH_STRING: it must equal the server\'s user:password (the api_auth_secret_arn secret)',
        );
      }
      lastReason = `HTTP ${response.status}`;
    } catch (err) {
      const failure = requestFailureOf(err);
      if (!failure) throw err;
      if (failure.kind === 'budget') throw err;
      lastReason = err instanceof PrefectApiError ? err.what : messageOf(err);
    }
    const elapsed = now() - started;
    const remaining = settings.healthTimeoutMs - elapsed;
    const budget = options.budget;
    if (budget && budget.endsAt - now() <= Math.min(interval, remaining)) {
      throw new PrefectApiError(
        `the run's time budget (${formatSeconds(budget.totalMs)}) ran out while waiting for the Prefect API to be healthy (last: ${lastReason})`,
        `GET ${url}`,
        `make the server healthy first (its ECS service and logs), or raise ${budget.setting}`,
      );
    }
    if (remaining <= 0) {
      throw new PrefectApiError(
        `Prefect API not healthy after ${Math.round(elapsed / 1000)}s (last: ${lastReason})`,
        `GET ${url}`,
        'check PREFECT_API_URL points at the server (ends in /api), that the security group lets this task reach the ALB/server, and that the server is running (its ECS service and logs)',
      );
    }
    options.onWait?.({ elapsedMs: elapsed, reason: lastReason });
    await sleep(Math.min(interval, remaining));
  }
}
