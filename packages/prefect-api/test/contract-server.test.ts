import { createPrefectApi, Schemas } from '../src';
import { ContractServerOptions, PrefectContractServer } from '../src/testing';

/**
 * The server-side behaviour of Prefect 3.8.3 the test server models (each cited in
 * src/testing/contract-server.ts): rrule DTSTART normalization, the upsert's schedule rebuild
 * that drops max_scheduled_runs, the schedule endpoint that keeps it, and SQLite's
 * `database is locked` → 503 under overlapping writes.
 */
describe('contract server: Prefect 3.8.3 server-side behaviour', () => {
  let server: PrefectContractServer;

  async function start(options: ContractServerOptions = {}): Promise<{ flowId: string; post: (body: Record<string, unknown>) => Promise<Response> }> {
    server = await PrefectContractServer.start(options);
    const api = `${server.apiUrl}`;
    const post = (path: string, body: unknown): Promise<Response> =>
      fetch(`${api}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const flow = (await (await post('/flows/', { name: 'f' })).json()) as { id: string };
    return { flowId: flow.id, post: (body) => post('/deployments/', { flow_id: flow.id, ...body }) };
  }

  afterEach(async () => {
    expect(server.violations).toEqual([]);
    await server.stop();
  });

  it('stores an rrule without DTSTART with the anchor the server prepends, and leaves one with DTSTART alone', async () => {
    const { post } = await start();
    const res = await post({
      name: 'd',
      schedules: [
        { schedule: { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=0', timezone: 'Europe/London' } },
        { schedule: { rrule: 'FREQ=MINUTELY;INTERVAL=15' } },
        { schedule: { rrule: 'DTSTART:20250101T000000\nFREQ=DAILY' } },
        { schedule: { cron: '0 6 * * *' } },
      ],
    });
    expect(res.status).toBe(201);
    const saved = (await res.json()) as Schemas['DeploymentResponse'];
    const specs = saved.schedules!.map((s) => s.schedule as Record<string, unknown>);
    expect(specs[0]).toEqual({ rrule: 'DTSTART:20200101T000000\nFREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=0', timezone: 'Europe/London' });
    // MINUTELY: the latest 15-minute step from 2020-01-01 not after now (UTC wall clock).
    const now = Date.now();
    const anchor = /^DTSTART:(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)00\nFREQ=MINUTELY;INTERVAL=15$/.exec(String(specs[1].rrule));
    expect(anchor).not.toBeNull();
    const [, y, mo, d, h, mi] = anchor!.map(Number);
    const anchorMs = Date.UTC(y, mo - 1, d, h, mi);
    expect(now - anchorMs).toBeLessThan(15 * 60_000 + 5_000);
    expect(mi % 15).toBe(0);
    expect(specs[1].timezone).toBe('UTC');
    expect(specs[2].rrule).toBe('DTSTART:20250101T000000\nFREQ=DAILY');
    // cron keeps a missing timezone as null (default_timezone without an anchor date).
    expect(specs[3]).toEqual({ cron: '0 6 * * *', timezone: null, day_or: true });
  });

  it('drops max_scheduled_runs on the upsert, keeps it on POST /deployments/{id}/schedules, and rejects more than 50', async () => {
    const { post } = await start();
    const created = await post({ name: 'd', schedules: [{ schedule: { interval: 60 }, max_scheduled_runs: 5 }] });
    const saved = (await created.json()) as Schemas['DeploymentResponse'];
    expect(saved.schedules!.map((s) => s.max_scheduled_runs)).toEqual([null]);

    const added = await fetch(`${server.apiUrl}/deployments/${saved.id}/schedules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ schedule: { cron: '0 6 * * *' }, max_scheduled_runs: 5 }]),
    });
    expect(added.status).toBe(201);
    expect(((await added.json()) as Array<{ max_scheduled_runs: number }>).map((s) => s.max_scheduled_runs)).toEqual([5]);
    const stored = server.deployments.get(saved.id)!.schedules as Array<{ max_scheduled_runs: number | null }>;
    expect(stored.map((s) => s.max_scheduled_runs).sort()).toEqual([5, null]);

    // An upsert without schedules deletes them all (models/deployments.py L211-234).
    await post({ name: 'd' });
    expect(server.deployments.get(saved.id)!.schedules).toEqual([]);

    const tooMany = await post({ name: 'd', schedules: [{ schedule: { interval: 60 }, max_scheduled_runs: 51 }] });
    expect(tooMany.status).toBe(422);
    expect(await tooMany.json()).toEqual({
      detail: [{ type: 'value_error', loc: ['body', 'schedules', 0, 'max_scheduled_runs'], msg: 'Value error, `max_scheduled_runs` must be less than or equal to 50.' }],
    });
  });

  it('answers overlapping writes with 503 in SQLite mode, not reads, and lets writes overlap otherwise', async () => {
    const burst = async (post: (body: Record<string, unknown>) => Promise<Response>): Promise<number[]> =>
      (await Promise.all(Array.from({ length: 6 }, (_, i) => post({ name: `d${i}` })))).map((r) => r.status);

    // A transaction long enough that all six requests arrive while the first holds the lock.
    const sqlite = await start({ database: 'sqlite', writeLatencyMs: 1000 });
    const reads = fetch(`${server.apiUrl}/deployments/filter`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const statuses = await burst(sqlite.post);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 503)).toHaveLength(5);
    expect(server.lockedWrites).toBe(5);
    expect((await reads).status).toBe(200);
    await server.stop();

    const postgres = await start({ writeLatencyMs: 20 });
    expect(await burst(postgres.post)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(server.lockedWrites).toBe(0);
  });

  it('lets a client with one write in flight through SQLite without a single 503', async () => {
    await start({ database: 'sqlite', writeLatencyMs: 5 });
    const api = createPrefectApi({ apiUrl: server.apiUrl, timeoutMs: 5000, maxRetries: 0, concurrency: 1 });
    const flow = await api.client.POST('/flows/', { body: { name: 'g' } });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api.client.POST('/deployments/', { body: { name: `x${i}`, flow_id: flow.data!.id } })),
    );
    expect(results.map((r) => r.response.status)).toEqual(Array(10).fill(201));
    expect(server.lockedWrites).toBe(0);
  });
});
