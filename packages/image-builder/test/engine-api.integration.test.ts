import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RegistryClient } from '@blog-data/oci-registry';
import { describeWithServices, uniqueName } from '@blog-data/test-support';
import * as tar from 'tar-fs';
import { engineClient, engineRequestError } from '../src/engine';
import type { EngineClient } from '../src/engine-api';
import { EngineEvent, readEngineEvents } from '../src/events';

async function events(stream: NodeJS.ReadableStream): Promise<EngineEvent[]> {
  const out: EngineEvent[] = [];
  for await (const e of readEngineEvents(stream as import('node:stream').Readable)) out.push(e);
  return out;
}

describeWithServices('engine client against the real engine and registry',
  ['DOCKER_HOST', 'TEST_REGISTRY', 'TEST_BUSYBOX_IMAGE'], (env) => {
    const repository = uniqueName('ib-engine');
    const user = process.env.TEST_REGISTRY_USER ?? 'AWS';
    const password = process.env.TEST_REGISTRY_PASSWORD ?? '123456789012-auth-token';
    let docker: EngineClient;
    let dir: string;
    const images: string[] = [];

    beforeAll(() => {
      docker = engineClient(process.env);
      dir = mkdtempSync(path.join(tmpdir(), 'ib-engine-'));
      writeFileSync(path.join(dir, 'Dockerfile'), 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nCOPY hello.txt /hello.txt\n');
      writeFileSync(path.join(dir, 'hello.txt'), `${repository}\n`);
    });

    afterAll(async () => {
      for (const image of images.reverse()) await docker.removeImage(image, { force: true }).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers a ping at DOCKER_HOST', async () => {
      await expect(docker.ping()).resolves.toBeUndefined();
      expect(docker.address).toBe(env.DOCKER_HOST);
    });

    it('builds a streamed tar context for linux/amd64, tags, pushes with X-Registry-Auth, and the registry serves it', async () => {
      const built = await events(await docker.build(tar.pack(dir), {
        dockerfile: 'Dockerfile', platform: 'linux/amd64', buildargs: { BASE_IMAGE: env.TEST_BUSYBOX_IMAGE }, labels: { 'org.example.test': repository },
      }));
      expect(built.filter((e) => e.error || e.errorDetail)).toEqual([]);
      const id = built.find((e) => e.aux?.ID)?.aux?.ID;
      expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
      images.push(id!);

      const info = await docker.inspectImage(id!);
      expect(info).toMatchObject({ Id: id, Os: 'linux', Architecture: 'amd64' });
      expect(info.Config?.Labels).toMatchObject({ 'org.example.test': repository });

      const ref = `${env.TEST_REGISTRY}/${repository}`;
      await docker.tagImage(id!, ref, 'v1');
      expect((await docker.inspectImage(`${ref}:v1`)).Id).toBe(id);
      const pushed = await events(await docker.push(ref, 'v1', { username: user, password, serveraddress: env.TEST_REGISTRY }));
      expect(pushed.filter((e) => e.error || e.errorDetail)).toEqual([]);
      const digest = pushed.find((e) => e.aux?.Digest)?.aux?.Digest;
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

      const registry = new RegistryClient({ registry: env.TEST_REGISTRY, login: { username: user, password } });
      const manifest = await registry.getImageManifest(repository, 'v1', { os: 'linux', architecture: 'amd64' });
      expect(manifest).toMatchObject({ digest, configDigest: id });
    });

    it('reports a wrong password inside the push stream (HTTP 200), not as a request failure', async () => {
      const ref = `${env.TEST_REGISTRY}/${repository}`;
      const pushed = await events(await docker.push(ref, 'v1', { username: user, password: 'wrong', serveraddress: env.TEST_REGISTRY }));
      expect(pushed.some((e) => /unauthorized|authentication required|no basic auth/i.test(e.errorDetail?.message ?? e.error ?? ''))).toBe(true);
    });

    it('reports a failing step inside the build stream', async () => {
      const bad = mkdtempSync(path.join(tmpdir(), 'ib-engine-bad-'));
      try {
        writeFileSync(path.join(bad, 'Dockerfile'), 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nRUN exit 7\n');
        const built = await events(await docker.build(tar.pack(bad), {
          dockerfile: 'Dockerfile', platform: 'linux/amd64', buildargs: { BASE_IMAGE: env.TEST_BUSYBOX_IMAGE }, labels: {},
        }));
        expect(built.find((e) => e.errorDetail)?.errorDetail?.message).toMatch(/returned a non-zero code: 7/);
      } finally {
        rmSync(bad, { recursive: true, force: true });
      }
    });

    it('maps the engine\'s 404 for a missing image to a one-line error with its message', async () => {
      const error = await docker.inspectImage(`${repository}:absent`).then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ statusCode: 404 });
      expect(engineRequestError(error, 'inspect image', docker.address).message)
        .toMatch(new RegExp(`^engine refused inspect image \\(HTTP 404\\): no such image: ${repository}:absent.* \\(${docker.address}\\): `, 'i'));
    });

    it('refuses a build whose Dockerfile is not in the context as "Dockerfile missing"', async () => {
      const error = await docker.build(tar.pack(dir), { dockerfile: 'Nope.Dockerfile', platform: 'linux/amd64', buildargs: {}, labels: {} })
        .then(async (stream) => {
          // Some engine versions answer 200 and report it in the stream.
          const failed = (await events(stream)).find((e) => e.errorDetail || e.error);
          return failed ? Object.assign(new Error(failed.errorDetail?.message ?? failed.error), {}) : undefined;
        }, (e: unknown) => e);
      expect(error).toBeDefined();
      expect(engineRequestError(error, 'build', docker.address, dir).message).toBe(`Dockerfile missing (${dir}): check --image and the Dockerfile name`);
    });
  });
