/**
 * An in-process Prefect API that enforces the 3.8.3 contract, for integration tests.
 *
 * - Every request body and every response body is validated with ajv (JSON Schema 2020-12,
 *   as OpenAPI 3.1 uses) against the schemas of the committed OpenAPI file, resolved from
 *   its `components` — nothing here re-states the schemas by hand.
 * - Invalid request bodies get FastAPI's 422 `{detail: [{loc, msg, type}]}`; unknown fields
 *   are `extra_forbidden`, like the real server's `extra="forbid"` models.
 * - Semantics the deployer relies on: `POST /flows/` upserts by name (201/200),
 *   `POST /deployments/` upserts by (flow_id, name) and rebuilds every schedule from
 *   schedule/active/parameters/slug only (so `max_scheduled_runs` is dropped, as by 3.8.3),
 *   `POST /deployments/{id}/schedules` keeps it, rrules without DTSTART are stored with the one
 *   the 3.8.3 server prepends, `POST /work_pools/` → 409 when it exists, `PATCH /work_pools/{name}`,
 *   404s, filters, server-side defaults (cron day_or, rrule timezone UTC, interval anchor dates);
 *   worker heartbeats, the workers filter and the work pool status they drive (see ./workers.ts).
 * - A SQLite-like mode (`database: 'sqlite'`): write transactions hold the database's one write
 *   lock for `writeLatencyMs`, and a write that overlaps one is answered 503 like the real server
 *   answers `database is locked`; the default (`'postgres'`, as on Aurora) lets writes overlap.
 * - Basic auth like `PREFECT_SERVER_API_AUTH_STRING` (401 without it), fault injection,
 *   and a log of every request so tests can count writes from the server's side.
 * A response that breaks the contract is answered with 500 and recorded in `violations`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { PREFECT_API_CONTRACT_VERSION, PREFECT_OPENAPI_DOCUMENT } from '../document';
import { normalizeRruleString } from '../rrule-dtstart';
import { WorkerRegistry } from './workers';
import { WorkspaceReads } from './workspace-reads';

type Json = Record<string, any>;

const SPEC_ID = `prefect-openapi-${PREFECT_API_CONTRACT_VERSION}`;

interface Operation {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
  /** Compiled on first use: compiling every operation up front costs ~2 s. */
  readonly requestValidator: () => ValidateFunction | undefined;
  readonly responseValidator: (status: string) => ValidateFunction | undefined;
  readonly pathParamFormats: Readonly<Record<string, string | undefined>>;
}

/** One request as the server saw it. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  /** OpenAPI path template, e.g. `/deployments/{id}`. */
  readonly route: string;
  readonly status: number;
}

/** A canned failure for the next matching requests. */
export interface Fault {
  readonly method?: string;
  readonly route?: string;
  readonly status: number;
  /** How many matching requests fail; default 1. */
  times?: number;
  readonly retryAfter?: string;
  /** Runs when the fault fires, e.g. to simulate a concurrent writer. */
  readonly sideEffect?: () => void;
}

let compiled: { ajv: Ajv2020; operations: Operation[] } | undefined;

