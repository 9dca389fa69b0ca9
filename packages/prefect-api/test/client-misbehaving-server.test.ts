// test-support is a dev-only helper (the fail-under-CI rule); the scope rule is about runtime dependencies.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { freeLoopbackPort } from '@blog-data/test-support';
import { ApiSettings, createPrefectApi, expectOk, PrefectApi, PrefectClientOptions, requestFailureOf, startTimeBudget } from '../src';
import { Misbehaviour, MisbehavingServer, MisbehaviourScript } from '../src/testing';

/**
 * The shared client against a real local HTTP server that misbehaves on purpose (issue 15, "a
 * deployer that fails fast and right"). Timeouts are scaled down from the defaults (60 s per
 * request, 5 retries) so that every test ends within a few seconds.
 */
const POOL = { name: 'blog-data-pool', type: 'ecs' };
const readPool = { params: { path: { name: 'blog-data-pool' } } };

let server: MisbehavingServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function clientFor(script: MisbehaviourScript, settings: Partial<ApiSettings> = {}, options: PrefectClientOptions = {}): Promise<PrefectApi> {
  server = await MisbehavingServer.start(script);
  return createPrefectApi(
    { apiUrl: server.apiUrl, timeoutMs: 2000, maxRetries: 5, concurrency: 4, timeoutSetting: 'PREFECT_API_REQUEST_TIMEOUT', ...settings },
    { random: () => 0, ...options },
  );
}

/** Reads the pool; returns the data, or the error and how long the call took. */
async function attemptRead(api: PrefectApi): Promise<{ data?: unknown; error?: Error; elapsedMs: number }> {
  const started = Date.now();
  try {
    const data = await expectOk(api.client.GET('/work_pools/{name}', readPool), 'read the work pool', api.settings);
    return { data, elapsedMs: Date.now() - started };
  } catch (error) {
    return { error: error as Error, elapsedMs: Date.now() - started };
  }
}

const NOT_A_NETWORK_HINT = /security group/;

describe('one deadline per request', () => {
  it('fails slow headers once, within the request deadline, naming the URL (reproduces the 369.5 s hang)', async () => {
    // Before: each of the 1 + 5 attempts had its own timeout, plus backoff: 6 × 60 s + ~9.5 s =
    // 369.5 s at the defaults; 6 × 0.5 s + 7.75 s = 10.9 s at this scale (measured). The deadline
    // now covers the whole request.
    const api = await clientFor([{ kind: 'slow-headers' }], { timeoutMs: 500, maxRetries: 5 }, { random: () => 1 });
    const { error, elapsedMs } = await attemptRead(api);
    expect(elapsedMs).toBeGreaterThanOrEqual(490);
    expect(elapsedMs).toBeLessThan(3000);
    expect(error?.message).toBe(
      'the Prefect API did not answer in time: no response headers within 0.5 s while trying to read the work pool '
      + `(GET ${server?.apiUrl}/work_pools/blog-data-pool): the server or the path to it hangs: check the server's health and logs `
      + '(`platform-ops doctor`); PREFECT_API_REQUEST_TIMEOUT sets this limit',
    );
    expect(error?.message).not.toMatch(/aborted due to timeout|unexpected/);
    expect(requestFailureOf(error)).toMatchObject({ kind: 'timeout', attempts: 1 });
    expect(server?.requests).toEqual(['GET /api/work_pools/blog-data-pool']);
  });

  it('waits for headers that come late but within the deadline', async () => {
    const api = await clientFor([{ kind: 'slow-headers', delayMs: 200 }], { timeoutMs: 2000 });
    expect((await attemptRead(api)).data).toBe(true);
  });

  it('counts the body against the same deadline: a body that stalls fails with the bytes received', async () => {
    const api = await clientFor([{ kind: 'slow-body', body: POOL, sentBytes: 9 }], { timeoutMs: 600 });
    const { error, elapsedMs } = await attemptRead(api);
    expect(elapsedMs).toBeLessThan(3000);
    expect(error?.message).toMatch(/^the Prefect API did not answer in time: the body was not complete within 0\.6 s \(9 bytes received\) while trying to read the work pool \(GET http:\/\/127\.0\.0\.1:\d+\/api\/work_pools\/blog-data-pool\)/);
    expect(error?.message).not.toMatch(NOT_A_NETWORK_HINT);
  });

  it('accepts a body that arrives slowly but within the deadline', async () => {
    const api = await clientFor([{ kind: 'slow-body', body: POOL, delayMs: 200 }], { timeoutMs: 2000 });
    expect((await attemptRead(api)).data).toEqual(POOL);
  });
});

