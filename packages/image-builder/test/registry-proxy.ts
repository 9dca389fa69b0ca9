import { createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP proxy in front of a test registry: a subclass answers some requests itself
 * (to play a failure, or another registry's rules) and {@link forward}s the rest.
 */
export abstract class RegistryProxy {
  private server?: Server;
  protected readonly upstreamHost: string;
  protected readonly upstreamPort: number;

  /** `upstream`: the registry's `host:port`. */
  constructor(upstream: string) {
    const [host, port] = upstream.split(':');
    this.upstreamHost = host;
    this.upstreamPort = Number(port);
  }

  /** Listens on a free loopback port; returns `127.0.0.1:port` (plain HTTP, as Docker treats loopback). */
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      Promise.resolve(this.handle(req, res)).catch(() => res.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;

  /**
   * Passes the request on unchanged, Host too, so the upload Locations the registry returns point
   * back here; `body` when the subclass has already read it.
   */
  protected forward(req: IncomingMessage, res: ServerResponse, body?: Buffer): void {
    forwardRequest(req, res, { host: this.upstreamHost, port: this.upstreamPort }, body);
  }
}

/**
 * Sends a request on to `upstream` over plain HTTP, unchanged, and its answer back (the test
 * proxies' pass-through); `body` when the caller has already read it. No answer: the connection is cut.
 */
export function forwardRequest(req: IncomingMessage, res: ServerResponse, upstream: { host: string; port: number | string }, body?: Buffer): void {
  const target = { host: upstream.host, port: upstream.port, method: req.method, path: req.url, headers: req.headers };
  const sent = request(target, (answered) => {
    res.writeHead(answered.statusCode ?? 502, answered.headers);
    answered.pipe(res);
  });
  sent.on('error', () => res.destroy());
  if (body) sent.end(body);
  else req.pipe(sent);
}
