import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MANIFEST_ACCEPT, MEDIA_TYPES, parseManifest, registryBaseUrl, RegistryClient, selectPlatform } from '../src/registry';
import { verifyRemoteImage } from '../src/verify';

const sha = (body: string | Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

describe('manifest media types', () => {
  const image = (mediaType?: string) => JSON.stringify({
    schemaVersion: 2,
    ...(mediaType ? { mediaType } : {}),
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: 'sha256:c', size: 1 },
    layers: [{ digest: 'sha256:l', size: 2 }],
  });
  const index = (mediaType?: string) => JSON.stringify({
    schemaVersion: 2,
    ...(mediaType ? { mediaType } : {}),
    manifests: [
      { digest: 'sha256:arm', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { digest: 'sha256:amd', platform: { os: 'linux', architecture: 'amd64' } },
    ],
  });

  it.each([MEDIA_TYPES.dockerManifest, MEDIA_TYPES.ociManifest])('reads a single image manifest (%s)', (type) => {
    expect(parseManifest(image(type), `${type}; charset=utf-8`, 'sha256:m')).toEqual({
      kind: 'image', mediaType: type, digest: 'sha256:m', configDigest: 'sha256:c', layers: [{ digest: 'sha256:l', size: 2 }],
    });
  });

  it.each([MEDIA_TYPES.dockerManifestList, MEDIA_TYPES.ociIndex])('reads an index (%s) and picks linux/amd64 from it', (type) => {
    const parsed = parseManifest(index(type), type, 'sha256:i');
    expect(parsed.kind).toBe('index');
    expect(parsed.kind === 'index' && selectPlatform(parsed, 'linux', 'amd64')?.digest).toBe('sha256:amd');
  });

  it('recognises OCI documents without a mediaType field by their shape', () => {
    expect(parseManifest(index(), 'application/json', 'sha256:i').kind).toBe('index');
    expect(parseManifest(image(), null, 'sha256:m').kind).toBe('image');
  });

  it('refuses schema 1 manifests and non-JSON bodies', () => {
    expect(() => parseManifest(JSON.stringify({ schemaVersion: 1, fsLayers: [] }), 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'd'))
      .toThrow('registry returned an unsupported manifest');
    expect(() => parseManifest('<html>', 'text/html', 'd')).toThrow('registry returned a manifest that is not JSON');
  });

  it('asks for every manifest and index type', () => {
    for (const type of Object.values(MEDIA_TYPES)) expect(MANIFEST_ACCEPT).toContain(type);
  });

  it('uses http for loopback registries (as Docker does) and https otherwise', () => {
    expect(registryBaseUrl('127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
    expect(registryBaseUrl('localhost:5000/')).toBe('http://localhost:5000');
    expect(registryBaseUrl('123.dkr.ecr.eu-west-1.amazonaws.com')).toBe('https://123.dkr.ecr.eu-west-1.amazonaws.com');
    expect(registryBaseUrl('https://127.0.0.1:5000')).toBe('https://127.0.0.1:5000');
  });
});

/** A small in-process registry speaking the v2 API over real HTTP, with basic auth. */
describe('registry client against an HTTP registry', () => {
  let server: Server;
  let storage: Server;
  let storagePort = 0;
  let registry: string;
  const objects = new Map<string, { type: string; body: Buffer }>();
  const accepts: string[] = [];
  const puts: { path: string; type: string; body: string }[] = [];

  const configOf = (architecture: string) => Buffer.from(JSON.stringify({ os: 'linux', architecture, config: { Labels: { a: 'b' } } }));
  const amdConfig = configOf('amd64');
  const armConfig = configOf('arm64');
  const manifestFor = (config: Buffer) => Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
    layers: [],
  }));
  const amdManifest = manifestFor(amdConfig);
  const armManifest = manifestFor(armConfig);
  const indexOf = (...entries: [Buffer, string][]) => Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: entries.map(([m, architecture]) => ({ mediaType: MEDIA_TYPES.ociManifest, digest: sha(m), size: m.length, platform: { os: 'linux', architecture } })),
  }));

  function put(ref: string, type: string, body: Buffer) {
    objects.set(ref, { type, body });
  }

  beforeAll(async () => {
    put(`manifests/${sha(amdManifest)}`, MEDIA_TYPES.ociManifest, amdManifest);
    put(`manifests/${sha(armManifest)}`, MEDIA_TYPES.ociManifest, armManifest);
    put('manifests/amd', MEDIA_TYPES.ociManifest, amdManifest);
    put('manifests/arm', MEDIA_TYPES.ociManifest, armManifest);
    put('manifests/multi', MEDIA_TYPES.ociIndex, indexOf([armManifest, 'arm64'], [amdManifest, 'amd64']));
    put('manifests/armonly', MEDIA_TYPES.ociIndex, indexOf([armManifest, 'arm64']));
    put(`blobs/${sha(amdConfig)}`, 'application/octet-stream', amdConfig);
    put(`blobs/${sha(armConfig)}`, 'application/octet-stream', armConfig);
    server = createServer((req: IncomingMessage, res) => {
      if (req.url === `/v2/redirected/blobs/${sha(amdConfig)}`) {
        res.writeHead(307, { Location: `http://127.0.0.1:${storagePort}/s3/${sha(amdConfig)}?X-Amz-Signature=x` }).end();
        return;
      }
      if (req.headers.authorization !== `Basic ${Buffer.from('AWS:secret').toString('base64')}`) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
        return;
      }
      const ref = (req.url ?? '').replace(/^\/v2\/repo\//, '');
      if (req.method === 'PUT') {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          puts.push({ path: ref, type: String(req.headers['content-type']), body: body.toString() });
          put(ref, String(req.headers['content-type']), body);
          res.writeHead(201, { 'Docker-Content-Digest': sha(body) }).end();
        });
        return;
      }
      if (ref.startsWith('manifests/')) accepts.push(String(req.headers.accept));
      const found = objects.get(ref);
      if (!found) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': found.type, 'Docker-Content-Digest': sha(found.body) }).end(found.body);
    });
    // Stand-in for S3 behind ECR's blob redirect (another origin): a pre-signed URL, any Authorization header refused.
    storage = createServer((req, res) => {
      const blob = objects.get(`blobs/${(req.url ?? '').replace(/^\/s3\//, '').split('?')[0]}`);
      if (req.headers.authorization || !blob) {
        res.writeHead(400).end('Only one auth mechanism allowed');
        return;
      }
      res.writeHead(200).end(blob.body);
    });
    await new Promise<void>((resolve) => storage.listen(0, '127.0.0.1', resolve));
    storagePort = (storage.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => storage.close(() => resolve()));
  });

  const client = (password = 'secret') => new RegistryClient({ registry, username: 'AWS', password });

  it('sends the manifest Accept types and follows an index to its linux/amd64 image', async () => {
    const manifest = await client().getImageManifest('repo', 'multi', 'linux', 'amd64');
    expect(manifest).toMatchObject({ kind: 'image', digest: sha(amdManifest), configDigest: sha(amdConfig) });
    expect(accepts.at(-1)).toBe(MANIFEST_ACCEPT);
  });

  it('returns undefined for a tag the registry does not have', async () => {
    expect(await client().getManifest('repo', 'nope')).toBeUndefined();
  });

  it('verifies linux/amd64 from the config blob, through an index too', async () => {
    await expect(verifyRemoteImage(client(), 'repo', 'amd', sha(amdConfig))).resolves.toMatchObject({ os: 'linux', architecture: 'amd64', labels: { a: 'b' } });
    await expect(verifyRemoteImage(client(), 'repo', 'multi', sha(amdConfig))).resolves.toMatchObject({ digest: sha(amdManifest) });
  });

  it('fails verification for an arm64 image, an index without amd64, and a different image', async () => {
    await expect(verifyRemoteImage(client(), 'repo', 'arm', sha(armConfig))).rejects.toThrow('registry image is linux/arm64, not linux/amd64');
    await expect(verifyRemoteImage(client(), 'repo', 'armonly', sha(armConfig))).rejects.toThrow('registry index has no linux/amd64 image (has linux/arm64)');
    await expect(verifyRemoteImage(client(), 'repo', 'amd', sha(armConfig))).rejects.toThrow('registry holds a different image');
    await expect(verifyRemoteImage(client(), 'repo', 'missing', sha(amdConfig))).rejects.toThrow('pushed image not found in the registry');
  });

  it('follows a blob redirect to storage without sending the registry credentials there', async () => {
    await expect(client().getConfigBlob('redirected', sha(amdConfig))).resolves.toMatchObject({ architecture: 'amd64' });
  });

  it('reports wrong credentials as an auth failure', async () => {
    const error = await client('wrong').getManifest('repo', 'amd').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'auth-failed' });
    expect(String(error)).toContain('registry refused the credentials (HTTP 401)');
  });

  it('moves a tag by PUTting the same manifest bytes with their media type', async () => {
    const digest = await client().copyTag('repo', sha(amdManifest), 'rolling');
    expect(digest).toBe(sha(amdManifest));
    expect(puts.at(-1)).toEqual({ path: 'manifests/rolling', type: MEDIA_TYPES.ociManifest, body: amdManifest.toString() });
  });

  it('reports an unreachable registry as a network failure', async () => {
    const port = await closedPort();
    const closed = new RegistryClient({ registry: `127.0.0.1:${port}`, username: 'AWS', password: 'x' });
    const error = await closed.getManifest('repo', 'x').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network' });
    expect(String(error)).toContain(`cannot reach the registry (ECONNREFUSED) (http://127.0.0.1:${port})`);
  });
});

/** A loopback port nothing listens on (fetch refuses some low ports outright, so not port 1). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
