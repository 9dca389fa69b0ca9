import { randomUUID } from 'node:crypto';

type Json = Record<string, any>;

/**
 * The foreman's defaults in Prefect 3.8.3 (settings/models/server/services.py,
 * ServerServicesForemanSettings): a worker is offline after 3 of its heartbeat intervals, 30 s
 * when it never said its interval.
 */
export const INACTIVITY_HEARTBEAT_MULTIPLE = 3;
export const FALLBACK_HEARTBEAT_INTERVAL_SECONDS = 30;

/**
 * The workers of each work pool, kept the way Prefect 3.8.3 keeps them:
 * - a heartbeat upserts the worker by (pool, name), sets `last_heartbeat_time` and `ONLINE`, and
 *   moves a `NOT_READY` pool to `READY` (models/workers.py `worker_heartbeat`,
 *   `record_worker_heartbeat`);
 * - the foreman service marks `ONLINE` workers without a recent heartbeat `OFFLINE`, then `READY`
 *   pools without an online worker `NOT_READY` (services/foreman.py);
 * - reads are newest heartbeat first (models/workers.py `read_workers`).
 */
export class WorkerRegistry {
  private readonly byPool = new Map<string, Map<string, Json>>();

  /** Records a heartbeat of `name` in `pool` at `at` (the server's clock, or a test's). */
  heartbeat(pool: Json, name: string, at: Date, heartbeatIntervalSeconds?: number | null): void {
    const workers = this.byPool.get(pool.id) ?? new Map<string, Json>();
    this.byPool.set(pool.id, workers);
    const time = at.toISOString();
    const worker = workers.get(name) ?? {
      id: randomUUID(),
      created: time,
      name,
      work_pool_id: pool.id,
      heartbeat_interval_seconds: null,
    };
    Object.assign(worker, { updated: time, last_heartbeat_time: time, status: 'ONLINE' });
    if (heartbeatIntervalSeconds !== undefined && heartbeatIntervalSeconds !== null) worker.heartbeat_interval_seconds = heartbeatIntervalSeconds;
    workers.set(name, worker);
    if (pool.status === 'NOT_READY') pool.status = 'READY';
  }

  /** One run of the foreman's worker and pool checks at `now`. */
  runForeman(pools: Iterable<Json>, now: Date): void {
    for (const workers of this.byPool.values()) {
      for (const w of workers.values()) {
        const limitSeconds = (w.heartbeat_interval_seconds ?? FALLBACK_HEARTBEAT_INTERVAL_SECONDS) * INACTIVITY_HEARTBEAT_MULTIPLE;
        if (w.status === 'ONLINE' && (now.getTime() - Date.parse(w.last_heartbeat_time)) / 1000 > limitSeconds) w.status = 'OFFLINE';
      }
    }
    for (const pool of pools) {
      if (pool.status === 'READY' && !this.hasOnlineWorker(pool.id)) pool.status = 'NOT_READY';
    }
  }

  /** Whether any worker of the pool is `ONLINE` (decides READY vs NOT_READY when a pool is resumed). */
  hasOnlineWorker(poolId: string): boolean {
    return [...(this.byPool.get(poolId)?.values() ?? [])].some((w) => w.status === 'ONLINE');
  }

  /**
   * `POST /work_pools/{name}/workers/filter`: newest heartbeat first, then the filter, offset and
   * limit. Returns the criteria it cannot evaluate so the server can record them as violations.
   */
  read(poolId: string, body: Json): { workers: Json[]; unsupported: string[] } {
    const unsupported: string[] = [];
    const filter = body.workers as Json | null | undefined;
    const tests: Array<(w: Json) => boolean> = [];
    if (filter?.status?.any_) tests.push((w) => filter.status.any_.includes(w.status));
    if (filter?.status?.not_any_) tests.push((w) => !filter.status.not_any_.includes(w.status));
    if (filter?.last_heartbeat_time?.after_) tests.push((w) => Date.parse(w.last_heartbeat_time) >= Date.parse(filter.last_heartbeat_time.after_));
    if (filter?.last_heartbeat_time?.before_) tests.push((w) => Date.parse(w.last_heartbeat_time) <= Date.parse(filter.last_heartbeat_time.before_));
    for (const key of Object.keys(filter ?? {})) if (!['operator', 'status', 'last_heartbeat_time'].includes(key)) unsupported.push(`workers.${key} filter`);
    const all = [...(this.byPool.get(poolId)?.values() ?? [])].sort((a, b) => b.last_heartbeat_time.localeCompare(a.last_heartbeat_time));
    const matching = tests.length === 0 ? all : all.filter((w) => (filter?.operator === 'or_' ? tests.some((t) => t(w)) : tests.every((t) => t(w))));
    const offset = body.offset ?? 0;
    return { workers: matching.slice(offset, offset + Math.min(body.limit ?? 200, 200)), unsupported };
  }

  /** Forgets the workers of a deleted pool. */
  dropPool(poolId: string): void {
    this.byPool.delete(poolId);
  }
}
