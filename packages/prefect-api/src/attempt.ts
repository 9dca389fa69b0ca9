import { formatSeconds } from './budget';
import { classifyFetchError, RequestFailure } from './failures';

/** When one request must be over, and whether that limit is the request's own or the run's. */
export interface Deadline {
  /** Epoch milliseconds. */
  readonly at: number;
  readonly kind: 'timeout' | 'budget';
  /** The limit's length, for messages. */
  readonly limitMs: number;
}

/** A usable answer (any status), or why there is none. */
export type AttemptOutcome = { readonly response: Response } | { readonly failure: Pick<RequestFailure, 'kind' | 'detail' | 'error'> };

/** Statuses whose responses carry no body (the Response constructor rejects one). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * One HTTP exchange under a deadline that covers connecting, the headers AND the body: fetch's
 * own signal stops at the headers, so the body is read here, inside the same deadline, instead
 * of later by the caller. A 2xx body must be complete JSON (openapi-fetch parses it as such), so
 * a truncated or garbled answer is a failure here, where it can be retried, not a parse error later.
 */
export async function attemptRequest(
  doFetch: typeof fetch,
  url: string,
  init: { readonly method: string; readonly headers: Headers; readonly body?: ArrayBuffer },
  deadline: Deadline,
  now: () => number,
): Promise<AttemptOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, deadline.at - now()));
  let phase: 'headers' | 'body' = 'headers';
  let received = 0;
  try {
    const res = await doFetch(url, { method: init.method, headers: init.headers, body: init.body, signal: controller.signal });
    phase = 'body';
    const chunks: Uint8Array[] = [];
    if (res.body) {
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        received += value.byteLength;
      }
    }
    const bytes = Buffer.concat(chunks);
    if (res.ok && !NULL_BODY_STATUSES.has(res.status) && bytes.length > 0) {
      try {
        JSON.parse(bytes.toString('utf8'));
      } catch (err) {
        return { failure: { kind: 'malformed', detail: `HTTP ${res.status} body is not valid JSON (${(err as Error).message}; ${bytes.length} bytes)`, error: err } };
      }
    }
    const headers = new Headers(res.headers);
    if (headers.has('content-encoding')) {
      // The bytes are already decoded; the headers must describe what the caller gets.
      headers.delete('content-encoding');
      headers.set('content-length', String(bytes.length));
    }
    const response = new Response(NULL_BODY_STATUSES.has(res.status) ? null : bytes, { status: res.status, statusText: res.statusText, headers });
    // A constructed Response has no URL; error messages name it.
    Object.defineProperty(response, 'url', { value: res.url || url });
    return { response };
  } catch (error) {
    if (controller.signal.aborted) return { failure: { kind: deadline.kind, detail: deadlineDetail(deadline, phase, received), error } };
    return { failure: { ...classifyFetchError(error, phase, received), error } };
  } finally {
    clearTimeout(timer);
  }
}

function deadlineDetail(deadline: Deadline, phase: 'headers' | 'body', received: number): string {
  const limit = formatSeconds(deadline.limitMs);
  if (deadline.kind === 'budget') {
    return `its ${limit} ended while ${phase === 'headers' ? 'waiting for response headers' : `reading the body (${received} bytes received)`}`;
  }
  return phase === 'headers' ? `no response headers within ${limit}` : `the body was not complete within ${limit} (${received} bytes received)`;
}