describe('retries on answers that broke on the way', () => {
  it.each<[string, Misbehaviour]>([
    ['truncated JSON', { kind: 'truncated-json', body: POOL }],
    ['a Content-Length shorter than the body', { kind: 'wrong-content-length', body: POOL, declaredBytes: 7 }],
    ['a Content-Length longer than the body', { kind: 'wrong-content-length', body: POOL, declaredBytes: 500 }],
    ['a reset before any answer', { kind: 'reset' }],
    ['a reset in the middle of the body', { kind: 'reset', afterBodyBytes: 8 }],
  ])('retries %s and returns the next, good answer', async (_name, failure) => {
    const retries: string[] = [];
    const api = await clientFor([failure, { kind: 'json', body: POOL }], {}, { onRetry: ({ reason }) => retries.push(reason) });
    expect(await attemptRead(api)).toMatchObject({ data: POOL });
    expect(server?.requests).toHaveLength(2);
    expect(api.stats).toMatchObject({ requests: 2, retries: 1 });
    expect(retries).toHaveLength(1);
  });

  it.each<[string, Misbehaviour, RegExp]>([
    ['truncated JSON', { kind: 'truncated-json', body: POOL, keepBytes: 20 }, /^the Prefect API sent a malformed answer: HTTP 200 body is not valid JSON \(.*; 20 bytes\) \(4 attempts in [\d.]+ s\)/],
    ['a wrong Content-Length', { kind: 'wrong-content-length', body: POOL, declaredBytes: 500 }, /^the Prefect API sent a malformed answer: the body did not match its Content-Length \(\d+ bytes received\) \(4 attempts/],
    ['resets', { kind: 'reset' }, /^the connection to the Prefect API broke: the connection was reset before any answer \(ECONNRESET\) \(4 attempts/],
    ['resets mid-body', { kind: 'reset', afterBodyBytes: 8 }, /^the connection to the Prefect API broke: the connection was (reset|closed) after 8 bytes of the body \((ECONNRESET|UND_ERR_SOCKET)\) \(4 attempts/],
  ])('after the last retry, reports %s as what it is, with the URL, not as a network problem', async (_name, failure, message) => {
    const api = await clientFor([failure], { maxRetries: 3 });
    const { error, elapsedMs } = await attemptRead(api);
    expect(error?.message).toMatch(message);
    expect(error?.message).toContain(`while trying to read the work pool (GET ${server?.apiUrl}/work_pools/blog-data-pool)`);
    expect(error?.message).not.toMatch(NOT_A_NETWORK_HINT);
    expect(server?.requests).toHaveLength(4);
    // Backoff 125 + 250 + 500 ms (random 0), no attempt timing out.
    expect(elapsedMs).toBeLessThan(4000);
  });

  it('says "cannot reach" only when no connection could be made, with the network fix', async () => {
    const port = await freeLoopbackPort();
    const api = createPrefectApi({ apiUrl: `http://127.0.0.1:${port}/api`, timeoutMs: 2000, maxRetries: 1, concurrency: 1 }, { random: () => 0 });
    const { error } = await attemptRead(api);
    expect(error?.message).toMatch(new RegExp(`^cannot reach the Prefect API: connection refused \\(ECONNREFUSED\\) \\(2 attempts in [\\d.]+ s\\) while trying to read the work pool \\(GET http://127\\.0\\.0\\.1:${port}/api/work_pools/blog-data-pool\\): check PREFECT_API_URL, the security group`));
    expect(requestFailureOf(error)).toMatchObject({ kind: 'unreachable', attempts: 2 });
  });
});

describe('503 storms', () => {
  it('backs off exponentially through a storm and succeeds when it passes', async () => {
    const retries: string[] = [];
    const storm: MisbehaviourScript = (i) => (i < 4 ? { kind: 'unavailable' } : { kind: 'json', body: POOL });
    const api = await clientFor(storm, { timeoutMs: 5000 }, { onRetry: ({ delayMs, reason }) => retries.push(`${reason} → wait ${delayMs} ms`) });
    expect(await attemptRead(api)).toMatchObject({ data: POOL });
    expect(retries).toEqual(['HTTP 503 → wait 125 ms', 'HTTP 503 → wait 250 ms', 'HTTP 503 → wait 500 ms', 'HTTP 503 → wait 1000 ms']);
    expect(server?.requests).toHaveLength(5);
  });

  it('gives up after the last retry with the status, the attempts and the URL', async () => {
    const api = await clientFor([{ kind: 'unavailable' }], { timeoutMs: 5000, maxRetries: 3 });
    const { error } = await attemptRead(api);
    expect(error?.message).toMatch(/^Prefect API error while trying to read the work pool: "Service Unavailable" \(4 attempts in [\d.]+ s\) \(503 from http:\/\/127\.0\.0\.1:\d+\/api\/work_pools\/blog-data-pool\): the server kept failing after retries/);
  });

  it('stops retrying when the next wait would pass the request deadline', async () => {
    // Retry-After: 30 s is longer than the whole 1 s deadline: waiting cannot help.
    const api = await clientFor([{ kind: 'unavailable', retryAfter: '30' }], { timeoutMs: 1000, maxRetries: 5 });
    const { error, elapsedMs } = await attemptRead(api);
    expect(elapsedMs).toBeLessThan(2000);
    expect(server?.requests).toHaveLength(1);
    expect(error?.message).toContain('"Service Unavailable" (503 from');
  });
});

describe('the run\'s time budget', () => {
  it('cuts a request short when the budget ends before the request deadline, naming the setting', async () => {
    const budget = startTimeBudget(400, 'FLOWS_DEPLOYER_TIME_BUDGET');
    const api = await clientFor([{ kind: 'slow-headers' }], { timeoutMs: 60_000 }, { budget });
    const { error, elapsedMs } = await attemptRead(api);
    expect(elapsedMs).toBeLessThan(3000);
    expect(error?.message).toMatch(/^the run's time budget ran out: its 0\.4 s ended while waiting for response headers while trying to read the work pool \(GET http:\/\/127\.0\.0\.1:\d+\/api\/work_pools\/blog-data-pool\): find what is slow .*, or raise FLOWS_DEPLOYER_TIME_BUDGET$/);
    expect(requestFailureOf(error)?.kind).toBe('budget');
  });

  it('starts no request once the budget has run out', async () => {
    const budget = startTimeBudget(1000, '--time-budget', Date.now() - 5000);
    const api = await clientFor([{ kind: 'json', body: POOL }], {}, { budget });
    const { error } = await attemptRead(api);
    expect(error?.message).toMatch(/^the run's time budget ran out: its 1 s ended before this request could start/);
    expect(server?.requests).toEqual([]);
  });
});
