import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { UserError } from '@blog-data/cli-kit';
import { engineClient, engineRequestError } from '../src/engine';
import { encodeAuth, EngineAddressError, EngineApiError, EngineClient, engineEndpoint } from '../src/engine-api';

describe('DOCKER_HOST', () => {
  it.each([
    [{}, { address: 'unix:///var/run/docker.sock', socketPath: '/var/run/docker.sock' }],
    [{ DOCKER_HOST: ' unix:///tmp/d.sock ' }, { address: 'unix:///tmp/d.sock', socketPath: '/tmp/d.sock' }],
    [{ DOCKER_HOST: 'tcp://10.0.0.5:2375' }, { address: 'tcp://10.0.0.5:2375', host: '10.0.0.5', port: 2375 }],
    [{ DOCKER_HOST: 'tcp://engine' }, { address: 'tcp://engine', host: 'engine', port: 2375 }],
    [{ DOCKER_HOST: 'tcp://[::1]:2375/' }, { address: 'tcp://[::1]:2375/', host: '::1', port: 2375 }],
  ])('reads %j as the Docker CLI does', (env, expected) => {
    expect(engineEndpoint(env)).toEqual(expected);
  });

  it('uses TLS with the certificates of DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set (port 2376 by default)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ib-certs-'));
    try {
      for (const name of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(path.join(dir, name), `${name} bytes`);
      const endpoint = engineEndpoint({ DOCKER_HOST: 'tcp://engine.example', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
      expect(endpoint).toMatchObject({ host: 'engine.example', port: 2376 });
      expect(endpoint.tls?.ca.toString()).toBe('ca.pem bytes');
      expect(endpoint.tls?.key.toString()).toBe('key.pem bytes');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the certificate file it cannot read', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ib-certs-'));
    try {
      expect(() => engineEndpoint({ DOCKER_HOST: 'tcp://e:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }))
        .toThrow(EngineAddressError);
      const error = (() => {
        try {
          engineEndpoint({ DOCKER_HOST: 'tcp://e:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir });
        } catch (err) {
          return err as EngineAddressError;
        }
        return undefined;
      })();
      expect(error?.fix).toContain(`${path.join(dir, 'ca.pem')} cannot be read`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an address it cannot use with a usage error naming DOCKER_HOST', () => {
    let error: unknown;
    try {
      engineClient({ DOCKER_HOST: 'ssh://me@engine' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).kind).toBe('usage');
    expect((error as UserError).message).toBe('unsupported DOCKER_HOST "ssh://me@engine" (DOCKER_HOST): write unix:///path/to/docker.sock or tcp://host:port');
  });

  it('says where it connects as DOCKER_HOST would (not a function or an object)', () => {
    expect(engineClient({ DOCKER_HOST: 'unix:///tmp/x.sock' }).address).toBe('unix:///tmp/x.sock');
    expect(engineClient({}).address).toBe('unix:///var/run/docker.sock');
  });
});

describe('X-Registry-Auth', () => {
  it('is URL-safe base64 JSON of the auth config with padding, as the Docker CLI (Go base64.URLEncoding) sends it', () => {
    const header = encodeAuth({ username: 'AWS', password: 'p+/=?>', serveraddress: '127.0.0.1:5000' });
    expect(header).not.toMatch(/[+/]/);
    expect(header.length % 4).toBe(0);
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ username: 'AWS', password: 'p+/=?>', serveraddress: '127.0.0.1:5000' });
  });
});

/**
 * A fake engine on a unix socket, for what the real engine cannot be made to do on
 * demand: answer a streamed upload early with an error, or see a request's raw headers.
 */
describe('engine client over a unix socket (fake engine)', () => {
  let dir: string;
  let server: Server;
  let handler: (req: IncomingMessage, res: ServerResponse) => void;
  let client: EngineClient;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ib-engine-'));
    mkdirSync(dir, { recursive: true });
    const socketPath = path.join(dir, 'engine.sock');
    server = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    client = new EngineClient(engineEndpoint({ DOCKER_HOST: `unix://${socketPath}` }));
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends the build parameters as the Engine API names them and streams the context as the body', async () => {
    let seen: { url?: string; type?: string; body?: string } = {};
    handler = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen = { url: req.url, type: req.headers['content-type'], body: Buffer.concat(chunks).toString() };
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"aux":{"ID":"sha256:1"}}\n');
      });
    };
    const response = await client.build(Readable.from(['tar ', 'bytes']), {
      dockerfile: 'sub/Dockerfile', platform: 'linux/amd64', buildargs: { A: '1 2' }, labels: { 'org.x': 'y' }, nocache: true,
    });
    const text = (await response.toArray()).join('');
    expect(text).toBe('{"aux":{"ID":"sha256:1"}}\n');
    const url = new URL(seen.url ?? '', 'http://docker');
    expect(url.pathname).toBe('/build');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      dockerfile: 'sub/Dockerfile', platform: 'linux/amd64', buildargs: '{"A":"1 2"}', labels: '{"org.x":"y"}', rm: '1', forcerm: '1', nocache: '1',
    });
    expect(seen.type).toBe('application/x-tar');
    expect(seen.body).toBe('tar bytes');
  });

  it('turns an error answer into the engine message, with its status, also while the context is still being sent', async () => {
    handler = (_req, res) => {
      // Answers at once, without reading the (endless) body, as the engine does for a bad parameter.
      res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"message":"Cannot locate specified Dockerfile: Dockerfile"}');
    };
    const endless = new PassThrough();
    const feeding = setInterval(() => endless.write(Buffer.alloc(64 * 1024)), 1);
    try {
      const error = await client.build(endless, { dockerfile: 'Dockerfile', platform: 'linux/amd64', buildargs: {}, labels: {} })
        .then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(EngineApiError);
      expect(error).toMatchObject({ statusCode: 500, message: 'Cannot locate specified Dockerfile: Dockerfile' });
      expect(engineRequestError(error, 'build', client.address, '/ctx').message).toBe('Dockerfile missing (/ctx): check --image and the Dockerfile name');
    } finally {
      clearInterval(feeding);
      endless.destroy();
    }
  });

  it('fails the request when the context stream fails (a file vanished while packing)', async () => {
    handler = (req) => req.resume();
    const broken = new PassThrough();
    const pending = client.build(broken, { dockerfile: 'Dockerfile', platform: 'linux/amd64', buildargs: {}, labels: {} });
    broken.write('partial');
    broken.destroy(Object.assign(new Error('ENOENT: no such file, open data/x'), { code: 'ENOENT' }));
    await expect(pending).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('sends the push credentials only in X-Registry-Auth and keeps the reference unescaped in the path', async () => {
    let seen: IncomingMessage | undefined;
    handler = (req, res) => {
      seen = req;
      res.writeHead(200).end('{"status":"ok"}\n');
    };
    await (await client.push('127.0.0.1:5000/team/app', 'src-1', { username: 'AWS', password: 'secret', serveraddress: '127.0.0.1:5000' })).toArray();
    expect(seen?.url).toBe('/images/127.0.0.1:5000/team/app/push?tag=src-1');
    expect(JSON.parse(Buffer.from(String(seen?.headers['x-registry-auth']), 'base64url').toString())).toMatchObject({ password: 'secret' });
    expect(seen?.url).not.toContain('secret');
  });

  it('cancels a build when its signal aborts: the connection closes, which stops the engine', async () => {
    let closed: Promise<void> | undefined;
    handler = (req, res) => {
      closed = new Promise((resolve) => res.on('close', () => resolve()));
      req.resume();
      res.writeHead(200);
      res.write('{"stream":"Step 1/2 : FROM x"}\n');
      // …and never ends: only the client's abort stops it.
    };
    const abort = new AbortController();
    const response = await client.build(Readable.from(['x']), { dockerfile: 'Dockerfile', platform: 'linux/amd64', buildargs: {}, labels: {} }, abort.signal);
    const reading = response.toArray();
    abort.abort();
    await expect(reading).rejects.toThrow();
    await closed;
    expect(closed).toBeDefined();
  });
});

