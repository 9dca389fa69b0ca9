import { Agent as HttpAgent, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** One HTTP exchange, as the registry client needs it. */
export interface HttpRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** `follow` (default): up to {@link MAX_REDIRECTS} redirects; `manual`: the 3xx answer is returned. */
  readonly redirect?: 'follow' | 'manual';
  /** For the whole exchange, redirects and body included. */
  readonly timeoutMs: number;
}

/** A complete answer: status, headers and the whole body (registry documents are small). */
export interface HttpResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };
  readonly body: Buffer;
  text(): Promise<string>;
}

/** A failed exchange: no answer (refused, DNS, TLS, reset, timeout); `reason` is the error code when there is one. */
export class HttpTransportError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'HttpTransportError';
  }
}

const MAX_REDIRECTS = 10;

// Connections are reused between the requests of one publish (a TLS handshake to ECR costs more
// than the request). Node unrefs idle pooled sockets, so the pool does not keep a CLI running.
const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };

/**
 * The registry client's transport over node:http/https. Not `fetch`: Node's fetch loads undici
 * and compiles its WebAssembly HTTP parser on first use, which costs a short CLI run (a no-op
 * publish) more CPU than all its requests, and V8 keeps optimising that code in the background
 * until the process exits. Redirects are followed the way fetch does: `Authorization` is not
 * sent to another origin (ECR redirects blob reads to pre-signed S3 URLs).
 */
export async function send(url: string, init: HttpRequest): Promise<HttpResponse> {
  const deadline = Date.now() + init.timeoutMs;
  let target = new URL(url);
  let method = init.method ?? 'GET';
  let body = init.body;
  let headers = { ...init.headers };
  for (let hop = 0; ; hop++) {
    const response = await exchange(target, method, headers, body, deadline - Date.now());
    const location = response.headers.get('location');
    if (init.redirect === 'manual' || !location || ![301, 302, 303, 307, 308].includes(response.status)) return response;
    if (hop >= MAX_REDIRECTS) throw new HttpTransportError(`more than ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, target);
    if (next.origin !== target.origin) headers = withoutHeader(headers, 'authorization');
    // As fetch does: 303 (and 301/302 after anything but GET/HEAD) continue as a GET without a body.
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method !== 'GET' && method !== 'HEAD')) {
      method = method === 'HEAD' ? 'HEAD' : 'GET';
      body = undefined;
      headers = withoutHeader(headers, 'content-type');
    }
    target = next;
  }
}

function exchange(url: URL, method: string, headers: Record<string, string>, body: Buffer | undefined, timeoutMs: number): Promise<HttpResponse> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new HttpTransportError(`unsupported protocol ${url.protocol}`));
  if (timeoutMs <= 0) return Promise.reject(new HttpTransportError('timeout'));
  return new Promise<HttpResponse>((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method,
      headers: body ? { ...headers, 'Content-Length': String(body.length) } : headers,
      agent: agents[url.protocol as keyof typeof agents],
    }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('error', (err) => fail(err));
      answer.on('end', () => {
        clearTimeout(timer);
        resolve(answerOf(answer.statusCode ?? 0, answer.headers, Buffer.concat(chunks)));
      });
    });
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(new HttpTransportError((err as { code?: string }).code ?? err.message));
    };
    const timer = setTimeout(() => request.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })), timeoutMs);
    request.on('error', fail);
    request.end(body);
  });
}

function answerOf(status: number, headers: IncomingHttpHeaders, body: Buffer): HttpResponse {
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: {
      get: (name) => {
        const value = headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    body,
    text: async () => body.toString('utf8'),
  };
}

function withoutHeader(headers: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== name));
}