function loadContract(): { ajv: Ajv2020; operations: Operation[] } {
  if (compiled) return compiled;
  const spec = JSON.parse(readFileSync(PREFECT_OPENAPI_DOCUMENT, 'utf8')) as Json;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  // pydantic's timedelta, serialised as an ISO 8601 duration.
  ajv.addFormat('time-delta', /^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/);
  ajv.addSchema({ $id: SPEC_ID, components: spec.components });
  const rebase = (schema: unknown): unknown => JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, `"${SPEC_ID}#/components/`));
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries(spec.paths as Json)) {
    for (const [method, op] of Object.entries(item as Json)) {
      const paramNames = [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '([^/]+)')}$`);
      const bodySchema = op.requestBody?.content?.['application/json']?.schema;
      const responseCache = new Map<string, ValidateFunction | undefined>();
      const responseValidator = (status: string): ValidateFunction | undefined => {
        if (!responseCache.has(status)) {
          const schema = op.responses?.[status]?.content?.['application/json']?.schema;
          responseCache.set(status, schema ? ajv.compile(rebase(schema) as object) : undefined);
        }
        return responseCache.get(status);
      };
      let requestCache: ValidateFunction | undefined;
      const pathParamFormats: Record<string, string | undefined> = {};
      for (const p of (op.parameters ?? []) as Json[]) if (p.in === 'path') pathParamFormats[p.name] = p.schema?.format;
      operations.push({
        method: method.toUpperCase(),
        template,
        pattern,
        paramNames,
        requestValidator: () => (bodySchema ? (requestCache ??= ajv.compile(rebase(bodySchema) as object)) : undefined),
        responseValidator,
        pathParamFormats,
      });
    }
  }
  compiled = { ajv, operations };
  return compiled;
}

/** FastAPI-style 422 detail from ajv errors; anyOf noise is reduced to the errors every branch agrees on. */
export function validationDetail(errors: readonly ErrorObject[], root: 'body' | 'path'): Json[] {
  const counts = new Map<string, { err: ErrorObject; n: number }>();
  for (const err of errors) {
    if (err.keyword === 'anyOf' || err.keyword === 'oneOf') continue;
    const key = `${err.instancePath}|${err.keyword}|${JSON.stringify(err.params)}`;
    const entry = counts.get(key);
    if (entry) entry.n++;
    else counts.set(key, { err, n: 1 });
  }
  const maxByPath = new Map<string, number>();
  for (const { err, n } of counts.values()) maxByPath.set(err.instancePath, Math.max(maxByPath.get(err.instancePath) ?? 0, n));
  const detail: Json[] = [];
  for (const { err, n } of counts.values()) {
    if (n < (maxByPath.get(err.instancePath) ?? 0)) continue;
    const loc: Array<string | number> = [root, ...err.instancePath.split('/').filter(Boolean).map((p) => (/^\d+$/.test(p) ? Number(p) : p))];
    if (err.keyword === 'additionalProperties') {
      detail.push({ type: 'extra_forbidden', loc: [...loc, (err.params as Json).additionalProperty], msg: 'Extra inputs are not permitted' });
    } else if (err.keyword === 'required') {
      detail.push({ type: 'missing', loc: [...loc, (err.params as Json).missingProperty], msg: 'Field required' });
    } else {
      detail.push({ type: `${err.keyword}_error`, loc, msg: err.message ?? 'invalid' });
    }
  }
  return detail;
}

const READ_ONLY_POST = /(^\/ui\/|\/(filter|count|paginate|history|lateness)$)/;

/**
 * `PREFECT_SERVER_DEPLOYMENT_SCHEDULE_MAX_SCHEDULED_RUNS` default
 * (src/prefect/settings/models/server/root.py L103-111 at tag 3.8.3).
 */
export const MAX_SCHEDULED_RUNS_LIMIT = 50;

/** How the test server behaves; every field is optional. */
export interface ContractServerOptions {
  /** Basic auth string the server requires (`PREFECT_SERVER_API_AUTH_STRING`); default none. */
  readonly authString?: string;
  /** Emulates a server whose upsert replaces schedules only when given some (pre-3.x); default false. */
  readonly keepSchedulesOnEmptyUpsert?: boolean;
  /**
   * The database behind the server. `'sqlite'`: one write transaction at a time, an overlapping
   * write gets 503 (see {@link PrefectContractServer.lockedWrites}); `'postgres'` (default, Aurora):
   * writes run concurrently.
   */
  readonly database?: 'sqlite' | 'postgres';
  /** How long one write transaction takes, in ms; default 0 (5 for `'sqlite'`, so overlaps can happen). */
  readonly writeLatencyMs?: number;
}

/** The contract-enforcing test server. Start with {@link PrefectContractServer.start}. */
export class PrefectContractServer {
  /** Starts on 127.0.0.1 on a free port. */
  static async start(options: ContractServerOptions = {}): Promise<PrefectContractServer> {
    const server = new PrefectContractServer(options);
    await new Promise<void>((resolve) => server.http.listen(0, '127.0.0.1', resolve));
    return server;
  }

  /** Writes answered 503 because another write held the SQLite lock (`'sqlite'` mode). */
  lockedWrites = 0;
  /** The write transaction holding the SQLite lock, if any. */
  private writer: Promise<void> | undefined;
  private readonly keepSchedulesOnEmptyUpsert: boolean;
  private readonly authString: string | undefined;
  private readonly database: 'sqlite' | 'postgres';
  private readonly writeLatencyMs: number;

  /** Every request, in arrival order. */
  readonly requests: LoggedRequest[] = [];
  /** Contract breaches by the server itself (a bug in this file); tests assert it stays empty. */
  readonly violations: string[] = [];
  readonly flows = new Map<string, Json>();
  readonly deployments = new Map<string, Json>();
  readonly workPools = new Map<string, Json>();
  /** Workers per pool; feed them with {@link recordWorkerHeartbeat} or the heartbeat route. */
  readonly workers = new WorkerRegistry();
  private readonly queueIds = new Map<string, string>();
  /** Flow runs and the reads a dashboard makes over them. */
  readonly workspace = new WorkspaceReads(this);
  private readonly faults: Fault[] = [];
  private readonly parameterValidators = new Map<string, ValidateFunction>();
  private readonly http: http.Server;

  private constructor(options: ContractServerOptions) {
    this.authString = options.authString;
    this.keepSchedulesOnEmptyUpsert = options.keepSchedulesOnEmptyUpsert ?? false;
    this.database = options.database ?? 'postgres';
    this.writeLatencyMs = options.writeLatencyMs ?? (this.database === 'sqlite' ? 5 : 0);
    this.http = http.createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        this.violations.push(`handler crashed: ${(err as Error).stack}`);
        res.writeHead(500).end();
      });
    });
  }

  /** `http://127.0.0.1:<port>/api`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}/api`;
  }

  /** Fails the next matching request(s) with `status`. */
  inject(fault: Fault): void {
    this.faults.push({ times: 1, ...fault });
  }

  /** Requests that changed state, as seen by the server. */
  get writes(): LoggedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET' && !(r.method === 'POST' && READ_ONLY_POST.test(r.route)));
  }

  /**
   * A worker heartbeat as `POST /work_pools/{name}/workers/heartbeat` records it, at a time of the
   * test's choosing (a stale heartbeat is one in the past; then {@link runForeman}).
   */
  recordWorkerHeartbeat(poolName: string, workerName: string, options: { at?: Date; heartbeatIntervalSeconds?: number } = {}): void {
    const pool = this.workPools.get(poolName);
    if (!pool) throw new Error(`no work pool ${poolName} in the contract server`);
    this.workers.heartbeat(pool, workerName, options.at ?? new Date(), options.heartbeatIntervalSeconds);
  }

  /** One pass of Prefect's foreman service: stale workers go OFFLINE, pools without online workers NOT_READY. */
  runForeman(now: Date = new Date()): void {
    this.workers.runForeman(this.workPools.values(), now);
  }

  /** Forgets the request log (state is kept). */
  clearLog(): void {
    this.requests.length = 0;
  }

  async stop(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, body?: unknown, route = '?', headers: Record<string, string> = {}): void => {
      this.requests.push({ method, path: url.pathname, route, status });
      if (body === undefined) {
        res.writeHead(status, headers).end();
      } else {
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      }
    };

    if (!url.pathname.startsWith('/api/')) return send(404, { detail: 'Not Found' });
    const apiPath = url.pathname.slice('/api'.length);
    const { operations } = loadContract();
    const candidates = operations.filter((o) => o.pattern.test(apiPath));
    const op = candidates.find((o) => o.method === method);
    if (!op) return send(candidates.length ? 405 : 404, { detail: candidates.length ? 'Method Not Allowed' : 'Not Found' });
    const route = op.template;

    const faultIndex = this.faults.findIndex((f) => (!f.method || f.method === method) && (!f.route || f.route === route));
    if (faultIndex !== -1) {
      const fault = this.faults[faultIndex];
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) this.faults.splice(faultIndex, 1);
      fault.sideEffect?.();
      return send(fault.status, { detail: 'injected fault' }, route, fault.retryAfter ? { 'retry-after': fault.retryAfter } : {});
    }

    if (this.authString && route !== '/health') {
      const expected = `Basic ${Buffer.from(this.authString).toString('base64')}`;
      if (req.headers.authorization !== expected) return send(401, { exception_message: 'Unauthorized' }, route);
    }

    const params: Record<string, string> = {};
    const match = op.pattern.exec(apiPath) as RegExpExecArray;
    op.paramNames.forEach((name, i) => {
      params[name] = decodeURIComponent(match[i + 1]);
    });
    for (const [name, format] of Object.entries(op.pathParamFormats)) {
      if (format === 'uuid' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(params[name])) {
        return send(422, { detail: [{ type: 'uuid_parsing', loc: ['path', name], msg: 'Input should be a valid UUID' }] }, route);
      }
    }

    let body: Json = {};
    const requestValidator = op.requestValidator();
    if (requestValidator) {
      try {
        body = raw === '' ? {} : JSON.parse(raw);
      } catch {
        return send(422, { detail: [{ type: 'json_invalid', loc: ['body'], msg: 'JSON decode error' }] }, route);
      }
      if (!requestValidator(body)) {
        return send(422, { detail: validationDetail(requestValidator.errors ?? [], 'body') }, route);
      }
    }

    const write = method !== 'GET' && !(method === 'POST' && READ_ONLY_POST.test(route));
    if (write && this.database === 'sqlite' && this.writer) {
      // Prefect opens write transactions DEFERRED and reads first (e.g. the work pool, the
      // existing deployment); once another writer commits, that read snapshot is stale and SQLite
      // answers SQLITE_BUSY_SNAPSHOT, which the server turns into 503 "Service Unavailable"
      // (src/prefect/server/api/server.py L319-329 is_client_retryable_exception and L398-411
      // custom_internal_exception_handler at tag 3.8.3; database/configurations.py L604-616 BEGIN DEFERRED).
      while (this.writer) await this.writer;
      this.lockedWrites++;
      return send(503, { exception_message: 'Service Unavailable' }, route);
    }
    let release: (() => void) | undefined;
    if (write && this.database === 'sqlite') this.writer = new Promise<void>((resolve) => (release = resolve));
    let status: number;
    let payload: unknown;
    try {
      if (write && this.writeLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.writeLatencyMs));
      [status, payload] = this.route(method, route, params, body);
    } finally {
      if (release) {
        this.writer = undefined;
        release();
      }
    }
    if (status < 300 && payload !== undefined) {
      // 201 for upserts is what the server sends though the document lists only 200.
      const validator = op.responseValidator(String(status)) ?? op.responseValidator('200');
      if (!validator) {
        this.violations.push(`${method} ${route}: no response schema for ${status}`);
      } else if (!validator(payload)) {
        this.violations.push(`${method} ${route} → ${status}: ${JSON.stringify(validator.errors)}`);
        return send(500, { detail: 'response failed contract validation' }, route);
      }
    } else if (status === 422) {
      const validator = op.responseValidator('422');
      if (validator && !validator(payload)) this.violations.push(`${method} ${route} → 422 body off-contract`);
    }
    return send(status, payload, route);
  }

  private route(method: string, route: string, params: Record<string, string>, body: Json): [number, unknown] {
    const key = `${method} ${route}`;
    switch (key) {
      case 'GET /health':
        return [200, true];
      case 'POST /flows/':
        return this.upsertFlow(body);
      case 'POST /flows/filter':
        return [200, this.page(this.filterFlows(body.flows), body, (f) => f.name)];
      case 'GET /flows/{id}':
        return this.flows.has(params.id) ? [200, this.flows.get(params.id)] : [404, { detail: 'Flow not found' }];
      case 'POST /deployments/':
        return this.upsertDeployment(body);
      case 'POST /deployments/filter':
        return [200, this.page(this.filterDeployments(body), body, (d) => d.name)];
      case 'GET /deployments/{id}':
        return this.deployments.has(params.id) ? [200, this.deployments.get(params.id)] : [404, { detail: 'Deployment not found' }];
      case 'PATCH /deployments/{id}':
        return this.patchDeployment(params.id, body);
      case 'POST /deployments/{id}/schedules':
        return this.addSchedules(params.id, body as unknown as Json[]);
      case 'DELETE /deployments/{id}/schedules/{schedule_id}': {
        const d = this.deployments.get(params.id);
        const before = d?.schedules.length ?? 0;
        if (d) d.schedules = d.schedules.filter((s: Json) => s.id !== params.schedule_id);
        return d && d.schedules.length < before ? [204, undefined] : [404, { detail: 'Schedule not found' }];
      }
      case 'DELETE /deployments/{id}':
        return this.deployments.delete(params.id) ? [204, undefined] : [404, { detail: 'Deployment not found' }];
      case 'POST /work_pools/':
        return this.createWorkPool(body);
      case 'GET /work_pools/{name}':
        return this.workPools.has(params.name) ? [200, this.workPools.get(params.name)] : [404, { detail: `Work pool "${params.name}" not found.` }];
      case 'PATCH /work_pools/{name}':
        return this.patchWorkPool(params.name, body);
      case 'DELETE /work_pools/{name}': {
        const pool = this.workPools.get(params.name);
        if (pool) this.workers.dropPool(pool.id);
        return this.workPools.delete(params.name) ? [204, undefined] : [404, { detail: 'Work pool not found.' }];
      }
      case 'POST /work_pools/{work_pool_name}/workers/heartbeat': {
        const pool = this.workPools.get(params.work_pool_name);
        if (!pool) return [404, { detail: `Work pool "${params.work_pool_name}" not found.` }];
        this.workers.heartbeat(pool, body.name, new Date(), body.heartbeat_interval_seconds);
        return [204, undefined];
      }
      case 'POST /work_pools/{work_pool_name}/workers/filter': {
        const pool = this.workPools.get(params.work_pool_name);
        if (!pool) return [404, { detail: `Work pool "${params.work_pool_name}" not found.` }];
        const { workers, unsupported } = this.workers.read(pool.id, body);
        for (const u of unsupported) this.violations.push(`${u} is not implemented here`);
        return [200, workers];
      }
      default: {
        const answer = this.workspace.route(key, params, body);
        if (answer) return answer;
        this.violations.push(`the client used ${key}, which this test server does not implement`);
        return [501, { detail: `not implemented in the contract server: ${key}` }];
      }
    }
  }

  private upsertFlow(body: Json): [number, Json] {
    const existing = [...this.flows.values()].find((f) => f.name === body.name);
    if (existing) return [200, existing];
    const now = new Date().toISOString();
    const flow = { id: randomUUID(), created: now, updated: now, name: body.name, tags: body.tags ?? [], labels: body.labels ?? {} };
    this.flows.set(flow.id, flow);
    return [201, flow];
  }

  private filterFlows(filter: Json | undefined | null): Json[] {
    const all = [...this.flows.values()];
    if (!filter) return all;
    const tests: Array<(f: Json) => boolean> = [];
    const ids = filter.id?.any_ ? new Set(filter.id.any_) : undefined;
    const names = filter.name?.any_ ? new Set(filter.name.any_) : undefined;
    if (ids) tests.push((f) => ids.has(f.id));
    if (names) tests.push((f) => names.has(f.name));
    if (filter.name?.like_) tests.push((f) => String(f.name).includes(filter.name.like_));
    if (filter.tags?.all_) tests.push((f) => filter.tags.all_.every((t: string) => f.tags.includes(t)));
    if (filter.deployment) this.violations.push('flows.deployment filter is not implemented here');
    if (tests.length === 0) return all;
    return all.filter((f) => (filter.operator === 'or_' ? tests.some((t) => t(f)) : tests.every((t) => t(f))));
  }

  /** Deployments matching a filter body (`deployments`, `work_pools`, `flows` sections). */
  filterDeployments(body: Json): Json[] {
    for (const unsupported of ['flow_runs', 'task_runs', 'work_pool_queues']) {
      if (body[unsupported]) this.violations.push(`${unsupported} filter is not implemented here`);
    }
    let all = [...this.deployments.values()];
    const d = body.deployments;
    if (d) {
      const tests: Array<(x: Json) => boolean> = [];
      // Sets: a 10,000-deployment manifest is looked up by 10,000 names, page after page.
      const ids = d.id?.any_ ? new Set(d.id.any_) : undefined;
      const names = d.name?.any_ ? new Set(d.name.any_) : undefined;
      if (ids) tests.push((x) => ids.has(x.id));
      if (names) tests.push((x) => names.has(x.name));
      if (d.tags?.all_) tests.push((x) => d.tags.all_.every((t: string) => x.tags.includes(t)));
      if (d.tags?.any_) tests.push((x) => d.tags.any_.some((t: string) => x.tags.includes(t)));
      if (d.work_queue_name?.any_) tests.push((x) => d.work_queue_name.any_.includes(x.work_queue_name));
      if (tests.length) all = all.filter((x) => (d.operator === 'or_' ? tests.some((t) => t(x)) : tests.every((t) => t(x))));
    }
    if (body.work_pools?.name?.any_) all = all.filter((x) => body.work_pools.name.any_.includes(x.work_pool_name));
    if (body.flows) {
      const flowIds = new Set(this.filterFlows(body.flows).map((f) => f.id));
      all = all.filter((x) => flowIds.has(x.flow_id));
    }
    return all;
  }

  /** Sorted by name, then offset/limit (Prefect's default page size is 200). */
  private page(items: Json[], body: Json, sortKey: (x: Json) => string): Json[] {
    const limit = Math.min(body.limit ?? 200, 200);
    const offset = body.offset ?? 0;
    return [...items].sort((a, b) => sortKey(a).localeCompare(sortKey(b))).slice(offset, offset + limit);
  }

  /**
   * Stored schedules for `schedules`. `rebuilt`: the upsert and PATCH paths re-create each
   * schedule from only schedule/active/parameters/slug (src/prefect/server/models/deployments.py
   * L220-234 and L384-401 at tag 3.8.3), so `max_scheduled_runs` is lost; the schedule endpoint
   * persists the whole `DeploymentScheduleCreate` (L1112-1144).
   */
  private schedulesFrom(deploymentId: string, schedules: Json[], rebuilt: boolean): Json[] {
    const now = new Date().toISOString();
    return schedules.map((s) => ({
      id: randomUUID(),
      created: now,
      updated: now,
      deployment_id: deploymentId,
      schedule: withScheduleDefaults(s.schedule),
      active: s.active ?? true,
      max_scheduled_runs: rebuilt ? null : s.max_scheduled_runs ?? null,
      parameters: s.parameters ?? {},
      slug: s.slug ?? null,
    }));
  }

  /** `POST /deployments/{id}/schedules` (src/prefect/server/api/deployments.py L1259-1290 at tag 3.8.3). */
  private addSchedules(id: string, schedules: Json[]): [number, unknown] {
    const d = this.deployments.get(id);
    if (!d) return [404, { detail: 'Deployment not found.' }];
    const problem = maxScheduledRunsProblem(schedules, ['body']);
    if (problem) return [422, problem];
    const slugs = [...d.schedules, ...schedules].map((s: Json) => s.slug).filter((slug: unknown) => slug != null);
    if (new Set(slugs).size < slugs.length) return [409, { detail: 'Schedule slugs must be unique within a deployment.' }];
    const created = this.schedulesFrom(id, schedules, false);
    d.schedules = [...created, ...d.schedules];
    return [201, created];
  }

  /** The id of `pool/queue`, stable for the server's life. */
  queueId(pool: string, queue: string): string {
    const key = `${pool}/${queue}`;
    if (!this.queueIds.has(key)) this.queueIds.set(key, randomUUID());
    return this.queueIds.get(key) as string;
  }

  private upsertDeployment(body: Json): [number, Json] {
    if (!this.flows.has(body.flow_id)) return [404, { detail: 'Flow not found' }];
    if (body.work_pool_name && !this.workPools.has(body.work_pool_name)) {
      return [404, { detail: `Work pool "${body.work_pool_name}" not found.` }];
    }
    const runsProblem = maxScheduledRunsProblem(body.schedules ?? [], ['body', 'schedules']);
    if (runsProblem) return [422, runsProblem];
    const problem = this.parameterProblem(body.enforce_parameter_schema ?? true, body.parameters ?? {}, body.parameter_openapi_schema);
    if (problem) return [409, { detail: problem }];
    const existing = [...this.deployments.values()].find((d) => d.flow_id === body.flow_id && d.name === body.name);
    const now = new Date().toISOString();
    if (existing) {
      // Upsert: only the fields sent are overwritten; the schedules are always deleted and
      // re-created, sent or not (models/deployments.py L211-234 at tag 3.8.3).
      const { schedules = [], concurrency_limit: limit, ...rest } = body;
      Object.assign(existing, rest, { updated: now });
      const replace = !(this.keepSchedulesOnEmptyUpsert && schedules.length === 0);
      if (replace) existing.schedules = this.schedulesFrom(existing.id, schedules, true);
      if (limit !== undefined) this.setConcurrency(existing, limit, body.concurrency_options);
      this.fillQueue(existing);
      return [200, existing];
    }
    const id = randomUUID();
    const deployment: Json = {
      id,
      created: now,
      updated: now,
      name: body.name,
      version: body.version ?? null,
      description: body.description ?? null,
      flow_id: body.flow_id,
      paused: body.paused ?? false,
      schedules: this.schedulesFrom(id, body.schedules ?? [], true),
      concurrency_limit: null,
      global_concurrency_limit: null,
      concurrency_options: null,
      job_variables: body.job_variables ?? {},
      parameters: body.parameters ?? {},
      tags: body.tags ?? [],
      labels: body.labels ?? {},
      work_queue_name: body.work_queue_name ?? null,
      work_queue_id: null,
      last_polled: null,
      parameter_openapi_schema: body.parameter_openapi_schema ?? null,
      path: body.path ?? null,
      pull_steps: body.pull_steps ?? null,
      entrypoint: body.entrypoint ?? null,
      storage_document_id: null,
      infrastructure_document_id: null,
      created_by: null,
      updated_by: null,
      work_pool_name: body.work_pool_name ?? null,
      status: 'NOT_READY',
      enforce_parameter_schema: body.enforce_parameter_schema ?? true,
    };
    this.setConcurrency(deployment, body.concurrency_limit ?? null, body.concurrency_options);
    this.fillQueue(deployment);
    this.deployments.set(id, deployment);
    return [201, deployment];
  }

  private patchDeployment(id: string, body: Json): [number, unknown] {
    const existing = this.deployments.get(id);
    if (!existing) return [404, { detail: 'Deployment not found' }];
    const { schedules, concurrency_limit: limit, ...rest } = body;
    Object.assign(existing, rest, { updated: new Date().toISOString() });
    if (schedules != null) existing.schedules = this.schedulesFrom(id, schedules, true);
    if (limit !== undefined) this.setConcurrency(existing, limit, body.concurrency_options);
    this.fillQueue(existing);
    return [204, undefined];
  }

  /** The server keeps a deployment concurrency limit as a global limit and echoes it. */
  private setConcurrency(d: Json, limit: number | null, options: Json | null | undefined): void {
    const now = new Date().toISOString();
    d.concurrency_limit = limit;
    d.concurrency_options = limit === null ? null : options ?? { collision_strategy: 'ENQUEUE' };
    d.global_concurrency_limit =
      limit === null ? null : { id: randomUUID(), created: now, updated: now, name: `deployment:${d.id}`, limit, active: true, active_slots: 0, slot_decay_per_second: 0 };
  }

  private fillQueue(d: Json): void {
    if (d.work_pool_name) {
      // With no queue named, the server uses the pool's default queue.
      d.work_queue_name = d.work_queue_name ?? 'default';
      d.work_queue_id = this.queueId(d.work_pool_name, d.work_queue_name);
    }
  }

  /** Like the server: with enforcement on, parameters must satisfy the parameter schema. */
  private parameterProblem(enforce: boolean, parameters: Json, schema: Json | null | undefined): string | undefined {
    if (!enforce || !schema) return undefined;
    // Compiled once per distinct schema: a 10,000-deployment benchmark sends a handful of schemas.
    const key = JSON.stringify(schema);
    let validate = this.parameterValidators.get(key);
    if (!validate) {
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(ajv);
      const { definitions, ...rest } = schema;
      validate = ajv.compile({ ...rest, $defs: definitions ?? {}, required: [] });
      this.parameterValidators.set(key, validate);
    }
    if (validate(parameters)) return undefined;
    return `Error creating deployment: Validation failed for field(s) ${(validate.errors ?? []).map((e) => e.instancePath || e.message).join(', ')}`;
  }

  private createWorkPool(body: Json): [number, Json] {
    if (this.workPools.has(body.name)) return [409, { detail: 'A work pool with this name already exists.' }];
    const problem = templateProblem(body.base_job_template);
    if (problem) return [422, { detail: [{ type: 'value_error', loc: ['body', 'base_job_template'], msg: problem }] }];
    const now = new Date().toISOString();
    const pool = {
      id: randomUUID(),
      created: now,
      updated: now,
      name: body.name,
      description: body.description ?? null,
      type: body.type ?? 'prefect-agent',
      base_job_template: body.base_job_template ?? {},
      is_paused: body.is_paused ?? false,
      concurrency_limit: body.concurrency_limit ?? null,
      // models/workers.py create_work_pool: PAUSED when created paused, else NOT_READY until a heartbeat.
      status: body.is_paused ? 'PAUSED' : 'NOT_READY',
      default_queue_id: this.queueId(body.name, 'default'),
      storage_configuration: body.storage_configuration ?? {
        bundle_upload_step: null,
        bundle_execution_step: null,
        default_result_storage_block_id: null,
      },
      active_slots: 0,
    };
    this.workPools.set(pool.name, pool);
    return [201, pool];
  }

  private patchWorkPool(name: string, body: Json): [number, unknown] {
    const pool = this.workPools.get(name);
    if (!pool) return [404, { detail: `Work pool "${name}" not found.` }];
    if (body.base_job_template != null) {
      const problem = templateProblem(body.base_job_template);
      if (problem) return [422, { detail: [{ type: 'value_error', loc: ['body', 'base_job_template'], msg: problem }] }];
    }
    for (const [k, v] of Object.entries(body)) if (v !== null && v !== undefined) pool[k] = v;
    // models/workers.py update_work_pool: pausing sets PAUSED; resuming READY with an online worker, else NOT_READY.
    if (body.is_paused === true) pool.status = 'PAUSED';
    if (body.is_paused === false) pool.status = this.workers.hasOnlineWorker(pool.id) ? 'READY' : 'NOT_READY';
    pool.updated = new Date().toISOString();
    return [204, undefined];
  }
}

