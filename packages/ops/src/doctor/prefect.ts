import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { messageOf } from '@blog-data/cli-kit';
import { publicBaseUrl } from '@blog-data/config';
import { ApiSettings, createPrefectApi, FailureKind, PrefectApi, requestFailureOf, Schemas } from '@blog-data/prefect-api';
import { CheckResult, DoctorContext, fail, missingOutput, pass } from './types';

/** Prefect marks a worker offline after this many missed heartbeats (INACTIVITY_HEARTBEAT_MULTIPLE). */
const MISSED_HEARTBEATS = 3;
/** A Prefect worker's default heartbeat interval, seconds. */
const DEFAULT_HEARTBEAT_SECONDS = 30;

/** The `WorkerResponse` fields the heartbeat judgement reads. */
export type WorkerHeartbeat = Pick<Schemas['WorkerResponse'], 'name' | 'last_heartbeat_time' | 'heartbeat_interval_seconds' | 'status'>;

/** The Prefect base URL (no `/api`): flag, then `prefect_url`, then `prefect_api_url`, then the ALB name. */
export function prefectBaseUrl(ctx: DoctorContext): string | undefined {
  const fromApi = ctx.outputs.prefect_api_url?.replace(/\/api\/?$/, '');
  const fromAlb = ctx.outputs.alb_dns_name ? publicBaseUrl(ctx.config, ctx.outputs.alb_dns_name) : undefined;
  return (ctx.prefectUrl ?? ctx.outputs.prefect_url ?? fromApi ?? fromAlb)?.replace(/\/+$/, '');
}

/**
 * The shared Prefect client, one attempt per request: a diagnosis reports what it sees, it does
 * not retry it away (a 503 from the ALB is the finding).
 */
function doctorApi(base: string, timeoutMs: number, authString?: string): PrefectApi {
  const colon = authString?.indexOf(':') ?? -1;
  const auth: ApiSettings['auth'] = authString
    ? { kind: 'basic', user: colon === -1 ? authString : authString.slice(0, colon), password: colon === -1 ? '' : authString.slice(colon + 1) }
    : undefined;
  return createPrefectApi({ apiUrl: `${base}/api`, auth, timeoutMs, timeoutSetting: '--timeout', maxRetries: 0, concurrency: 1 });
}

/** Why a request got no usable answer: the shared client's diagnosis (refused, timed out, reset, malformed). */
function noAnswer(err: unknown): { why: string; kind?: FailureKind } {
  const failure = requestFailureOf(err);
  return failure ? { why: failure.detail, kind: failure.kind } : { why: messageOf(err) };
}

/** A response body for a one-line finding: JSON as JSON, an ALB error page as its text. */
function bodyText(body: unknown): string {
  return JSON.stringify(body ?? '').slice(0, 80);
}

/**
 * The Prefect checks: `/api/health` answers; with the auth string the work
 * pool reads; the pool has a worker whose heartbeat is recent. When /api/health
 * is unreachable the worker's logs show `ConnectError`.
 */
