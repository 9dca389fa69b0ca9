import { formatSeconds } from './budget';
import { isErrorLike, messageOf } from './errors';

/**
 * Why a request got no usable answer. Each kind has its own cause and fix, so messages never
 * blame the network for a garbled body or a timeout:
 * - `timeout`: the request's deadline passed (no headers, or a body that stopped coming);
 * - `budget`: the run's time budget ran out;
 * - `unreachable`: no connection (refused, no route, DNS, connect timed out);
 * - `connection-lost`: the connection broke mid-request (reset, closed before the body ended);
 * - `malformed`: an answer arrived but cannot be used (truncated or invalid JSON, wrong length).
 */
export type FailureKind = 'timeout' | 'budget' | 'unreachable' | 'connection-lost' | 'malformed';

/** One failed request, as data: what the error messages and callers (doctor) read. */
export interface RequestFailure {
  readonly kind: FailureKind;
  readonly method: string;
  readonly url: string;
  /** The cause in a few words: `no response headers within 60 s`, `connection refused (ECONNREFUSED)`. */
  readonly detail: string;
  /** Attempts made, the failing one included. */
  readonly attempts: number;
  /** From the first attempt to giving up. */
  readonly elapsedMs: number;
  /** The underlying error, if any. */
  readonly error?: unknown;
}

/** Connection-level failures that leave the server untouched or the answer lost: worth another attempt. */
export function isRetryableFailure(kind: FailureKind): boolean {
  return kind === 'unreachable' || kind === 'connection-lost' || kind === 'malformed';
}

const UNREACHABLE = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENETDOWN|UND_ERR_CONNECT_TIMEOUT|ETIMEDOUT)$/;
const LOST = /^(ECONNRESET|EPIPE|ECONNABORTED|UND_ERR_SOCKET|UND_ERR_CLOSED|UND_ERR_ABORTED)$/;

/** The errno or undici code of a fetch error (undici wraps socket errors as `TypeError('fetch failed', { cause })`). */
export function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; isErrorLike(e) && depth < 4; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/**
 * Classifies an error thrown by fetch or by reading the body; `phase` says which, `received`
 * how many body bytes had arrived.
 */
export function classifyFetchError(err: unknown, phase: 'headers' | 'body', received: number): Pick<RequestFailure, 'kind' | 'detail'> {
  const code = errorCode(err) ?? '';
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') {
    return { kind: 'malformed', detail: `the body did not match its Content-Length (${received} bytes received)` };
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return { kind: 'timeout', detail: `the HTTP client gave up waiting (${code})` };
  if (phase === 'headers' && UNREACHABLE.test(code)) return { kind: 'unreachable', detail: `${describeConnectError(code)} (${code})` };
  if (LOST.test(code) || messageOf(err).includes('terminated') || phase === 'body') {
    const when = phase === 'headers' ? 'before any answer' : `after ${received} bytes of the body`;
    return { kind: 'connection-lost', detail: `the connection was ${code === 'ECONNRESET' ? 'reset' : 'closed'} ${when}${code ? ` (${code})` : ''}` };
  }
  return { kind: 'unreachable', detail: messageOf(err) };
}

function describeConnectError(code: string): string {
  switch (code) {
    case 'ECONNREFUSED': return 'connection refused';
    case 'ENOTFOUND': case 'EAI_AGAIN': return 'the host name does not resolve';
    case 'UND_ERR_CONNECT_TIMEOUT': case 'ETIMEDOUT': return 'the connection timed out';
    default: return 'no route to the server';
  }
}

/** Options that shape the wording: which settings the user can change. */
export interface FailureWording {
  /** The setting that bounds one request, e.g. `PREFECT_API_REQUEST_TIMEOUT`. */
  readonly timeoutSetting?: string;
  /** The setting that bounds the run, e.g. `FLOWS_DEPLOYER_TIME_BUDGET`. */
  readonly budgetSetting?: string;
}

/** The summary (`what`) and the fix of a failure, for a one-line error. */
export function describeFailure(f: RequestFailure, wording: FailureWording = {}): { summary: string; fix: string } {
  const tries = f.attempts > 1 ? ` (${f.attempts} attempts in ${formatSeconds(f.elapsedMs)})` : '';
  switch (f.kind) {
    case 'timeout':
      return {
        summary: `the Prefect API did not answer in time: ${f.detail}${tries}`,
        fix: `the server or the path to it hangs: check the server's health and logs (\`platform-ops doctor\`)${wording.timeoutSetting ? `; ${wording.timeoutSetting} sets this limit` : ''}`,
      };
    case 'budget':
      return {
        summary: `the run's time budget ran out: ${f.detail}${tries}`,
        fix: `find what is slow (the retries reported above, the server's logs)${wording.budgetSetting ? `, or raise ${wording.budgetSetting}` : ''}`,
      };
    case 'unreachable':
      return {
        summary: `cannot reach the Prefect API: ${f.detail}${tries}`,
        fix: 'check PREFECT_API_URL, the security group between this task and the server, and that the server is running',
      };
    case 'connection-lost':
      return {
        summary: `the connection to the Prefect API broke: ${f.detail}${tries}`,
        fix: 'the server restarted or a proxy cut the connection: check the server\'s ECS service events and logs, and the load balancer',
      };
    case 'malformed':
      return {
        summary: `the Prefect API sent a malformed answer: ${f.detail}${tries}`,
        fix: 'a proxy or the server cut or garbled the answer: check the load balancer and the server\'s logs',
      };
  }
}
