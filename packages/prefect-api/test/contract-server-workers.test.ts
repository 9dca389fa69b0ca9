import { createPrefectApi, expectOk, PrefectApi } from '../src';
import { PrefectContractServer } from '../src/testing';

/** Workers and work pool status in the contract server, as Prefect 3.8.3 keeps them. */
describe('contract server: workers and pool status', () => {
  let server: PrefectContractServer;
  let api: PrefectApi;
  const pool = { params: { path: { name: 'pool-a' } } };
  const workersOfPool = { params: { path: { work_pool_name: 'pool-a' } } };

  beforeEach(async () => {
    server = await PrefectContractServer.start();
    api = createPrefectApi({ apiUrl: server.apiUrl, timeoutMs: 5000, maxRetries: 0, concurrency: 2 });
    await expectOk(api.client.POST('/work_pools/', { body: { name: 'pool-a', type: 'ecs' } }), 'create the pool', api.settings);
  });

  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.stop();
  });

  const readPool = () => expectOk(api.client.GET('/work_pools/{name}', pool), 'read the pool', api.settings);
  const readWorkers = (body: Record<string, unknown> = {}) =>
    expectOk(api.client.POST('/work_pools/{work_pool_name}/workers/filter', { ...workersOfPool, body }), 'read the workers', api.settings);

  it('starts a pool NOT_READY and makes it READY on the first heartbeat', async () => {
    expect((await readPool()).status).toBe('NOT_READY');
    const { response } = await api.client.POST('/work_pools/{work_pool_name}/workers/heartbeat', { ...workersOfPool, body: { name: 'w1', heartbeat_interval_seconds: 20 } });
    expect(response.status).toBe(204);
    expect((await readPool()).status).toBe('READY');
    expect(await readWorkers()).toEqual([expect.objectContaining({ name: 'w1', status: 'ONLINE', heartbeat_interval_seconds: 20 })]);
  });

  it('lists workers newest heartbeat first and filters by status', async () => {
    const now = Date.now();
    server.recordWorkerHeartbeat('pool-a', 'old', { at: new Date(now - 600_000) });
    server.recordWorkerHeartbeat('pool-a', 'new', { at: new Date(now - 5_000) });
    server.runForeman(new Date(now));
    expect((await readWorkers()).map((w) => `${w.name} ${w.status}`)).toEqual(['new ONLINE', 'old OFFLINE']);
    expect((await readWorkers({ workers: { status: { any_: ['OFFLINE'] } } })).map((w) => w.name)).toEqual(['old']);
  });

  it('marks a worker OFFLINE after three of its intervals (30 s when unset) and the pool NOT_READY', async () => {
    const now = new Date();
    server.recordWorkerHeartbeat('pool-a', 'w1', { at: new Date(now.getTime() - 89_000) });
    server.runForeman(now);
    expect((await readPool()).status).toBe('READY');
    server.runForeman(new Date(now.getTime() + 2_000));
    expect((await readWorkers())[0].status).toBe('OFFLINE');
    expect((await readPool()).status).toBe('NOT_READY');
  });

  it('pauses and resumes a pool like update_work_pool: PAUSED, then READY only with an online worker', async () => {
    const patch = (is_paused: boolean) => api.client.PATCH('/work_pools/{name}', { ...pool, body: { is_paused } });
    await patch(true);
    expect(await readPool()).toMatchObject({ is_paused: true, status: 'PAUSED' });
    await patch(false);
    expect((await readPool()).status).toBe('NOT_READY');
    server.recordWorkerHeartbeat('pool-a', 'w1');
    await patch(true);
    await patch(false);
    expect((await readPool()).status).toBe('READY');
  });

  it('answers 404 for the workers of a pool that does not exist', async () => {
    const { response } = await api.client.POST('/work_pools/{work_pool_name}/workers/filter', { params: { path: { work_pool_name: 'nope' } }, body: {} });
    expect(response.status).toBe(404);
  });
});
