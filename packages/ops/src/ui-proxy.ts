import { Agent, createServer, IncomingMessage, request, Server, ServerResponse } from 'node:http';
import { connect, Socket } from 'node:net';
import { UserError } from '@blog-data/cli-kit';

/**
 * The Prefect UI asks the server where its API is: `GET /ui-settings` answers `api_url`, the
 * server's `PREFECT_UI_API_URL` (prefect 3.8.3 `src/prefect/server/api/server.py`, `ui_settings()`
 * on the v1 base URL's `ui-settings` path). The task definition sets it to the tunnel's
 * `http://localhost:4200/api`, so a UI reached through another local port would call 4200.
 */
const UI_SETTINGS_PATH = /^\/ui-settings(\?|$)/;

/** Options of {@link startUiProxy}. */
export interface UiProxyOptions {
  /** The local port the browser uses (`--local-port`). */
  readonly listenPort: number;
  /** The local end of the port forward to the server. */
  readonly upstreamPort: number;
}

/** A running proxy; `close` stops it and its connections. */
export interface UiProxy {
  /** `http://localhost:<listenPort>`: where the UI is. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * An HTTP proxy on `listenPort` (loopback) in front of the port forward: every request and
 * websocket upgrade passes through unchanged, except that `/ui-settings` answers with `api_url`
 * on the proxy's own address, so the UI calls its API through the port it was opened on.
 */
export async function startUiProxy(options: UiProxyOptions): Promise<UiProxy> {
  const url = `http://localhost:${options.listenPort}`;
  const sockets = new Set<Socket>();
  // Its own connection pool, so that closing the proxy closes its connections to the server too.
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => forward(req, res, { port: options.upstreamPort, agent }, `${url}/api`));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => tunnel(req, client, head, options.upstreamPort, sockets));
  await listen(server, options.listenPort);
  return {
    url,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(err.code === 'EADDRINUSE'
        ? new UserError(`local port ${port} is in use`, '--local-port', 'pick a free port, or stop what listens there')
        : err);
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

/** One request to the server through the port forward; the UI settings get the proxy's API URL. */
function forward(req: IncomingMessage, res: ServerResponse, upstream: { readonly port: number; readonly agent: Agent }, apiUrl: string): void {
  const rewrite = req.method === 'GET' && UI_SETTINGS_PATH.test(req.url ?? '');
  // No compression for the one answer that is rewritten: it is read as JSON here.
  const headers = rewrite ? { ...req.headers, 'accept-encoding': 'identity' } : req.headers;
  const call = request({ host: '127.0.0.1', port: upstream.port, agent: upstream.agent, method: req.method, path: req.url, headers }, (answer) => {
    if (!rewrite || answer.statusCode !== 200) {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      return;
    }
    const chunks: Buffer[] = [];
    answer.on('data', (chunk: Buffer) => chunks.push(chunk));
    answer.on('end', () => {
      const body = withApiUrl(Buffer.concat(chunks), apiUrl);
      const { 'transfer-encoding': _chunked, 'content-length': _length, ...kept } = answer.headers;
      res.writeHead(200, { ...kept, 'content-length': String(body.length) });
      res.end(body);
    });
  });
  call.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`port forward to the Prefect server failed: ${err.message}\n`);
  });
  req.pipe(call);
}

/** The settings JSON with `api_url` replaced; anything that is not a JSON object passes unchanged. */
export function withApiUrl(body: Buffer, apiUrl: string): Buffer {
  try {
    const settings = JSON.parse(body.toString('utf8')) as unknown;
    if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) return body;
    return Buffer.from(JSON.stringify({ ...settings, api_url: apiUrl }));
  } catch {
    return body;
  }
}

/** A websocket (the UI's event and log streams): the raw connection, both ways. */
function tunnel(req: IncomingMessage, client: Socket, head: Buffer, upstreamPort: number, sockets: Set<Socket>): void {
  const upstream = connect(upstreamPort, '127.0.0.1', () => {
    const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  sockets.add(upstream);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  upstream.on('close', () => sockets.delete(upstream));
  upstream.on('error', end);
  client.on('error', end);
  upstream.on('close', end);
  client.on('close', end);
}
