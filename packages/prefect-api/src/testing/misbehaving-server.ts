import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * How the server answers one request. Each is a failure seen between a deployer and a Prefect
 * server behind an ALB: a hung target, a proxy that cuts a response, a restart mid-answer, a
 * server that sheds load with 503s.
 */
export type Misbehaviour =
  /** A normal JSON answer. */
  | { readonly kind: 'json'; readonly status?: number; readonly body: unknown }
  /** Accepts the connection, then sends no headers for `delayMs` (default: never). */
  | { readonly kind: 'slow-headers'; readonly delayMs?: number }
  /** Sends headers and the first `sentBytes` of the body, then nothing for `delayMs` (default: never). */
  | { readonly kind: 'slow-body'; readonly body: unknown; readonly sentBytes?: number; readonly delayMs?: number }
  /** A complete HTTP answer whose JSON is cut after `keepBytes` (Content-Length matches what is sent). */
  | { readonly kind: 'truncated-json'; readonly body: unknown; readonly keepBytes?: number }
  /** Declares `Content-Length: declaredBytes` but sends the whole body and closes the connection. */
  | { readonly kind: 'wrong-content-length'; readonly body: unknown; readonly declaredBytes: number }
  /** Resets the TCP connection before any answer, or after the headers and `afterBodyBytes` of the body. */
  | { readonly kind: 'reset'; readonly afterBodyBytes?: number }
  /** 503 with FastAPI's body, optionally with `Retry-After`. */
  | { readonly kind: 'unavailable'; readonly retryAfter?: string };

/** What the n-th request (0-based) gets; after the script ends, its last entry repeats. */
export type MisbehaviourScript = readonly Misbehaviour[] | ((requestIndex: number) => Misbehaviour);

/**
 * A local HTTP server on 127.0.0.1 that misbehaves on purpose, one scripted answer per request,
 * to drive a client through the failures it must survive or report. Every connection it holds
 * open is destroyed on `stop()`, so a test never waits for a hung request to end.
 */
export class MisbehavingServer {
  /** Starts on a free loopback port. */
  static async start(script: MisbehaviourScript): Promise<MisbehavingServer> {
    const server = new MisbehavingServer(script);
    await new Promise<void>((resolve) => server.http.listen(0, '127.0.0.1', resolve));
    return server;
  }

  /** `METHOD /path` of each request, in arrival order. */
  readonly requests: string[] = [];
  private readonly http: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly script: MisbehaviourScript) {
    this.http = http.createServer((req, res) => this.answer(req, res));
    this.http.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** `http://127.0.0.1:<port>/api`, the shape of a Prefect API URL. */
  get apiUrl(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}/api`;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private next(): Misbehaviour {
    const index = this.requests.length - 1;
    if (typeof this.script === 'function') return this.script(index);
    return this.script[Math.min(index, this.script.length - 1)];
  }

  private later(ms: number | undefined, action: () => void): void {
    if (ms === undefined) return; // never
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      action();
    }, ms);
    this.timers.add(timer);
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push(`${req.method} ${req.url}`);
    req.resume();
    const step = this.next();
    const json = (body: unknown) => Buffer.from(JSON.stringify(body));
    switch (step.kind) {
      case 'json': {
        const body = json(step.body);
        res.writeHead(step.status ?? 200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
        return;
      }
      case 'slow-headers':
        this.later(step.delayMs, () => res.writeHead(200, { 'content-type': 'application/json' }).end('true'));
        return;
      case 'slow-body': {
        const body = json(step.body);
        const sent = step.sentBytes ?? Math.floor(body.length / 2);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.write(body.subarray(0, sent));
        this.later(step.delayMs, () => res.end(body.subarray(sent)));
        return;
      }
      case 'truncated-json': {
        const whole = json(step.body);
        const body = whole.subarray(0, step.keepBytes ?? Math.floor(whole.length / 2));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
        return;
      }
      case 'wrong-content-length': {
        const body = json(step.body);
        // Raw bytes on the socket: Node's own server refuses to send a body that disagrees with its header.
        const socket = res.socket as Socket;
        res.detachSocket(socket);
        socket.end(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${step.declaredBytes}\r\nconnection: close\r\n\r\n${body.toString()}`);
        return;
      }
      case 'reset': {
        const socket = res.socket as Socket;
        if (step.afterBodyBytes === undefined) {
          socket.resetAndDestroy();
          return;
        }
        const body = json({ padding: 'x'.repeat(step.afterBodyBytes * 2) });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
        res.write(body.subarray(0, step.afterBodyBytes), () => socket.resetAndDestroy());
        return;
      }
      case 'unavailable': {
        const body = json({ detail: 'Service Unavailable' });
        const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': body.length };
        if (step.retryAfter) headers['retry-after'] = step.retryAfter;
        res.writeHead(503, headers).end(body);
        return;
      }
    }
  }
}
