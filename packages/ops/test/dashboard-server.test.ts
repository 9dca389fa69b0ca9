import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardServer, PlatformSnapshot, startDashboardServer } from '../src/dashboard';

/** A stand-in upstream that records what reaches it (the real Prefect API is exercised in the browser test). */
interface Recorded { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }

const AUTH = 'prefect:s3cret-value';

describe('the dashboard server', () => {
  const received: Recorded[] = [];
  let upstream: http.Server;
  let upstreamUrl: string;
  let dashboard: DashboardServer;
  let snapshots = 0;
  const webRoot = mkdtempSync(join(tmpdir(), 'dashboard-web-'));

  const request = (path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) =>
    fetch(`${dashboard.url}${path}`, { method: init.method ?? 'GET', body: init.body, headers: init.headers, redirect: 'manual' });

  beforeAll(async () => {
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><div id="app"></div>');
    writeFileSync(join(webRoot, 'assets', 'index-abc.js'), 'console.log(1)');
    upstream = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.url === '/api/work_pools/missing') {
          res.writeHead(401, { 'www-authenticate': 'Basic realm="prefect"', 'content-type': 'application/json' });
          res.end('{"exception_message":"Unauthorized"}');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'a=b' });
        res.end(JSON.stringify({ echoed: req.url }));
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/api`;
    const snapshot = { env: 'dev', region: 'eu-west-2' } as PlatformSnapshot;
    dashboard = await startDashboardServer({
      port: 0,
      webRoot,
      api: { upstream: upstreamUrl, authString: AUTH, timeoutMs: 5000 },
      prefectUiUrl: 'https://prefect.example.com',
      snapshot: async () => {
        snapshots++;
        return snapshot;
      },
    });
  });

  afterAll(async () => {
    await dashboard.close();
    await new Promise<void>((r) => upstream.close(() => r()));
  });

  beforeEach(() => {
    received.length = 0;
  });

  it('adds the API auth header itself and drops the browser\'s credentials', async () => {
    const res = await request('/api/deployments/filter?x=1', {
      method: 'POST', body: '{"limit":5}', headers: { 'content-type': 'application/json', 'authorization': 'Bearer from-browser', 'cookie': 'session=1' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ echoed: '/api/deployments/filter?x=1' });
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', url: '/api/deployments/filter?x=1', body: '{"limit":5}' });
    expect(received[0].headers.authorization).toBe(`Basic ${Buffer.from(AUTH).toString('base64')}`);
    expect(received[0].headers.cookie).toBeUndefined();
  });

  it('refuses a write with 403 and a clear body, and nothing reaches the API', async () => {
    const res = await request('/api/work_pools/blog-data-pool', { method: 'PATCH', body: '{"is_paused":true}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ detail: 'the dashboard is read-only: PATCH /api/work_pools/blog-data-pool would change the environment' });
    expect(received).toHaveLength(0);
  });

  it('never passes an upstream basic-auth challenge to the browser', async () => {
    const res = await request('/api/work_pools/missing');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBeNull();
  });

  it('refuses requests for another Host (DNS rebinding) before proxying', async () => {
    const port = new URL(dashboard.url).port;
    const status = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/api/health', headers: { host: `evil.example:${port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      }).on('error', reject);
    });
    expect(status).toBe(421);
    expect(received).toHaveLength(0);
  });

  it('serves the page for app routes, assets as immutable, and redirects /prefect/* to the Prefect UI', async () => {
    const page = await request('/some/route');
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<div id="app">');
    const asset = await request('/assets/index-abc.js');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const traversal = await request('/assets/..%2f..%2fetc%2fpasswd');
    expect(await traversal.text()).toContain('<div id="app">');
    const redirect = await request('/prefect/deployments/deployment/42?tab=Runs');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('https://prefect.example.com/deployments/deployment/42?tab=Runs');
  });

  it('builds /platform.json once per interval, again on ?refresh=1', async () => {
    const before = snapshots;
    expect(await (await request('/platform.json')).json()).toEqual({ env: 'dev', region: 'eu-west-2' });
    await request('/platform.json');
    expect(snapshots).toBe(before + 1);
    await request('/platform.json?refresh=1');
    expect(snapshots).toBe(before + 2);
  });

  it('answers 502 naming the API when it is unreachable, without the auth string', async () => {
    const closed = await startDashboardServer({
      port: 0, webRoot, api: { upstream: 'http://127.0.0.1:9/api', authString: AUTH, timeoutMs: 2000 }, snapshot: async () => ({}) as PlatformSnapshot,
    });
    try {
      const res = await fetch(`${closed.url}/api/health`);
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(text).toContain('cannot reach the Prefect API at http://127.0.0.1:9');
      expect(text).not.toContain('s3cret');
    } finally {
      await closed.close();
    }
  });

  it('refuses to start without a built page, saying how to build it', async () => {
    await expect(startDashboardServer({ port: 0, webRoot: join(webRoot, 'nope'), api: { upstream: upstreamUrl, timeoutMs: 1000 }, snapshot: async () => ({}) as PlatformSnapshot }))
      .rejects.toThrow('the dashboard page is not built');
  });
});
