import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXIT, UserError } from '@blog-data/cli-kit';
// test-support is a dev-only helper (the fail-under-CI rule); the scope rule is about runtime dependencies.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { freeLoopbackPort } from '@blog-data/test-support';
import {
  digestReference, indexPlatforms, MANIFEST_ACCEPT, MEDIA_TYPES, parseManifest, registryBaseUrl, RegistryClient, registryHostPart, selectPlatform,
} from '../src';

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
    expect(parsed.kind === 'index' && selectPlatform(parsed, { os: 'linux', architecture: 'amd64' })?.digest).toBe('sha256:amd');
    expect(parsed.kind === 'index' && indexPlatforms(parsed)).toEqual(['linux/arm64/v8', 'linux/amd64']);
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
    expect(registryBaseUrl('[::1]:5000')).toBe('http://[::1]:5000');
    expect(registryBaseUrl('127.example.com')).toBe('https://127.example.com');
  });

  it('names images the way Docker does: host[:port]/repository@digest', () => {
    expect(registryHostPart('http://127.0.0.1:5000/')).toBe('127.0.0.1:5000');
    expect(digestReference('1.dkr.ecr.eu-west-1.amazonaws.com/blog-data', 'sha256:ab')).toBe('1.dkr.ecr.eu-west-1.amazonaws.com/blog-data@sha256:ab');
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
  const methods: string[] = [];
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

  /** An error as the Registry API words it: `{"errors":[{"code","message"}]}`. */
  function ecrError(res: ServerResponse, status: number, code: string, message: string) {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code, message }] }));
  }

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
      // ECR's answers (wording as ECR sends it): a repository it does not know, an immutable tag, a malformed tag.
      if ((req.url ?? '').startsWith('/v2/missing/')) {
        ecrError(res, 404, 'NAME_UNKNOWN', "The repository with name 'missing' does not exist in the registry with id '123456789012'");
        return;
      }
      if (req.method === 'PUT' && req.url === '/v2/repo/manifests/frozen') {
        ecrError(res, 400, 'TAG_INVALID', "The image tag 'frozen' already exists in the 'repo' repository and cannot be overwritten because the tag is immutable.");
        return;
      }
      if (req.method === 'PUT' && req.url === '/v2/repo/manifests/bad') {
        ecrError(res, 400, 'TAG_INVALID', 'manifest tag did not match URI');
        return;
      }
      if (req.url === '/v2/repo/manifests/unknown-json') {
        ecrError(res, 404, 'MANIFEST_UNKNOWN', 'Requested image not found');
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
      methods.push(`${req.method} ${ref}`);
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

  const client = (password = 'secret') => new RegistryClient({ registry, login: { username: 'AWS', password } });
  const amd64 = { os: 'linux', architecture: 'amd64' } as const;

  it('sends the manifest Accept types and follows an index to its linux/amd64 image', async () => {
    const manifest = await client().getImageManifest('repo', 'multi', amd64);
    expect(manifest).toMatchObject({ kind: 'image', digest: sha(amdManifest), configDigest: sha(amdConfig) });
    expect(accepts.at(-1)).toBe(MANIFEST_ACCEPT);
  });

  it('returns undefined for a tag the registry does not have', async () => {
    expect(await client().getManifest('repo', 'nope')).toBeUndefined();
    expect(await client().headManifest('repo', 'nope')).toBeUndefined();
    expect(await client().resolvePlatform('repo', 'nope', amd64)).toBeUndefined();
  });

  it('reads where a tag points with one HEAD request and no body', async () => {
    methods.length = 0;
    expect(await client().headManifest('repo', 'multi')).toBe(sha(objects.get('manifests/multi')!.body));
    expect(methods).toEqual(['HEAD manifests/multi']);
  });

  it('resolves a single image to its config blob', async () => {
    const resolved = await client().resolvePlatform('repo', 'amd', amd64);
    expect(resolved).toMatchObject({ manifest: { digest: sha(amdManifest) }, image: { configDigest: sha(amdConfig) }, config: { os: 'linux', architecture: 'amd64', config: { Labels: { a: 'b' } } } });
    expect(resolved?.index).toBeUndefined();
  });

  it('resolves an index through its linux/amd64 entry, and reports an index without one', async () => {
    const multi = await client().resolvePlatform('repo', 'multi', amd64);
    expect(multi).toMatchObject({ image: { digest: sha(amdManifest) }, config: { architecture: 'amd64' } });
    expect(multi?.manifest.digest).toBe(sha(objects.get('manifests/multi')!.body));
    const armOnly = await client().resolvePlatform('repo', 'armonly', amd64);
    expect(armOnly?.image).toBeUndefined();
    expect(armOnly?.index && indexPlatforms(armOnly.index)).toEqual(['linux/arm64']);
  });

  it('reads an expected config blob alongside the manifest, and the right one when the manifest names another', async () => {
    methods.length = 0;
    const resolved = await client().resolvePlatform('repo', 'amd', amd64, { configDigest: sha(amdConfig) });
    expect(resolved?.config).toMatchObject({ architecture: 'amd64' });
    // Both requests went out before either answer came back: the blob is asked first.
    expect(methods).toEqual([`GET blobs/${sha(amdConfig)}`, 'GET manifests/amd']);
    methods.length = 0;
    const other = await client().resolvePlatform('repo', 'arm', amd64, { configDigest: sha(amdConfig) });
    expect(other?.config).toMatchObject({ architecture: 'arm64' });
    expect(methods.at(-1)).toMatch(/^GET blobs\//);
    expect(methods.at(-1)).not.toBe(`GET blobs/${sha(amdConfig)}`);
  });

  it('reads the arm64 config of an arm64 image (the caller decides it is wrong)', async () => {
    expect((await client().resolvePlatform('repo', 'arm', amd64))?.config).toMatchObject({ architecture: 'arm64' });
  });

  it('follows a blob redirect to storage without sending the registry credentials there', async () => {
    await expect(client().getConfigBlob('redirected', sha(amdConfig))).resolves.toMatchObject({ architecture: 'amd64' });
  });

  it('refuses a config blob whose bytes do not match its digest', async () => {
    put(`blobs/${sha('other')}`, 'application/octet-stream', amdConfig);
    await expect(client().getConfigBlob('repo', sha('other'))).rejects.toThrow('config blob does not match its digest');
  });

  it('reports wrong credentials as an auth failure, and takes a ready Authorization header', async () => {
    const error = await client('wrong').getManifest('repo', 'amd').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'auth-failed', status: 401 });
    expect(String(error)).toContain('registry refused the credentials (HTTP 401)');
    const withHeader = new RegistryClient({ registry, login: { authorization: `Basic ${Buffer.from('AWS:secret').toString('base64')}` } });
    expect(await withHeader.headManifest('repo', 'amd')).toBe(sha(amdManifest));
  });

  it('moves tags by PUTting the same manifest bytes with their media type, reading the source once', async () => {
    methods.length = 0;
    const digest = await client().copyTags('repo', sha(amdManifest), ['rolling', 'extra']);
    expect(digest).toBe(sha(amdManifest));
    expect(puts.slice(-2)).toEqual([
      { path: 'manifests/rolling', type: MEDIA_TYPES.ociManifest, body: amdManifest.toString() },
      { path: 'manifests/extra', type: MEDIA_TYPES.ociManifest, body: amdManifest.toString() },
    ]);
    expect(methods.filter((m) => m.startsWith('GET'))).toHaveLength(1);
  });

  it('points tags at the manifest a platform check read, without reading it again', async () => {
    const multi = await client().resolvePlatform('repo', 'multi', amd64);
    // The bytes kept are what the reference names, as served: the index, not its linux/amd64 entry, so
    // a tag pointed at them names what the reference names.
    const index = objects.get('manifests/multi')!.body;
    expect(multi?.manifest).toEqual({ body: Buffer.from(index), mediaType: MEDIA_TYPES.ociIndex, digest: sha(index) });
    methods.length = 0;
    expect(await client().copyTags('repo', multi!.manifest, ['from-check'])).toBe(sha(index));
    // PUTs are recorded in `puts` only: nothing was read.
    expect(methods).toEqual([]);
    expect(puts.at(-1)).toEqual({ path: 'manifests/from-check', type: MEDIA_TYPES.ociIndex, body: index.toString() });
  });

  it('tells a repository the registry does not know (ECR NAME_UNKNOWN) from a tag it does not have', async () => {
    expect(await client().getManifest('repo', 'unknown-json')).toBeUndefined();
    for (const read of [
      () => client().getManifest('missing', 'latest'),
      () => client().resolvePlatform('missing', 'latest', amd64),
      () => client().getConfigBlob('missing', sha(amdConfig)),
    ]) {
      const error = await read().catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'repository-unknown', status: 404 });
      expect(String(error)).toContain('repository does not exist in the registry');
    }
  });

  it('reports a tag the registry will not move (ECR immutable tags) apart from other refusals', async () => {
    const frozen = await client().copyTags('repo', sha(amdManifest), ['frozen']).catch((e: unknown) => e);
    expect(frozen).toMatchObject({ kind: 'tag-immutable', status: 400 });
    expect(String(frozen)).toContain('registry refused to move an existing tag: it is immutable');
    // A malformed tag is also TAG_INVALID, but nothing about immutability.
    expect(await client().copyTags('repo', sha(amdManifest), ['bad']).catch((e: unknown) => e)).toMatchObject({ kind: 'registry', status: 400 });
  });

  it('fails a tag copy from a manifest that is gone', async () => {
    await expect(client().copyTags('repo', 'gone', ['rolling'])).rejects.toThrow('manifest gone vanished before it could be tagged rolling');
  });

  it('reports an unreachable registry as a network failure naming where the address came from', async () => {
    const port = await freeLoopbackPort();
    const closed = new RegistryClient({ registry: `127.0.0.1:${port}`, login: { username: 'AWS', password: 'x' }, addressSource: '--registry' });
    const error = await closed.getManifest('repo', 'x').catch((e: unknown) => e);
    // cli-kit's one error: every CLI prints it as its one line and exits 1.
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ kind: 'network', exitCode: EXIT.failure, where: `http://127.0.0.1:${port}/v2/repo/manifests/x` });
    expect(String(error)).toContain(`cannot reach the registry (ECONNREFUSED) (http://127.0.0.1:${port}/v2/repo/manifests/x): check the network and --registry`);
  });
});
