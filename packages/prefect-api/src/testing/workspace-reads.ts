/**
 * Flow runs and the reads a dashboard makes (Prefect's UI library: work pools, queues, workers,
 * flow-run lists, counts, history) for the contract test server. Shapes follow the 3.8.3 server:
 * - a flow run created with a state gets `state_type`/`state_name` and, for a deployment's run, the
 *   deployment's pool and queue (`src/prefect/server/models/flow_runs.py`, `create_flow_run`);
 * - a pool's default queue is `default`, priority 1 (`src/prefect/server/models/workers.py`,
 *   `create_work_pool` → `create_work_queue(name="default")`);
 * - counts and history are computed from the stored runs, never canned.
 * Request and response bodies are validated against the OpenAPI document by the server itself.
 */
import { randomUUID } from 'node:crypto';

type Json = Record<string, any>;

/** What the reads need from the server's state. */
export interface WorkspaceState {
  readonly flows: Map<string, Json>;
  readonly deployments: Map<string, Json>;
  readonly workPools: Map<string, Json>;
  /** The id the server gave `pool/queue` (deployments carry it as `work_queue_id`). */
  queueId(pool: string, queue: string): string;
  /** Deployments matching a filter body. */
  filterDeployments(body: Json): Json[];
}

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED']);

/** Flow runs plus the read endpoints over them. */
export class WorkspaceReads {
  readonly flowRuns = new Map<string, Json>();

  constructor(private readonly state: WorkspaceState) {}

  /** Answers `METHOD /route`, or undefined when it is not one of these endpoints. */
  route(key: string, params: Record<string, string>, body: Json): [number, unknown] | undefined {
    switch (key) {
      case 'POST /flow_runs/':
        return this.createFlowRun(body);
      case 'POST /deployments/{id}/create_flow_run': {
        const d = this.state.deployments.get(params.id);
        if (!d) return [404, { detail: 'Deployment not found' }];
        return this.createFlowRun({ ...body, flow_id: d.flow_id, deployment_id: d.id, parameters: { ...d.parameters, ...body.parameters } });
      }
      case 'GET /flow_runs/{id}':
        return this.flowRuns.has(params.id) ? [200, this.flowRuns.get(params.id)] : [404, { detail: 'Flow run not found' }];
      case 'POST /flow_runs/filter':
        return [200, this.page(this.filterFlowRuns(body), body)];
      case 'POST /flow_runs/count':
        return [200, this.filterFlowRuns(body).length];
      case 'POST /flow_runs/paginate':
        return [200, paginated(sortRuns(this.filterFlowRuns(body), body.sort), body)];
      case 'POST /deployments/paginate': {
        const all = this.state.filterDeployments(body).sort((a, b) => a.name.localeCompare(b.name));
        return [200, paginated(all, body)];
      }
      case 'POST /flow_runs/history':
        return [200, this.history(body)];
      case 'POST /flow_runs/lateness':
        return [200, this.lateness(this.filterFlowRuns(body))];
      case 'POST /ui/flow_runs/count-task-runs':
        // No task runs are stored here: every asked-for run has 0.
        return [200, Object.fromEntries((body.flow_run_ids ?? []).map((id: string) => [id, 0]))];
      case 'POST /task_runs/count':
        return [200, 0];
      case 'POST /work_pools/filter':
        return [200, this.filterWorkPools(body)];
      case 'POST /work_pools/count':
        return [200, this.filterWorkPools({ ...body, offset: 0, limit: 200 }).length];
      case 'POST /work_pools/{work_pool_name}/queues/filter':
        return this.state.workPools.has(params.work_pool_name)
          ? [200, this.queuesOf(params.work_pool_name)]
          : [404, { detail: `Work pool "${params.work_pool_name}" not found.` }];
      case 'GET /work_pools/{work_pool_name}/queues/{name}': {
        const queue = this.queuesOf(params.work_pool_name).find((q) => q.name === params.name);
        return queue ? [200, queue] : [404, { detail: 'Work queue not found' }];
      }
      default:
        return undefined;
    }
  }

