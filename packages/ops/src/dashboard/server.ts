import { createReadStream, existsSync, statSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { messageOf, UserError } from '@blog-data/cli-kit';
import type { PlatformSnapshot } from './platform-snapshot';
import { ApiProxyOptions, proxyApiRequest, sendJson } from './proxy';

/** What the dashboard server serves. */
export interface DashboardServerOptions {
  /** Interface to listen on; loopback by default, since the server holds the API credentials. */
  readonly host?: string;
  /** Port; 0 picks a free one. */
  readonly port: number;
  /** The built page (lib/dashboard-web). */
  readonly webRoot: string;
  /** `/api/*` goes here. */
  readonly api: ApiProxyOptions;
  /** Builds `/platform.json`; called at most once per `snapshotTtlMs`. */
  readonly snapshot: () => Promise<PlatformSnapshot>;
  /** How long a snapshot is reused, ms (doctor takes seconds). Default 30 s. */
  readonly snapshotTtlMs?: number;
  /** The Prefect UI's base URL; `/prefect/*` redirects there. */
  readonly prefectUiUrl?: string;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * Serves the page, `/platform.json`, the read-only `/api` proxy and redirects of `/prefect/*` to the
 * Prefect UI. Requests whose Host is not the server's own are refused: the proxy adds credentials,
 * so a page on another site must not reach it through DNS rebinding.
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const index = join(options.webRoot, 'index.html');
  if (!existsSync(index)) {
    throw new UserError('the dashboard page is not built', `${index} is missing`, 'run `pnpm nx run ops:build`');
  }
  const ttl = options.snapshotTtlMs ?? 30_000;
  let cached: { at: number; value: Promise<PlatformSnapshot> } | undefined;
  const snapshot = (refresh: boolean): Promise<PlatformSnapshot> => {
    if (refresh || !cached || Date.now() - cached.at > ttl) {
      cached = { at: Date.now(), value: options.snapshot() };
      // A failed build is not cached.
      cached.value.catch(() => { cached = undefined; });
    }
    return cached.value;
  };

  let allowedHosts: Set<string> = new Set();
  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, { detail: messageOf(err) });
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      req.resume();
      return sendJson(res, 421, { detail: `unexpected Host header ${JSON.stringify(req.headers.host ?? '')}: open the dashboard at ${url}` });
    }
    const path = (req.url ?? '/').replace(/^\/+/, '/');
    if (path === '/api' || path.startsWith('/api/') || path.startsWith('/api?')) {
      return proxyApiRequest(req, res, path.slice('/api'.length) || '/', options.api);
    }
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      req.resume();
      return sendJson(res, 405, { detail: `${method} is not served here: the dashboard is read-only` });
    }
    const pathname = decodeURIComponent(path.split('?')[0]);
    if (pathname === '/platform.json') {
      return sendJson(res, 200, await snapshot(path.includes('refresh=1')));
    }
    if (pathname === '/prefect' || pathname.startsWith('/prefect/')) {
      if (!options.prefectUiUrl) return sendJson(res, 404, { detail: 'the Prefect UI URL is unknown (no prefect_url output)' });
      res.writeHead(302, { location: options.prefectUiUrl + path.slice('/prefect'.length) });
      return void res.end();
    }
    return serveStatic(res, options.webRoot, pathname, index);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}`;
  allowedHosts = new Set([`${shownHost}:${address.port}`, `localhost:${address.port}`, `127.0.0.1:${address.port}`]);
  return {
    url,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A file of the built page; any other path gets the page itself (the router decides). */
function serveStatic(res: http.ServerResponse, root: string, pathname: string, index: string): void {
  const file = normalize(join(root, pathname));
  const inside = file.startsWith(root.endsWith(sep) ? root : root + sep);
  const target = inside && existsSync(file) && statSync(file).isFile() ? file : index;
  const immutable = target !== index && pathname.startsWith('/assets/');
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(target)] ?? 'application/octet-stream',
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  createReadStream(target).pipe(res);
}
