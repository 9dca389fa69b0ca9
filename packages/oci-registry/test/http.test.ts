import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpTransportError, send } from '../src/http';

/** A loopback server answering with `handler`; resolves its base URL. */
async function serve(servers: Server[], handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('registry transport (node:http)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => {
      s.closeAllConnections();
      s.close(r);
    })));
  });

  it('follows redirects as fetch does: Authorization kept on the same origin, dropped for another', async () => {
    const seen: { where: string; headers: IncomingHttpHeaders }[] = [];
    const storage = await serve(servers, (req, res) => {
      seen.push({ where: 'storage', headers: req.headers });
      res.end('blob');
    });
    const registry = await serve(servers, (req, res) => {
      seen.push({ where: req.url ?? '', headers: req.headers });
      if (req.url === '/first') res.writeHead(307, { Location: '/second' }).end();
      else res.writeHead(302, { Location: `${storage}/object?signed=1` }).end();
    });
    const answer = await send(`${registry}/first`, { headers: { Authorization: 'Basic c2VjcmV0' }, timeoutMs: 5000 });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe('blob');
    expect(seen.map((s) => [s.where, s.headers.authorization])).toEqual([
      ['/first', 'Basic c2VjcmV0'],
      ['/second', 'Basic c2VjcmV0'],
      ['storage', undefined],
    ]);
  });

  it('returns the redirect itself when asked to (manual), and sends a body with its length', async () => {
    let received = '';
    const registry = await serve(servers, (req, res) => {
      req.on('data', (c: Buffer) => (received += c.toString()));
      req.on('end', () => res.writeHead(303, { 'Location': '/elsewhere', 'Content-Length': '0' }).end());
    });
    const answer = await send(`${registry}/put`, { method: 'PUT', body: Buffer.from('{"a":1}'), redirect: 'manual', timeoutMs: 5000 });
    expect(answer.status).toBe(303);
    expect(answer.headers.get('Location')).toBe('/elsewhere');
    expect(received).toBe('{"a":1}');
  });

  it('gives up on a registry that does not answer in time, as a transport error', async () => {
    const silent = await serve(servers, () => undefined);
    const error = await send(`${silent}/v2/`, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpTransportError);
    expect((error as HttpTransportError).reason).toBe('timeout');
  });
});