/** Prefect's own check: a template needs both sections and every placeholder must be a declared variable. */
function templateProblem(template: Json | undefined): string | undefined {
  if (!template || Object.keys(template).length === 0) return undefined;
  if (!template.job_configuration || !template.variables) return 'The `base_job_template` must contain both a `job_configuration` key and a `variables` key.';
  const declared = new Set(Object.keys(template.variables.properties ?? {}));
  const used = [...JSON.stringify(template.job_configuration).matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1].split('.')[0]);
  const missing = [...new Set(used.filter((u) => !declared.has(u)))];
  if (missing.length === 0) return undefined;
  return 'The variables specified in the job configuration template must be present as properties in the variables schema. ' +
    `Your job configuration uses the following undeclared variable(s): ${missing.join(' ,')}.`;
}

/**
 * What the 3.8.3 server stores for a schedule it is sent (src/prefect/server/schemas/schedules.py
 * at tag 3.8.3): cron keeps a missing timezone as null (`default_timezone` returns it unchanged
 * without an anchor date, _internal/schemas/validators.py L244-273) and day_or defaults to true;
 * an interval gets now as its anchor and UTC; an rrule's timezone defaults to "UTC" and the rule
 * gets the DTSTART `normalize_schedule_rrule` prepends (server/schemas/actions.py L105-116).
 */