  private createFlowRun(body: Json): [number, Json] {
    const flow = this.state.flows.get(body.flow_id);
    if (!flow) return [404, { detail: 'Flow not found' }];
    const deployment = body.deployment_id ? this.state.deployments.get(body.deployment_id) : undefined;
    if (body.deployment_id && !deployment) return [404, { detail: 'Deployment not found' }];
    const now = new Date();
    const id = randomUUID();
    const type = body.state?.type ?? 'PENDING';
    const stateName = body.state?.name ?? type.charAt(0) + type.slice(1).toLowerCase();
    const started = type === 'RUNNING' || TERMINAL.has(type);
    const startTime = started ? new Date(now.getTime() - 60_000).toISOString() : null;
    const pool = deployment?.work_pool_name ? this.state.workPools.get(deployment.work_pool_name) : undefined;
    const state = {
      id: randomUUID(),
      type,
      name: stateName,
      timestamp: now.toISOString(),
      message: body.state?.message ?? null,
      data: null,
      state_details: { flow_run_id: id },
    };
    const run: Json = {
      id,
      created: now.toISOString(),
      updated: now.toISOString(),
      name: body.name ?? `run-${id.slice(0, 8)}`,
      flow_id: flow.id,
      state_id: state.id,
      deployment_id: deployment?.id ?? null,
      deployment_version: deployment?.version ?? null,
      work_queue_id: deployment?.work_queue_id ?? null,
      work_queue_name: deployment?.work_queue_name ?? null,
      flow_version: body.flow_version ?? null,
      parameters: body.parameters ?? {},
      idempotency_key: body.idempotency_key ?? null,
      context: body.context ?? {},
      empirical_policy: {
        max_retries: 0, retry_delay_seconds: 0, retries: null, retry_delay: null, pause_keys: [], resuming: false, retry_type: null,
      },
      tags: body.tags ?? deployment?.tags ?? [],
      labels: body.labels ?? {},
      parent_task_run_id: null,
      state_type: type,
      state_name: stateName,
      run_count: started ? 1 : 0,
      expected_start_time: startTime ?? now.toISOString(),
      next_scheduled_start_time: null,
      start_time: startTime,
      end_time: TERMINAL.has(type) ? now.toISOString() : null,
      total_run_time: TERMINAL.has(type) ? 60 : 0,
      estimated_run_time: started ? 60 : 0,
      estimated_start_time_delta: 0,
      auto_scheduled: false,
      infrastructure_document_id: null,
      infrastructure_pid: null,
      created_by: null,
      work_pool_id: pool?.id ?? null,
      work_pool_name: pool?.name ?? null,
      state,
      job_variables: body.job_variables ?? {},
    };
    this.flowRuns.set(id, run);
    return [201, run];
  }

  /** Applies the filter sections a dashboard sends: flow runs, flows, deployments, work pools, queues. */
  private filterFlowRuns(body: Json): Json[] {
    let runs = [...this.flowRuns.values()];
    const fr = body.flow_runs;
    if (fr?.id?.any_) runs = runs.filter((r) => fr.id.any_.includes(r.id));
    if (fr?.state?.type?.any_) runs = runs.filter((r) => fr.state.type.any_.includes(r.state_type));
    if (fr?.state?.name?.any_) runs = runs.filter((r) => fr.state.name.any_.includes(r.state_name));
    if (fr?.tags?.all_) runs = runs.filter((r) => fr.tags.all_.every((t: string) => r.tags.includes(t)));
    if (fr?.deployment_id?.any_) runs = runs.filter((r) => fr.deployment_id.any_.includes(r.deployment_id));
    if (fr?.parent_task_run_id?.is_null_ === true) runs = runs.filter((r) => r.parent_task_run_id === null);
    const after = fr?.expected_start_time?.after_ ?? fr?.start_time?.after_;
    const before = fr?.expected_start_time?.before_ ?? fr?.start_time?.before_;
    if (after) runs = runs.filter((r) => Date.parse(r.expected_start_time) >= Date.parse(after));
    if (before) runs = runs.filter((r) => Date.parse(r.expected_start_time) <= Date.parse(before));
    if (body.flows?.id?.any_) runs = runs.filter((r) => body.flows.id.any_.includes(r.flow_id));
    if (body.flows?.name?.any_) {
      const ids = [...this.state.flows.values()].filter((f) => body.flows.name.any_.includes(f.name)).map((f) => f.id);
      runs = runs.filter((r) => ids.includes(r.flow_id));
    }
    if (body.deployments?.id?.any_) runs = runs.filter((r) => body.deployments.id.any_.includes(r.deployment_id));
    if (body.work_pools?.name?.any_) runs = runs.filter((r) => body.work_pools.name.any_.includes(r.work_pool_name));
    if (body.work_pool_queues?.name?.any_) runs = runs.filter((r) => body.work_pool_queues.name.any_.includes(r.work_queue_name));
    return runs;
  }

