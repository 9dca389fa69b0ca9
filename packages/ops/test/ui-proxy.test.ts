import { createServer, IncomingMessage, request, Server } from 'node:http';
import { connect, Socket } from 'node:net';
import { freeLoopbackPort, UserError } from '@blog-data/cli-kit';
import { startUiProxy, UiProxy, withApiUrl } from '../src/ui-proxy';

/** The server's answer, as prefect 3.8.3's `ui_settings()` builds it with the task definition's PREFECT_UI_API_URL. */
const SETTINGS = {
  api_url: 'http://localhost:4200/api', csrf_enabled: false, auth: null, flags: [], default_ui: 'v1', available_uis: ['v1'], v1_base_url: '/', v2_base_url: null,
};

/** A stand-in for the far end of the port forward: settings, an echo, and a websocket-like upgrade that echoes. */
function fakeServer(): Server {
  const server = createServer((req, res) => {
    if (req.url === '/ui-settings') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-from': 'server' });
      res.end(JSON.stringify(SETTINGS));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'text/plain', 'x-from': 'server' });
      res.end(`${req.method} ${req.url} ${Buffer.concat(chunks).toString()}`);
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${String(req.headers.upgrade)}\r\nConnection: Upgrade\r\n\r\n`);
    socket.on('data', (data: Buffer) => socket.write(`echo:${data.toString()}`));
    // The server's sockets stay half open after the peer's end unless ended: end it with the peer.
    socket.on('end', () => socket.end());
  });
  return server;
}

/** One request and its whole answer. */
interface Answer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly text: string;
}

function call(port: number, method: string, path: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the UI proxy of platform-ops connect --local-port', () => {
  let server: Server;
  let upstreamPort: number;
  let proxy: UiProxy;
  let listenPort: number;

  beforeAll(async () => {
    server = fakeServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    upstreamPort = (server.address() as { port: number }).port;
    listenPort = await freeLoopbackPort();
    proxy = await startUiProxy({ listenPort, upstreamPort });
  });

  afterAll(async () => {
    await proxy.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('tells the UI its API is behind the proxy\'s own port, and keeps every other setting', async () => {
    const answer = await call(listenPort, 'GET', '/ui-settings');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({ ...SETTINGS, api_url: `http://localhost:${listenPort}/api` });
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.text)));
    expect(answer.headers['x-from']).toBe('server');
    expect(proxy.url).toBe(`http://localhost:${listenPort}`);
  });

  it('passes every other request through unchanged: method, path, body, status and headers', async () => {
    expect(await call(listenPort, 'POST', '/api/flows/filter', '{"limit":1}')).toMatchObject({ status: 200, text: 'POST /api/flows/filter {"limit":1}' });
    expect(await call(listenPort, 'GET', '/missing')).toMatchObject({ status: 404, text: 'GET /missing ' });
  });

  it('passes websocket upgrades through both ways (the UI\'s event and log streams)', async () => {
    const socket = connect(listenPort, '127.0.0.1');
    const received: string[] = [];
    socket.on('data', (d: Buffer) => received.push(d.toString()));
    socket.write('GET /api/events/out HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    await waitFor(() => received.join('').includes('101 Switching Protocols'));
    socket.write('ping');
    await waitFor(() => received.join('').includes('echo:ping'));
    socket.destroy();
  });

  it('answers 502 naming the port forward when the server end is gone', async () => {
    const gone = await freeLoopbackPort();
    const port = await freeLoopbackPort();
    const lonely = await startUiProxy({ listenPort: port, upstreamPort: gone });
    try {
      const answer = await call(port, 'GET', '/api/health');
      expect(answer.status).toBe(502);
      expect(answer.text).toContain('port forward to the Prefect server failed');
    } finally {
      await lonely.close();
    }
  });

  it('refuses a local port in use with one line naming --local-port', async () => {
    const error = await startUiProxy({ listenPort, upstreamPort }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(`local port ${listenPort} is in use (--local-port): pick a free port, or stop what listens there`);
  });

  it('leaves an answer that is not a settings object as it is', () => {
    expect(withApiUrl(Buffer.from('<html>'), 'http://x/api').toString()).toBe('<html>');
    expect(withApiUrl(Buffer.from('[1]'), 'http://x/api').toString()).toBe('[1]');
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(condition()).toBe(true);
}
