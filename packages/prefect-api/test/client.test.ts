import { AdaptiveLimit } from '../src/adaptive-limit';
import { createPrefectApi, expectOk, isWriteRequest } from '../src/client';
import { classifyFetchError, isRetryableFailure } from '../src/failures';
import { waitForHealthy } from '../src/health';
import { backoffDelayMs, isRetryableStatus, parseRetryAfterMs, retryDelayMs } from '../src/retry';
import { ApiSettings } from '../src/settings';

const POLICY = { baseDelayMs: 250, maxDelayMs: 10_000 };
const settings: ApiSettings & { healthTimeoutMs: number } = { apiUrl: 'http://prefect.test/api', timeoutMs: 1000, maxRetries: 3, concurrency: 2, healthTimeoutMs: 5000, auth: { kind: 'basic', user: 'u', password: 'p' } };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** A clock that only moves when the client sleeps: retries and deadlines without real waiting. */
function fakeClock() {
  const clock = { ms: 0, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.ms,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.ms += ms;
    },
  };
}

function refused(): Error {
  return Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4200'), { code: 'ECONNREFUSED' }) });
}

describe('backoff', () => {
  it('grows exponentially, stays within [ceiling/2, ceiling] and is capped', () => {
    expect(backoffDelayMs(0, POLICY, () => 0)).toBe(125);
    expect(backoffDelayMs(0, POLICY, () => 1)).toBe(250);
    expect(backoffDelayMs(3, POLICY, () => 0.5)).toBe(1500);
    expect(backoffDelayMs(20, POLICY, () => 1)).toBe(10_000);
  });

  it('honours Retry-After in seconds and as an HTTP date, capped by the max delay', () => {
    const now = Date.parse('2026-11-25T07:00:00Z');
    expect(parseRetryAfterMs('3', now)).toBe(3000);
    expect(parseRetryAfterMs('Wed, 25 Nov 2026 07:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(retryDelayMs(0, POLICY, '2', () => 0, now)).toBe(2000);
    expect(retryDelayMs(0, POLICY, '3600', () => 0, now)).toBe(10_000);
    expect(retryDelayMs(1, POLICY, null, () => 0, now)).toBe(250);
  });

  it('retries 429, 5xx, connection failures and malformed answers, never a passed deadline', () => {
    expect([429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 404, 409, 422, 501].some(isRetryableStatus)).toBe(false);
    expect(classifyFetchError(refused(), 'headers', 0)).toEqual({ kind: 'unreachable', detail: 'connection refused (ECONNREFUSED)' });
    const reset = Object.assign(new TypeError('terminated'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(classifyFetchError(reset, 'body', 10)).toEqual({ kind: 'connection-lost', detail: 'the connection was closed after 10 bytes of the body (UND_ERR_SOCKET)' });
    expect(['unreachable', 'connection-lost', 'malformed'].every((k) => isRetryableFailure(k as never))).toBe(true);
    expect(['timeout', 'budget'].some((k) => isRetryableFailure(k as never))).toBe(false);
  });

  it('counts filter/count/paginate POSTs as reads', () => {
    expect(isWriteRequest('POST', '/api/deployments/filter')).toBe(false);
    expect(isWriteRequest('POST', '/api/deployments/')).toBe(true);
    expect(isWriteRequest('PATCH', '/api/work_pools/x')).toBe(true);
    expect(isWriteRequest('GET', '/api/health')).toBe(false);
  });
});

describe('client transport', () => {
  it('waits Retry-After on 429 and backs off on 5xx before succeeding', async () => {
    const replies = [json(429, { detail: 'slow down' }, { 'retry-after': '2' }), json(503, { detail: 'busy' }), json(200, [])];
    const seen: string[] = [];
    const { clock, now, sleep } = fakeClock();
    const api = createPrefectApi({ ...settings, timeoutMs: 60_000 }, {
      fetch: (async (url: string, init: RequestInit) => {
        seen.push(`${init.method} ${url} ${String(init.body ? Buffer.from(init.body as ArrayBuffer) : '')}`);
        return replies.shift() as Response;
      }) as typeof fetch,
      sleep,
      now,
      random: () => 0,
    });
    const data = await expectOk(api.client.POST('/flows/filter', { body: { limit: 1 } }), 'list flows', settings);
    expect(data).toEqual([]);
    expect(clock.sleeps).toEqual([2000, 250]);
    // The body is resent intact on every attempt.
    expect(seen).toEqual(Array(3).fill('POST http://prefect.test/api/flows/filter {"limit":1}'));
    expect(api.stats).toMatchObject({ requests: 3, retries: 2, writes: 0, byRoute: { 'POST /flows/filter': 1 } });
  });

  it('gives up after maxRetries and reports the last status with the attempts', async () => {
    const { now, sleep } = fakeClock();
    const api = createPrefectApi({ ...settings, timeoutMs: 60_000 }, { fetch: (async () => json(502, { detail: 'bad gateway' })) as unknown as typeof fetch, sleep, now, random: () => 0 });
    await expect(expectOk(api.client.GET('/work_pools/{name}', { params: { path: { name: 'p' } } }), 'read work pool p', settings)).rejects.toThrow(
      'Prefect API error while trying to read work pool p: "bad gateway" (4 attempts in 0.9 s) (502 from http://prefect.test/api/work_pools/p): the server kept failing after retries',
    );
    expect(api.stats.requests).toBe(4);
  });

  it('retries connection errors, then says the server is unreachable, naming the URL', async () => {
    let calls = 0;
    const { now, sleep } = fakeClock();
    const api = createPrefectApi({ ...settings, timeoutMs: 60_000 }, {
      fetch: (async () => {
        calls++;
        throw refused();
      }) as unknown as typeof fetch,
      sleep,
      now,
      random: () => 0,
    });
    await expect(expectOk(api.client.GET('/health'), 'check health', settings)).rejects.toThrow(
      'cannot reach the Prefect API: connection refused (ECONNREFUSED) (4 attempts in 0.9 s) while trying to check health (GET http://prefect.test/api/health): check PREFECT_API_URL',
    );
    expect(calls).toBe(4);
  });

  it('never has more requests in flight than the concurrency limit', async () => {
    let inFlight = 0;
    let peak = 0;
    const api = createPrefectApi({ ...settings, concurrency: 3 }, {
      fetch: (async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return json(200, true);
      }) as unknown as typeof fetch,
    });
    await Promise.all(Array.from({ length: 20 }, () => api.client.GET('/health')));
    expect(peak).toBe(3);
  });

  it('sends the basic auth header', async () => {
    let auth: string | null = null;
    const api = createPrefectApi(settings, {
      fetch: (async (_url: string, init: RequestInit) => {
        auth = new Headers(init.headers).get('authorization');
        return json(200, true);
      }) as typeof fetch,
    });
    await api.client.GET('/health');
    expect(auth).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
  });
});

describe('request limit', () => {
  it('rejects a limit below 1', () => {
    expect(() => new AdaptiveLimit(0)).toThrow('AdaptiveLimit max must be an integer ≥ 1, got 0');
  });
});

describe('health wait', () => {
  it('polls until healthy', async () => {
    const replies = [json(503, {}), json(502, {}), json(200, true)];
    let clock = 0;
    await waitForHealthy(settings, {
      fetch: (async () => replies.shift()) as unknown as typeof fetch,
      sleep: async (ms) => {
        clock += ms;
      },
      now: () => clock,
    });
    expect(replies).toHaveLength(0);
    expect(clock).toBe(4000);
  });

  it('gives up after the timeout with the URL and the likely causes', async () => {
    let clock = 0;
    await expect(
      waitForHealthy(settings, {
        fetch: (async () => {
          throw refused();
        }) as unknown as typeof fetch,
        sleep: async (ms) => {
          clock += ms;
        },
        now: () => clock,
      }),
    ).rejects.toThrow(
      'Prefect API not healthy after 5s (last: cannot reach the Prefect API: connection refused (ECONNREFUSED)) (GET http://prefect.test/api/health): check PREFECT_API_URL points at the server (ends in /api), ' +
        'that the security group lets this task reach the ALB/server, and that the server is running (its ECS service and logs)',
    );
  });

  it('stops at once on 401', async () => {
    await expect(waitForHealthy(settings, { fetch: (async () => json(401, {})) as unknown as typeof fetch })).rejects.toThrow(/rejected our credentials \(401\)/);
  });
});