function withScheduleDefaults(schedule: Json): Json {
  if ('cron' in schedule) return { cron: schedule.cron, timezone: schedule.timezone ?? null, day_or: schedule.day_or ?? true };
  if ('interval' in schedule) {
    return {
      interval: schedule.interval,
      anchor_date: schedule.anchor_date ?? new Date().toISOString(),
      timezone: schedule.timezone ?? 'UTC',
    };
  }
  const timezone = schedule.timezone === undefined ? 'UTC' : schedule.timezone;
  return { rrule: normalizeRruleString(schedule.rrule, { timezone }), timezone };
}

/**
 * FastAPI's 422 for a `max_scheduled_runs` over the server's limit (`validate_schedule_max_scheduled_runs`,
 * _internal/schemas/validators.py L182-185, on DeploymentScheduleCreate, server/schemas/actions.py L133-140).
 */
function maxScheduledRunsProblem(schedules: Json[], loc: Array<string | number>): Json | undefined {
  const detail = schedules.flatMap((s, i) =>
    s.max_scheduled_runs != null && s.max_scheduled_runs > MAX_SCHEDULED_RUNS_LIMIT
      ? [{ type: 'value_error', loc: [...loc, i, 'max_scheduled_runs'], msg: `Value error, \`max_scheduled_runs\` must be less than or equal to ${MAX_SCHEDULED_RUNS_LIMIT}.` }]
      : [],
  );
  return detail.length > 0 ? { detail } : undefined;
}