export async function checkPrefect(ctx: DoctorContext): Promise<CheckResult[]> {
  const pool = ctx.config.prefect.workPool;
  const timeout = ctx.httpTimeoutMs ?? 5000;
  const healthId = 'prefect-api-health';
  const healthTitle = 'Prefect API answers /api/health';
  const poolId = 'prefect-work-pool';
  const poolTitle = `work pool ${pool} reads with the API auth string`;
  const workerId = 'prefect-worker-heartbeat';
  const workerTitle = `pool ${pool} has a worker with a recent heartbeat`;

  const base = prefectBaseUrl(ctx);
  if (!base) {
    const fix = missingOutput('prefect_url');
    return [fail(healthId, healthTitle, 'no Prefect URL', fix), fail(poolId, poolTitle, 'not checked', fix), fail(workerId, workerTitle, 'not checked', fix)];
  }

  let health: CheckResult;
  const healthUrl = `${base}/api/health`;
  try {
    // /api/health is exempt from basic auth in Prefect, so it is asked without credentials.
    const { data, error, response } = await doctorApi(base, timeout).client.GET('/health');
    const status = response.status;
    health = status === 200 && data === true
      ? pass(healthId, healthTitle, `GET ${healthUrl} → 200 true`)
      : fail(healthId, healthTitle, `GET ${healthUrl} → ${status} ${bodyText(data ?? error)}`,
        status === 502 || status === 503
          ? 'the ALB has no healthy server target: see the ALB and ECS service checks'
          : status === 401
            ? '/api/health must not need auth: the URL points at something other than the Prefect server'
            : 'the server is unhealthy: read `platform-ops logs --service api`');
  } catch (err) {
    const { why, kind } = noAnswer(err);
    const unreachable = kind === undefined || kind === 'unreachable';
    const fix = unreachable
      ? 'the API is unreachable, which the worker logs as `ConnectError`: check the server service and ALB target checks, the ALB security group '
        + '(80/443 from you), the worker security group\'s egress to the ALB, and that prefect_url points at this environment'
      : kind === 'timeout'
        ? 'the API accepts connections but does not answer: the server is overloaded or stuck (read `platform-ops logs --service api`), or --timeout is too short'
        : 'the answer broke on the way: see the ALB checks and read `platform-ops logs --service api`';
    const skipped = `not checked: the API ${unreachable ? 'is unreachable' : 'did not answer'}`;
    return [
      fail(healthId, healthTitle, `GET ${healthUrl}: ${why}`, fix),
      fail(poolId, poolTitle, skipped, 'fix the API health check first'),
      fail(workerId, workerTitle, skipped, 'fix the API health check first'),
    ];
  }

  let auth = ctx.apiAuthString;
  let authSource = 'PREFECT_API_AUTH_STRING';
  if (!auth) {
    const arn = ctx.outputs.api_auth_secret_arn;
    if (!arn) {
      const fix = `set PREFECT_API_AUTH_STRING, or ${missingOutput('api_auth_secret_arn')}`;
      return [health, fail(poolId, poolTitle, 'no API auth string', fix), fail(workerId, workerTitle, 'not checked: no API auth string', fix)];
    }
    try {
      auth = (await ctx.aws.secrets.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
      authSource = 'api_auth_secret_arn';
    } catch (err) {
      const fix = `allow secretsmanager:GetSecretValue on ${arn} (and kms:Decrypt), or set PREFECT_API_AUTH_STRING`;
      return [health, fail(poolId, poolTitle, `cannot read the auth secret: ${messageOf(err)}`, fix), fail(workerId, workerTitle, 'not checked: no API auth string', fix)];
    }
    if (!auth) {
      const fix = `put a \`user:password\` value in ${arn} (infra generates one)`;
      return [health, fail(poolId, poolTitle, 'the auth secret is empty', fix), fail(workerId, workerTitle, 'not checked: no API auth string', fix)];
    }
  }
  const api = doctorApi(base, timeout, auth);
  const poolUrl = `${base}/api/work_pools/${encodeURIComponent(pool)}`;

  let poolResult: CheckResult;
  let poolRead = false;
  try {
    const { data: wp, response } = await api.client.GET('/work_pools/{name}', { params: { path: { name: pool } } });
    const status = response.status;
    if (status === 200 && wp) {
      poolRead = true;
      const found = `${wp.name}: type ${wp.type}, status ${wp.status ?? 'unknown'}${wp.is_paused ? ', paused' : ''} (auth from ${authSource})`;
      poolResult = wp.is_paused
        ? fail(poolId, poolTitle, found, `the pool is paused and no flow run starts: resume it in the UI or \`prefect work-pool resume ${pool}\``)
        : pass(poolId, poolTitle, found);
    } else if (status === 401 || status === 403) {
      poolResult = fail(poolId, poolTitle, `GET ${poolUrl} → ${status} with the auth string from ${authSource}`,
        'the auth string does not match the server\'s PREFECT_SERVER_API_AUTH_STRING: both must come from the same secret; redeploy the server after rotating it');
    } else if (status === 404) {
      poolResult = fail(poolId, poolTitle, `GET ${poolUrl} → 404: no such pool`, 'create it with the flows-deployer (it ensures the ECS work pool), or fix prefect.workPool in the config');
    } else {
      poolResult = fail(poolId, poolTitle, `GET ${poolUrl} → ${status}`, 'read `platform-ops logs --service api`');
    }
  } catch (err) {
    poolResult = fail(poolId, poolTitle, `GET ${poolUrl}: ${noAnswer(err).why}`, 'the API stopped answering: run doctor again and read `platform-ops logs --service api`');
  }
  if (!poolRead) {
    return [health, poolResult, fail(workerId, workerTitle, 'not checked: the work pool could not be read', poolResult.fix as string)];
  }

  const workersUrl = `${poolUrl}/workers/filter`;
  try {
    const { data: workers, response } = await api.client.POST('/work_pools/{work_pool_name}/workers/filter', {
      params: { path: { work_pool_name: pool } },
      body: { offset: 0, limit: 100 },
    });
    if (response.status !== 200 || !Array.isArray(workers)) {
      return [health, poolResult, fail(workerId, workerTitle, `POST ${workersUrl} → ${response.status}`, 'read `platform-ops logs --service api`')];
    }
    return [health, poolResult, judgeWorkers(workers, pool, (ctx.now ?? (() => new Date()))())];
  } catch (err) {
    return [health, poolResult, fail(workerId, workerTitle, `POST ${workersUrl}: ${noAnswer(err).why}`, 'the API stopped answering: run doctor again')];
  }
}

/** Whether a worker heartbeat is recent: within three of its own intervals (Prefect's offline rule). */
export function judgeWorkers(workers: readonly WorkerHeartbeat[], pool: string, now: Date): CheckResult {
  const id = 'prefect-worker-heartbeat';
  const title = `pool ${pool} has a worker with a recent heartbeat`;
  const fixNone = 'start the worker service (see its ECS checks); if it runs, `platform-ops logs --service worker` shows `ConnectError` when it cannot reach '
    + 'PREFECT_API_URL (worker security group egress, the ALB, the URL) and 401 when its auth string is wrong';
  if (workers.length === 0) return fail(id, title, 'no worker has joined the pool', fixNone);
  const aged = workers
    .map((w) => ({ w, age: w.last_heartbeat_time ? (now.getTime() - new Date(w.last_heartbeat_time).getTime()) / 1000 : Infinity }))
    .sort((a, b) => a.age - b.age);
  const describe = ({ w, age }: { w: WorkerHeartbeat; age: number }) => `${w.name} ${w.status ?? ''} heartbeat ${Number.isFinite(age) ? formatAge(age) : 'never'}`.replace(/\s+/g, ' ');
  const recent = aged.filter(({ w, age }) => age <= MISSED_HEARTBEATS * (w.heartbeat_interval_seconds ?? DEFAULT_HEARTBEAT_SECONDS));
  if (recent.length > 0) return pass(id, title, `${recent.length} of ${workers.length} recent: ${describe(recent[0])}`);
  return fail(id, title, `no recent heartbeat: ${aged.slice(0, 3).map(describe).join(', ')}`, fixNone);
}

/** `42 s ago`, `12 min ago`, `3 h ago`. */
export function formatAge(seconds: number): string {
  if (seconds < 0) return 'in the future (clock skew)';
  if (seconds < 120) return `${Math.round(seconds)} s ago`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min ago`;
  return `${Math.floor(seconds / 3600)} h ago`;
}