  private page(runs: Json[], body: Json): Json[] {
    const offset = body.offset ?? 0;
    return sortRuns(runs, body.sort).slice(offset, offset + Math.min(body.limit ?? 200, 200));
  }

  /** Runs per interval and state, as `/flow_runs/history` buckets them. */
  private history(body: Json): Json[] {
    const start = Date.parse(body.history_start);
    const end = Date.parse(body.history_end);
    const step = durationSeconds(body.history_interval ?? body.history_interval_seconds) * 1000;
    if (!Number.isFinite(start) || !Number.isFinite(end) || !(step > 0)) return [];
    const runs = this.filterFlowRuns(body);
    const buckets: Json[] = [];
    for (let t = start; t < end && buckets.length < 500; t += step) {
      const inBucket = runs.filter((r) => {
        const at = Date.parse(r.expected_start_time);
        return at >= t && at < t + step;
      });
      const byState = new Map<string, Json>();
      for (const r of inBucket) {
        const k = `${r.state_type}/${r.state_name}`;
        const s = byState.get(k)
          ?? { state_type: r.state_type, state_name: r.state_name, count_runs: 0, sum_estimated_run_time: 0, sum_estimated_lateness: 0 };
        s.count_runs++;
        s.sum_estimated_run_time += r.estimated_run_time;
        byState.set(k, s);
      }
      buckets.push({ interval_start: new Date(t).toISOString(), interval_end: new Date(t + step).toISOString(), states: [...byState.values()] });
    }
    return buckets;
  }

  private lateness(runs: Json[]): number | null {
    const late = runs.filter((r) => r.state_name === 'Late');
    if (late.length === 0) return null;
    return late.reduce((sum, r) => sum + Math.max(0, (Date.now() - Date.parse(r.expected_start_time)) / 1000), 0) / late.length;
  }

  private filterWorkPools(body: Json): Json[] {
    let pools = [...this.state.workPools.values()];
    const f = body.work_pools;
    if (f?.name?.any_) pools = pools.filter((p) => f.name.any_.includes(p.name));
    if (f?.id?.any_) pools = pools.filter((p) => f.id.any_.includes(p.id));
    if (f?.type?.any_) pools = pools.filter((p) => f.type.any_.includes(p.type));
    const offset = body.offset ?? 0;
    return pools.sort((a, b) => a.name.localeCompare(b.name)).slice(offset, offset + Math.min(body.limit ?? 200, 200));
  }

  /** The pool's queues: `default` and every queue a deployment names. */
  private queuesOf(poolName: string): Json[] {
    const pool = this.state.workPools.get(poolName) as Json;
    const names = new Set(['default']);
    for (const d of this.state.deployments.values()) if (d.work_pool_name === poolName && d.work_queue_name) names.add(d.work_queue_name);
    return [...names].sort().map((name, i) => ({
      id: this.state.queueId(poolName, name),
      created: pool.created,
      updated: pool.updated,
      name,
      description: name === 'default' ? 'The work pool\'s default queue.' : null,
      is_paused: false,
      concurrency_limit: null,
      priority: i + 1,
      work_pool_id: pool.id,
      filter: null,
      last_polled: null,
      work_pool_name: poolName,
      status: 'NOT_READY',
    }));
  }
}

/** Prefect's FlowRunSort values; the default (ID_DESC) is newest-created first here. */
function sortRuns(runs: Json[], sortValue: unknown): Json[] {
  const sort = String(sortValue ?? 'ID_DESC');
  const key = sort.startsWith('START_TIME') ? 'start_time' : sort.startsWith('EXPECTED_START_TIME') ? 'expected_start_time'
    : sort.startsWith('NAME') ? 'name' : sort.startsWith('END_TIME') ? 'end_time' : 'created';
  const sign = sort.endsWith('_ASC') ? 1 : -1;
  return [...runs].sort((a, b) => sign * String(a[key] ?? '').localeCompare(String(b[key] ?? '')));
}

/** `/…/paginate`'s answer: one page of already sorted items (pages count from 1, limit at most 200). */
function paginated(sorted: Json[], body: Json): Json {
  const limit = Math.min(body.limit ?? 200, 200);
  const page = body.page ?? 1;
  return { results: sorted.slice((page - 1) * limit, page * limit), count: sorted.length, limit, pages: Math.ceil(sorted.length / limit), page };
}

/** Seconds of an ISO 8601 duration (`PT1H`) or a plain number. */
function durationSeconds(value: unknown): number {
  if (typeof value === 'number') return value;
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(String(value ?? ''));
  if (!m) return NaN;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}