describe('engine client over TLS (DOCKER_TLS_VERIFY)', () => {
  it('checks the engine certificate against the engine host of DOCKER_HOST, and names that host to it (SNI)', async () => {
    // A certificate for `localhost` only, acting as its own CA: what `docker-machine` and dockerd TLS setups hand out per host.
    const dir = mkdtempSync(path.join(tmpdir(), 'ib-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'pipe' });
    writeFileSync(path.join(dir, 'ca.pem'), readFileSync(path.join(dir, 'cert.pem')));
    const names: (string | false | null)[] = [];
    const server = createTlsServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) }, (req, res) => {
      names.push((req.socket as TLSSocket).servername);
      res.end('OK');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const client = new EngineClient(engineEndpoint({ DOCKER_HOST: `tcp://localhost:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }));
      await expect(client.ping()).resolves.toBeUndefined();
      expect(names).toEqual(['localhost']);
      // The same certificate is refused for a host it does not name.
      const other = new EngineClient(engineEndpoint({ DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir }));
      await expect(other.ping()).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('no engine', () => {
  it('names the socket and how to start an engine when nothing listens', async () => {
    const socket = path.join(tmpdir(), `ib-none-${process.pid}.sock`);
    const client = engineClient({ DOCKER_HOST: `unix://${socket}` });
    const error = await client.ping().then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'ENOENT' });
    expect(engineRequestError(error, 'ping', client.address).message).toBe(`no Docker engine reachable (ENOENT) (DOCKER_HOST=unix://${socket}): start the Docker engine, or set DOCKER_HOST to the one to use (e.g. unix:///var/run/docker.sock)`);
  });
});
