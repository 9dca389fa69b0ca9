import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** Schemas copied from Prefect 3.8.3's OpenAPI document (fixtures/…excerpt.json). */
const OPENAPI = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'prefect-openapi-3.8.3-excerpt.json'), 'utf8')) as {
  schemas: Record<string, JsonSchema>;
};

interface JsonSchema {
  type?: string;
  $ref?: string;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  format?: string;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  minimum?: number;
  pattern?: string;
}

/**
 * Problems of `value` against an OpenAPI schema: enough of JSON Schema for
 * Prefect's models (types, $ref, anyOf, enum, required, additionalProperties,
 * uuid and date-time formats). Empty when it conforms.
 */
export function contractProblems(schema: JsonSchema, value: unknown, path = '$'): string[] {
  if (schema.$ref) return contractProblems(OPENAPI.schemas[schema.$ref.split('/').pop() as string], value, path);
  if (schema.anyOf) {
    return schema.anyOf.some((s) => contractProblems(s, value, path).length === 0) ? [] : [`${path}: matches no anyOf branch`];
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`];
  switch (schema.type) {
    case 'null': return value === null ? [] : [`${path}: not null`];
    case 'boolean': return typeof value === 'boolean' ? [] : [`${path}: not a boolean`];
    case 'integer': return Number.isInteger(value) && (schema.minimum === undefined || (value as number) >= schema.minimum) ? [] : [`${path}: not an integer ≥ ${schema.minimum}`];
    case 'number': return typeof value === 'number' ? [] : [`${path}: not a number`];
    case 'string': {
      if (typeof value !== 'string') return [`${path}: not a string`];
      if (schema.format === 'uuid' && !/^[0-9a-f-]{36}$/.test(value)) return [`${path}: not a uuid`];
      if (schema.format === 'date-time' && Number.isNaN(Date.parse(value))) return [`${path}: not a date-time`];
      if (schema.pattern && !new RegExp(schema.pattern).test(value)) return [`${path}: does not match ${schema.pattern}`];
      return [];
    }
    case 'array':
      return Array.isArray(value) ? value.flatMap((v, i) => (schema.items ? contractProblems(schema.items, v, `${path}[${i}]`) : [])) : [`${path}: not an array`];
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: not an object`];
      const obj = value as Record<string, unknown>;
      const problems = (schema.required ?? []).filter((k) => !(k in obj)).map((k) => `${path}.${k}: required`);
      for (const [k, v] of Object.entries(obj)) {
        const prop = schema.properties?.[k];
        if (prop) problems.push(...contractProblems(prop, v, `${path}.${k}`));
        else if (schema.additionalProperties === false) problems.push(`${path}.${k}: not allowed`);
      }
      return problems;
    }
    default:
      return [];
  }
}

/** What the test server answers. */
export interface FakePrefectState {
  /** Basic-auth string the API requires (like PREFECT_SERVER_API_AUTH_STRING). */
  authString: string;
  /** Name of the one work pool that exists. */
  poolName: string;
  poolPaused: boolean;
  /** Workers of the pool: name and heartbeat time (ISO) or null. */
  workers: { name: string; lastHeartbeat: string | null; status: 'ONLINE' | 'OFFLINE' }[];
}

/** A running test server plus the requests it received and contract problems it found. */
export interface FakePrefect {
  readonly url: string;
  readonly state: FakePrefectState;
  readonly requests: string[];
  readonly contractViolations: string[];
  close(): Promise<void>;
}

/**
 * A small Prefect API for doctor's checks: `/api/health` (no auth, like
 * Prefect), `GET /api/work_pools/{name}` and `POST
 * /api/work_pools/{name}/workers/filter` behind basic auth. Every response body
 * and the filter request body are checked against the 3.8.3 schemas; problems
 * are recorded (and answered with 422 for requests) so tests can assert none.
 */
export async function startFakePrefect(state: FakePrefectState): Promise<FakePrefect> {
  const requests: string[] = [];
  const contractViolations: string[] = [];
  const poolId = randomUUID();
  const now = new Date().toISOString();

  const send = (res: ServerResponse, status: number, body: unknown, schema?: JsonSchema) => {
    if (schema) contractViolations.push(...contractProblems(schema, body));
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}`);
    if (req.method === 'GET' && url.pathname === '/api/health') return send(res, 200, true, { type: 'boolean' });
    const expected = `Basic ${Buffer.from(state.authString).toString('base64')}`;
    if (req.headers.authorization !== expected) return send(res, 401, { exception_message: 'Unauthorized' });

    const poolMatch = /^\/api\/work_pools\/([^/]+)(\/workers\/filter)?$/.exec(url.pathname);
    if (!poolMatch) return send(res, 404, { detail: 'Not Found' });
    const name = decodeURIComponent(poolMatch[1]);
    if (name !== state.poolName) return send(res, 404, { detail: 'Work pool not found.' });

    if (req.method === 'GET' && !poolMatch[2]) {
      return send(res, 200, {
        id: poolId,
        created: now,
        updated: now,
        name,
        description: null,
        type: 'ecs',
        base_job_template: {},
        is_paused: state.poolPaused,
        concurrency_limit: null,
        status: state.poolPaused ? 'PAUSED' : 'READY',
        default_queue_id: randomUUID(),
        storage_configuration: {},
      }, { $ref: '#/components/schemas/WorkPoolResponse' });
    }
    if (req.method === 'POST' && poolMatch[2]) {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? JSON.parse(text) : {};
      const problems = contractProblems({ $ref: '#/components/schemas/Body_read_workers_work_pools__work_pool_name__workers_filter_post' }, body);
      if (problems.length > 0) {
        contractViolations.push(...problems);
        return send(res, 422, { detail: problems });
      }
      const workers = state.workers.map((w) => ({
        id: randomUUID(),
        created: now,
        updated: now,
        name: w.name,
        work_pool_id: poolId,
        last_heartbeat_time: w.lastHeartbeat,
        heartbeat_interval_seconds: 30,
        status: w.status,
      }));
      return send(res, 200, workers, { type: 'array', items: { $ref: '#/components/schemas/WorkerResponse' } });
    }
    return send(res, 405, { detail: 'Method Not Allowed' });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => res.writeHead(500).end(String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    contractViolations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
