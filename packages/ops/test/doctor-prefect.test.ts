import { loadConfig } from '@blog-data/config';
import { MisbehavingServer, PrefectContractServer } from '@blog-data/prefect-api/testing';
import { freeLoopbackPort } from '@blog-data/test-support';
import { AwsClients, checkPrefect, CheckResult, DoctorContext } from '../src';

/**
 * doctor's Prefect checks against the shared contract server, which validates every request and
 * response against the 3.8.3 OpenAPI document and keeps workers and pool status like Prefect does.
 */
const AUTH = 'prefect:correct-horse-battery';
const POOL = 'blog-data-pool';

describe('doctor\'s Prefect checks against the contract server', () => {
  let server: PrefectContractServer;
  let base: string;

  beforeEach(async () => {
    server = await PrefectContractServer.start({ authString: AUTH });
    base = server.apiUrl.replace(/\/api$/, '');
    // The pool as the flows-deployer creates it, and a worker that has just sent a heartbeat.
    const created = await fetch(`${server.apiUrl}/work_pools/`, {
      method: 'POST',
      headers: { 'authorization': `Basic ${Buffer.from(AUTH).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: POOL, type: 'ecs' }),
    });
    expect(created.status).toBe(201);
    server.recordWorkerHeartbeat(POOL, 'ecs-worker-1', { heartbeatIntervalSeconds: 30 });
    server.clearLog();
  });

  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.stop();
  });

  function context(over: Partial<DoctorContext> = {}): DoctorContext {
    // No AWS call is made: the auth string is given, so the secret is not read.
    return { config: loadConfig({ env: 'dev', environ: {} }), outputs: {}, aws: {} as AwsClients, prefectUrl: base, apiAuthString: AUTH, ...over };
  }

  const byId = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.id, r]));

  it('passes health, pool and heartbeat for a ready pool with a live worker, through the documented routes', async () => {
    const c = byId(await checkPrefect(context()));
    expect(c['prefect-api-health']).toMatchObject({ ok: true, found: `GET ${base}/api/health → 200 true` });
    expect(c['prefect-work-pool']).toMatchObject({ ok: true, found: `${POOL}: type ecs, status READY (auth from PREFECT_API_AUTH_STRING)` });
    expect(c['prefect-worker-heartbeat'].ok).toBe(true);
    expect(c['prefect-worker-heartbeat'].found).toMatch(/^1 of 1 recent: ecs-worker-1 ONLINE heartbeat \d+ s ago$/);
    expect(server.requests.map((r) => `${r.method} ${r.route} ${r.status}`)).toEqual([
      'GET /health 200', 'GET /work_pools/{name} 200', 'POST /work_pools/{work_pool_name}/workers/filter 200',
    ]);
  });

  it('fails the pool check with the auth fix on a wrong auth string, and skips the workers', async () => {
    const c = byId(await checkPrefect(context({ apiAuthString: 'prefect:wrong' })));
    expect(c['prefect-api-health'].ok).toBe(true);
    expect(c['prefect-work-pool'].found).toBe(`GET ${base}/api/work_pools/${POOL} → 401 with the auth string from PREFECT_API_AUTH_STRING`);
    expect(c['prefect-work-pool'].fix).toContain('PREFECT_SERVER_API_AUTH_STRING');
    expect(c['prefect-worker-heartbeat']).toMatchObject({ ok: false, found: 'not checked: the work pool could not be read' });
  });

  it('fails the heartbeat check once Prefect\'s foreman has marked a silent worker offline', async () => {
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    server.recordWorkerHeartbeat(POOL, 'ecs-worker-1', { at: tenMinutesAgo, heartbeatIntervalSeconds: 30 });
    server.runForeman();
    const c = byId(await checkPrefect(context()));
    expect(c['prefect-work-pool'].found).toBe(`${POOL}: type ecs, status NOT_READY (auth from PREFECT_API_AUTH_STRING)`);
    expect(c['prefect-worker-heartbeat']).toMatchObject({ ok: false, found: 'no recent heartbeat: ecs-worker-1 OFFLINE heartbeat 10 min ago' });
  });

  it('fails a paused pool with the resume command', async () => {
    const paused = await fetch(`${server.apiUrl}/work_pools/${POOL}`, {
      method: 'PATCH',
      headers: { 'authorization': `Basic ${Buffer.from(AUTH).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ is_paused: true }),
    });
    expect(paused.status).toBe(204);
    const pool = byId(await checkPrefect(context()))['prefect-work-pool'];
    expect(pool).toMatchObject({ ok: false, found: `${POOL}: type ecs, status PAUSED, paused (auth from PREFECT_API_AUTH_STRING)` });
    expect(pool.fix).toContain(`prefect work-pool resume ${POOL}`);
  });

  it('fails a missing pool with the deployer as the fix', async () => {
    server.workPools.clear();
    const c = byId(await checkPrefect(context()));
    expect(c['prefect-work-pool'].found).toBe(`GET ${base}/api/work_pools/${POOL} → 404: no such pool`);
    expect(c['prefect-work-pool'].fix).toContain('flows-deployer');
  });

  it('reports an unreachable API once, pointing at the worker\'s ConnectError', async () => {
    const port = await freeLoopbackPort();
    const results = await checkPrefect(context({ prefectUrl: `http://127.0.0.1:${port}` }));
    const c = byId(results);
    expect(c['prefect-api-health'].found).toBe(`GET http://127.0.0.1:${port}/api/health: connection refused (ECONNREFUSED)`);
    expect(c['prefect-api-health'].fix).toContain('the API is unreachable, which the worker logs as `ConnectError`');
    expect(results.filter((r) => r.found.startsWith('not checked: the API is unreachable'))).toHaveLength(2);
  });

  it('tells an API that does not answer from one that is unreachable', async () => {
    const hung = await MisbehavingServer.start([{ kind: 'slow-headers' }]);
    try {
      const url = hung.apiUrl.replace(/\/api$/, '');
      const results = await checkPrefect(context({ prefectUrl: url, httpTimeoutMs: 300 }));
      const health = byId(results)['prefect-api-health'];
      expect(health.found).toBe(`GET ${url}/api/health: no response headers within 0.3 s`);
      expect(health.fix).toMatch(/^the API accepts connections but does not answer/);
      expect(results.filter((r) => r.found === 'not checked: the API did not answer')).toHaveLength(2);
    } finally {
      await hung.stop();
    }
  });
});
