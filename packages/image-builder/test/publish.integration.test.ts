import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { CreateRepositoryCommand, DeleteRepositoryCommand, ECRClient, ImageTagMutability } from '@aws-sdk/client-ecr';
import { UserError } from '@blog-data/cli-kit';
import { MEDIA_TYPES, RegistryClient } from '@blog-data/oci-registry';
import { describeWithServices } from '@blog-data/test-support';
import { EcrRegistryFront } from './ecr-registry-front';
import { buildPlain, commitAll, copyFixture, fixtureImages, FlakyRegistryProxy, loadArm64Copy, readContainerFile, removeImages } from './support';
import { main } from '../src/cli';
import { EcrAuth } from '../src/ecr-auth';
import { engineClient } from '../src/engine';
import type { EngineClient } from '../src/engine-api';
import { LABELS } from '../src/metadata';
import { PublishOptions, PublishResult, publishImage, PublishTarget } from '../src/publish';
import { verifyRemoteImage } from '../src/verify';

const ROLLING = 'prefect-3-python3.12-ecs';
// The SDK's multi-line Node-version advisory would bury the test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

describeWithServices('publish against the real engine, registry and AWS emulator',
  ['DOCKER_HOST', 'TEST_REGISTRY', 'TEST_BUSYBOX_IMAGE', 'AWS_ENDPOINT_URL'], (env) => {
    const account = process.env.TEST_AWS_ACCOUNT_ID ?? '123456789012';
    const region = process.env.AWS_REGION ?? 'eu-west-2';
    // A repository of our own: the registry and emulator are shared with other suites.
    const repository = `ib-test-${randomBytes(4).toString('hex')}`;
    const ecrClient = new ECRClient({ region });
    const images = new Set<string>();
    const dirs: string[] = [];
    let docker: EngineClient;
    let registry: RegistryClient;
    let appDir: string;
    let appRevision: string;

    const ensureRepository = () => ecrClient.send(new CreateRepositoryCommand({ repositoryName: repository }))
      .catch((err: { name?: string }) => {
        if (err.name !== 'RepositoryAlreadyExistsException') throw err;
      });

    /** The test target: ECR auth from the emulator, registry overridden to the local one. */
    const target = (extra: Partial<PublishTarget> = {}): PublishTarget => ({
      repository,
      registry: env.TEST_REGISTRY,
      fallbackRegistryHost: env.TEST_REGISTRY,
      ecr: new EcrAuth({ accountId: account, region, client: ecrClient }),
      ...extra,
    });

    /** One publish with the test wiring; `changes.target` changes fields of the test target. */
    async function publish(
      contextDir: string, changes: Partial<Omit<PublishOptions, 'target'>> & { readonly target?: Partial<PublishTarget> } = {},
    ): Promise<PublishResult> {
      await ensureRepository();
      const { target: targetChanges, ...options } = changes;
      const result = await publishImage({
        image: path.basename(contextDir),
        contextDir,
        target: target(targetChanges),
        rollingTag: ROLLING,
        docker,
        buildArgs: { BASE_IMAGE: env.TEST_BUSYBOX_IMAGE },
        retry: { retries: 1, baseDelayMs: 10 },
        ...options,
      });
      if (result.imageId) images.add(result.imageId);
      return result;
    }

    async function failure(promise: Promise<unknown>): Promise<UserError> {
      const error = await promise.then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      return error as UserError;
    }

    async function tagsInRegistry(): Promise<string[]> {
      const auth = Buffer.from(`${process.env.TEST_REGISTRY_USER ?? 'AWS'}:${process.env.TEST_REGISTRY_PASSWORD ?? `${account}-auth-token`}`).toString('base64');
      const response = await fetch(`${registry.baseUrl}/v2/${repository}/tags/list`, { headers: { Authorization: `Basic ${auth}` } });
      if (response.status === 404) return [];
      return (((await response.json()) as { tags?: string[] }).tags ?? []).sort();
    }

    /** Deletes every manifest this suite pushed (the test registry allows deletes). */
    async function deleteFromRegistry(): Promise<void> {
      const auth = Buffer.from(`${process.env.TEST_REGISTRY_USER ?? 'AWS'}:${process.env.TEST_REGISTRY_PASSWORD ?? `${account}-auth-token`}`).toString('base64');
      const digests = new Set<string>();
      for (const tag of await tagsInRegistry()) {
        const digest = await digestAt(tag);
        if (digest) digests.add(digest);
      }
      for (const digest of digests) {
        await fetch(`${registry.baseUrl}/v2/${repository}/manifests/${digest}`, { method: 'DELETE', headers: { Authorization: `Basic ${auth}` } });
      }
    }

    async function digestAt(tag: string): Promise<string | undefined> {
      return (await registry.getManifest(repository, tag))?.digest;
    }

    function fixture(name: string): string {
      const dir = copyFixture(name);
      dirs.push(dir);
      return dir;
    }

    beforeAll(async () => {
      docker = engineClient();
      registry = new RegistryClient({
        registry: env.TEST_REGISTRY,
        login: { username: process.env.TEST_REGISTRY_USER ?? 'AWS', password: process.env.TEST_REGISTRY_PASSWORD ?? `${account}-auth-token` },
      });
      appDir = fixture('busybox-app');
      appRevision = commitAll(appDir);
      await ensureRepository();
    });

    afterAll(async () => {
      await deleteFromRegistry();
      // Newest first: an image with dependent children cannot be removed.
      await removeImages(docker, [...images].reverse());
      // Build cache left by failed and refused builds of the fixtures.
      await removeImages(docker, await fixtureImages(docker));
      // Bases whose children are gone only now.
      await removeImages(docker, [...images].reverse());
      for (const tmp of dirs) rmSync(tmp, { recursive: true, force: true });
      await ecrClient.send(new DeleteRepositoryCommand({ repositoryName: repository, force: true })).catch(() => undefined);
      ecrClient.destroy();
    });

    it('publishes a linux/amd64 image under the rolling and content tags, with its OCI labels', async () => {
      const result = await publish(appDir);
      expect(result).toMatchObject({ status: 'pushed', pushed: true, noop: false, repository: `${env.TEST_REGISTRY}/${repository}` });
      expect(result.tags).toEqual([ROLLING, result.contentTag]);
      expect(result.reference).toBe(`${env.TEST_REGISTRY}/${repository}@${result.digest}`);

      // Read back over the registry API with independent credentials.
      expect(await digestAt(ROLLING)).toBe(result.digest);
      expect(await digestAt(result.contentTag)).toBe(result.digest);
      const manifest = await registry.getImageManifest(repository, ROLLING, { os: 'linux', architecture: 'amd64' });
      expect(manifest?.configDigest).toBe(result.imageId);
      const config = await registry.getConfigBlob(repository, manifest!.configDigest);
      expect(config).toMatchObject({ os: 'linux', architecture: 'amd64' });
      expect(config.config?.Labels).toMatchObject({
        [LABELS.revision]: appRevision,
        [LABELS.title]: path.basename(appDir),
        [LABELS.version]: `${ROLLING}+${appRevision.slice(0, 12)}`,
        'blog-data.test-fixture': 'busybox-app',
      });
      expect(config.config?.Labels?.[LABELS.created]).toMatch(/^\d{4}-\d\d-\d\dT/);
    });

    it('verifies the pushed image by the id an engine with the containerd image store gives it (its manifest digest)', async () => {
      const digest = (await digestAt(ROLLING))!;
      const verified = await verifyRemoteImage(registry, repository, digest, digest);
      expect(verified).toMatchObject({ digest, os: 'linux', architecture: 'amd64' });
      await expect(verifyRemoteImage(registry, repository, digest, `sha256:${'0'.repeat(64)}`)).rejects.toThrow('registry holds a different image');
    });

    // How fast is the benchmark's business (bench/publish.ts, `pnpm bench`), not a timed test's.
    it('publishes again as a no-op, without building', async () => {
      const before = await digestAt(ROLLING);
      const result = await publish(appDir);
      expect(result).toMatchObject({ status: 'noop', noop: true, pushed: false, digest: before });
      expect(result.durations.build).toBeUndefined();
      expect(result.notes.join('\n')).toContain('no-op');
    });

    it('is still a no-op when only files .dockerignore excludes changed', async () => {
      appendFileSync(path.join(appDir, 'notes.md'), 'edited\n');
      expect((await publish(appDir)).status).toBe('noop');
    });

    it('with an index under the content tag (an engine with the containerd image store pushes one), moves the rolling tag to it once, then is a no-op', async () => {
      const published = await publish(appDir);
      const single = (await registry.getRawManifest(repository, published.contentTag))!;
      expect(single.digest).toBe(published.digest);
      const index = Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.dockerManifestList,
        manifests: [{ mediaType: single.mediaType, digest: single.digest, size: single.body.length, platform: { os: 'linux', architecture: 'amd64' } }],
      }));
      const indexDigest = await registry.putManifest(repository, published.contentTag, { body: index, mediaType: MEDIA_TYPES.dockerManifestList });
      try {
        // The rolling tag names the image, the content tag the index holding it: the tags are
        // compared by what they name, so the rolling tag moves to the index once…
        const moved = await publish(appDir);
        expect(moved).toMatchObject({ status: 'retagged', digest: single.digest });
        expect(await digestAt(ROLLING)).toBe(indexDigest);
        expect(await digestAt(published.contentTag)).toBe(indexDigest);
        // …and stays there: every later publish moved both tags again when the index was compared
        // with its linux/amd64 entry's digest.
        const again = await publish(appDir);
        expect(again).toMatchObject({ status: 'noop', digest: single.digest, reference: `${env.TEST_REGISTRY}/${repository}@${single.digest}` });
      } finally {
        await registry.copyTags(repository, single, [published.contentTag, ROLLING]);
      }
    });

    it('is a no-op through the CLI too, printing and writing the digest as JSON', async () => {
      const out = mkdtempSync(path.join(tmpdir(), 'ib-out-'));
      dirs.push(out);
      let stdout = '';
      let stderr = '';
      const sink = (append: (s: string) => void) => new Writable({
        write(chunk: Buffer, _e, done) {
          append(chunk.toString());
          done();
        },
      });
      const code = await main([
        'publish', '--context', appDir, '--rolling-tag', ROLLING, '--registry', env.TEST_REGISTRY, '--build-arg', `BASE_IMAGE=${env.TEST_BUSYBOX_IMAGE}`,
        '--json', '--output', path.join(out, 'image.json'),
      ], {
        stdout: sink((s) => { stdout += s; }),
        stderr: sink((s) => { stderr += s; }),
        env: { ...process.env, PLATFORM_AWS__ACCOUNT_ID: account, PLATFORM_IMAGE__REPOSITORY: repository },
        cwd: out,
      });
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const printed = JSON.parse(stdout) as PublishResult;
      expect(printed).toMatchObject({ status: 'noop', digest: await digestAt(ROLLING) });
      expect(JSON.parse(readFileSync(path.join(out, 'image.json'), 'utf8'))).toEqual(printed);
    });

    it('with a rolling tag of its own (the build starts before config is read), reports a bad config in one line, exit 2, and tags nothing', async () => {
      const dir = fixture('busybox-app');
      appendFileSync(path.join(dir, 'app', 'run.sh'), `echo ${randomBytes(4).toString('hex')}\n`);
      let stderr = '';
      const code = await main([
        'publish', '--context', dir, '--rolling-tag', 'bad-config', '--registry', env.TEST_REGISTRY, '--build-arg', `BASE_IMAGE=${env.TEST_BUSYBOX_IMAGE}`, '--json',
      ], {
        stdout: new Writable({ write: (_c, _e, done) => done() }),
        stderr: new Writable({
          write(chunk: Buffer, _e, done) {
            stderr += chunk.toString();
            done();
          },
        }),
        env: { ...process.env, PLATFORM_AWS__ACCOUNT_ID: 'not-an-account', PLATFORM_IMAGE__REPOSITORY: repository },
        cwd: dir,
      });
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^error: .*aws\.accountId/);
      expect(await digestAt('bad-config')).toBeUndefined();
      const tagged = await docker.listImages({ reference: [`${env.TEST_REGISTRY}/${repository}:bad-config`] });
      expect(tagged).toEqual([]);
    });

    it('pushes a changed image, then moves the rolling tag back without a build when the old content returns', async () => {
      const first = await digestAt(ROLLING);
      const runScript = path.join(appDir, 'app', 'run.sh');
      const original = readFileSync(runScript, 'utf8');
      writeFileSync(runScript, `${original}echo changed\n`);
      const changed = await publish(appDir);
      expect(changed.status).toBe('pushed');
      expect(changed.digest).not.toBe(first);
      expect(await digestAt(ROLLING)).toBe(changed.digest);

      writeFileSync(runScript, original);
      const back = await publish(appDir);
      expect(back).toMatchObject({ status: 'retagged', digest: first });
      expect(back.durations.build).toBeUndefined();
      expect(await digestAt(ROLLING)).toBe(first);
    });

    it('uploads nothing when a change rebuilds (from cache) to the image the registry already has', async () => {
      const before = await digestAt(ROLLING);
      const commented = fixture('busybox-app');
      const first = await publish(commented, { rollingTag: 'commented' });
      expect(first.status).toBe('pushed');
      // A new content tag (the Dockerfile changed), the same image (comments are not layers).
      appendFileSync(path.join(commented, 'Dockerfile'), '# a comment changes the context, not the image\n');
      const again = await publish(commented, { rollingTag: 'commented' });
      expect(again).toMatchObject({ status: 'retagged', imageId: first.imageId, digest: first.digest });
      expect(again.contentTag).not.toBe(first.contentTag);
      expect(again.durations.push).toBeUndefined();
      expect(again.notes.join('\n')).toContain(`registry already holds image ${first.imageId} as commented; no upload`);
      expect(await digestAt(again.contentTag)).toBe(first.digest);
      expect(await digestAt(ROLLING)).toBe(before);
    });

    it('plans with --dry-run: says what would happen and builds and pushes nothing', async () => {
      const tagsBefore = await tagsInRegistry();
      const same = await publish(appDir, { dryRun: true });
      expect(same.status).toBe('noop');
      const changed = fixture('busybox-app');
      appendFileSync(path.join(changed, 'app', 'run.sh'), 'echo planned\n');
      const planned = await publish(changed, { dryRun: true });
      expect(planned).toMatchObject({ status: 'planned', pushed: false });
      expect(planned.imageId).toBeUndefined();
      expect(planned.notes.join('\n')).toContain(`has no ${planned.contentTag}; a publish would build and push`);
      expect(await tagsInRegistry()).toEqual(tagsBefore);
    });

    it('fails a broken build with its step and output, and pushes or moves nothing', async () => {
      const tagsBefore = await tagsInRegistry();
      const rollingBefore = await digestAt(ROLLING);
      const broken = fixture('busybox-app');
      appendFileSync(path.join(broken, 'Dockerfile'), 'RUN echo "about to fail" && exit 3\n');
      const error = await failure(publish(broken));
      expect(error.kind).toBe('build-failed');
      expect(`error: ${error.message}`).toMatch(/^error: build failed: The command .* returned a non-zero code: 3 \(Dockerfile step \d+\/\d+: RUN echo "about to fail" && exit 3\): /);
      expect(error.detail.join('\n')).toContain('about to fail');
      expect(await tagsInRegistry()).toEqual(tagsBefore);
      expect(await digestAt(ROLLING)).toBe(rollingBefore);
      const local = await docker.listImages({ reference: [`${env.TEST_REGISTRY}/${repository}`] });
      expect(local.flatMap((i) => i.RepoTags ?? []).filter((t) => !tagsBefore.some((b) => t.endsWith(`:${b}`)))).toEqual([]);
    });

    it('refuses to push an image built from an arm64 base, whether or not the engine notices', async () => {
      const armTag = `ib-test/busybox-arm64:${repository}`;
      images.add(await loadArm64Copy(docker, env.TEST_BUSYBOX_IMAGE, armTag));
      const tagsBefore = await tagsInRegistry();

      // No step needs a container: the classic builder ignores the requested platform and returns arm64.
      const quiet = await failure(publish(fixture('labels-only'), { buildArgs: { BASE_IMAGE: armTag } }));
      expect(quiet.kind).toBe('wrong-platform');
      expect(`error: ${quiet.message}`).toContain('error: built image is linux/arm64, not linux/amd64');
      expect(`error: ${quiet.message}`).toContain('nothing was pushed');

      // A COPY step: the engine itself stops, and that is reported as the platform problem it is.
      const loud = await failure(publish(appDir, { buildArgs: { BASE_IMAGE: armTag } }));
      expect(loud.kind).toBe('wrong-platform');

      expect(await tagsInRegistry()).toEqual(tagsBefore);
    });

    it('retries a push whose connection drops, and fails with a network error when it keeps dropping', async () => {
      const proxy = new FlakyRegistryProxy(env.TEST_REGISTRY);
      const via = await proxy.start();
      try {
        const recovering = fixture('busybox-app');
        appendFileSync(path.join(recovering, 'app', 'run.sh'), 'echo flaky network\n');
        proxy.failures = 1;
        const retried = await publish(recovering, { target: { registry: via, fallbackRegistryHost: via } });
        expect(retried.status).toBe('pushed');
        expect(proxy.dropped).toBe(1);
        expect(retried.notes.join('\n')).toMatch(/push attempt 1 failed \(.+\); retrying in 10 ms/);
        expect(await digestAt(retried.contentTag)).toBe(retried.digest);

        const rollingBefore = await digestAt(ROLLING);
        const failing = fixture('busybox-app');
        appendFileSync(path.join(failing, 'app', 'run.sh'), 'echo network down\n');
        proxy.failures = 99;
        const error = await failure(publish(failing, { target: { registry: via, fallbackRegistryHost: via } }));
        expect(error.kind).toBe('network');
        expect(`error: ${error.message}`).toContain('error: network failure during push, 2 attempts');
        expect(await digestAt(ROLLING)).toBe(rollingBefore);
      } finally {
        await proxy.stop();
        // Local tags name the proxy's address; the images go with the suite's cleanup.
      }
    });

    it('fetches a new ECR token once when the registry says it expired, and fails if that one is refused too', async () => {
      const proxy = new FlakyRegistryProxy(env.TEST_REGISTRY);
      const via = await proxy.start();
      let refreshes = 0;
      const countingAuth = () => {
        const auth = new EcrAuth({ accountId: account, region, client: ecrClient });
        const refresh = auth.refresh.bind(auth);
        auth.refresh = async () => {
          refreshes += 1;
          return refresh();
        };
        return auth;
      };
      try {
        proxy.expireTokens = 1;
        // The rolling tag may point elsewhere after the tests before: a retag is as good as a no-op here.
        const after = await publish(appDir, { target: { registry: via, fallbackRegistryHost: via, ecr: countingAuth() } });
        expect(['noop', 'retagged']).toContain(after.status);
        expect(refreshes).toBe(1);

        refreshes = 0;
        proxy.expireTokens = 99;
        const error = await failure(publish(appDir, { target: { registry: via, fallbackRegistryHost: via, ecr: countingAuth() } }));
        expect(error.kind).toBe('token-expired');
        expect(`error: ${error.message}`).toContain('error: registry token expired (HTTP 401)');
        expect(refreshes).toBe(1);
      } finally {
        await proxy.stop();
      }
    });

    it('asks ECR for nothing but a token: none for a no-op or a retag with a remembered one', async () => {
      const dir = fixture('busybox-app');
      const cache = mkdtempSync(path.join(tmpdir(), 'ib-token-cache-'));
      dirs.push(cache);
      const calls: string[] = [];
      const counting = {
        send: (command: { constructor: { name: string } }) => {
          calls.push(command.constructor.name);
          return ecrClient.send(command as never);
        },
      } as unknown as ECRClient;
      const remembering = {
        hashCacheFile: path.join(cache, 'hashes.json'),
        publishedTagsFile: path.join(cache, 'published.json'),
        rollingTag: 'remembered',
      };
      const ecr = () => new EcrAuth({ accountId: account, region, client: counting, tokenCacheFile: path.join(cache, 'tokens.json'), env: {} });
      // Files changed in the last 2 s are not remembered by stat (git's racy-clean rule): the second
      // publish must find the context unchanged by stat to be a no-op candidate.
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const first = await publish(dir, { ...remembering, target: { ecr: ecr() } });
      expect(first.status).toBe('pushed');
      expect(calls).toEqual(['GetAuthorizationTokenCommand']);
      calls.length = 0;
      // The emulator dates its tokens 12 hours ahead, as ECR does: the next run reuses this one.
      const again = await publish(dir, { ...remembering, target: { ecr: ecr() } });
      expect(again.status).toBe('noop');
      expect(calls).toEqual([]);
      // A tag to move: the registry itself says whether it may (see the immutable-tag tests).
      const retagged = await publish(dir, { ...remembering, target: { ecr: ecr() }, extraTags: ['remembered-extra'] });
      expect(retagged).toMatchObject({ status: 'retagged', digest: first.digest });
      expect(calls).toEqual([]);
    });

    it('starts a build before the plan for much new content: cancels it for a no-op, uses it for a change', async () => {
      const dir = fixture('busybox-app');
      const first = await publish(dir, { rollingTag: 'early' });
      expect(first.status).toBe('pushed');
      // Every byte counts as new: the build starts at once, the plan says no-op, the build is dropped.
      const again = await publish(dir, { rollingTag: 'early', earlyBuildBytes: 0 });
      expect(again).toMatchObject({ status: 'noop', digest: first.digest });
      expect(again.durations.build).toBeUndefined();
      appendFileSync(path.join(dir, 'app', 'run.sh'), 'echo early\n');
      const changed = await publish(dir, { rollingTag: 'early', earlyBuildBytes: 0 });
      expect(changed.status).toBe('pushed');
      expect(changed.durations.build).toBeGreaterThan(0);
      expect(await digestAt(changed.contentTag)).toBe(changed.digest);
      expect(await digestAt('early')).toBe(changed.digest);
    });

    it('looks up a small change before building when this context published that content before (a change undone, a file touched): no build is started', async () => {
      const dir = fixture('busybox-app');
      const cache = mkdtempSync(path.join(tmpdir(), 'ib-cache-'));
      dirs.push(cache);
      let builds = 0;
      // The same engine, counting build requests.
      const counting = Object.create(docker) as typeof docker;
      counting.build = (...args: Parameters<typeof docker.build>) => {
        builds += 1;
        return docker.build(...args);
      };
      const remembering = {
        rollingTag: 'undo', docker: counting, hashCacheFile: path.join(cache, 'hashes.json'), publishedTagsFile: path.join(cache, 'published.json'),
      };
      const runScript = path.join(dir, 'app', 'run.sh');
      const original = readFileSync(runScript, 'utf8');
      const first = await publish(dir, remembering);
      writeFileSync(runScript, `${original}echo undo\n`);
      const changed = await publish(dir, remembering);
      expect([first.status, changed.status, builds]).toEqual(['pushed', 'pushed', 2]);

      writeFileSync(runScript, original);
      const back = await publish(dir, remembering);
      expect(back).toMatchObject({ status: 'retagged', digest: first.digest });
      writeFileSync(runScript, original);
      expect(await publish(dir, remembering)).toMatchObject({ status: 'noop', digest: first.digest });
      expect(builds).toBe(2);
    });

    describe('behind a registry that answers as ECR does (immutable tags, unknown repositories)', () => {
      let front: EcrRegistryFront;
      let frontAddress: string;
      beforeAll(async () => {
        front = new EcrRegistryFront(env.TEST_REGISTRY, ecrClient, account);
        frontAddress = await front.start();
      });
      afterAll(() => front.stop());

      /** A repository of its own with this tag mutability; removed after `fn`. */
      async function withRepository(
        suffix: string, mutability: { imageTagMutability: ImageTagMutability; imageTagMutabilityExclusionFilters?: { filterType: 'WILDCARD'; filter: string }[] },
        fn: (name: string) => Promise<void>,
      ): Promise<void> {
        const name = `${repository}-${suffix}`;
        await ecrClient.send(new CreateRepositoryCommand({ repositoryName: name, ...mutability }));
        try {
          await fn(name);
        } finally {
          await ecrClient.send(new DeleteRepositoryCommand({ repositoryName: name, force: true })).catch(() => undefined);
        }
      }

      it('never moves an existing tag of an IMMUTABLE repository (as infra creates it): pushes the new content tag, leaves the rolling tag, says so', async () => {
        await withRepository('immutable', { imageTagMutability: 'IMMUTABLE' }, async (immutable) => {
          const dir = fixture('busybox-app');
          const runScript = path.join(dir, 'app', 'run.sh');
          const original = readFileSync(runScript);
          const first = await publish(dir, { target: { repository: immutable, registry: frontAddress } });
          expect(first.status).toBe('pushed');
          appendFileSync(runScript, 'echo immutable\n');
          const second = await publish(dir, { target: { repository: immutable, registry: frontAddress } });
          expect(second).toMatchObject({ status: 'pushed', tags: [ROLLING, second.contentTag] });
          expect(second.digest).not.toBe(first.digest);
          expect(second.notes.join('\n')).toContain(`left ${ROLLING} where it points: the repository's tags are immutable (the registry refused to move it)`);
          expect((await registry.getManifest(immutable, ROLLING))?.digest).toBe(first.digest);
          expect((await registry.getManifest(immutable, second.contentTag))?.digest).toBe(second.digest);
          // The change undone: the content tag is there, the rolling tag cannot come back to it. Nothing to do.
          writeFileSync(runScript, original);
          const back = await publish(dir, { target: { repository: immutable, registry: frontAddress } });
          expect(back).toMatchObject({ status: 'noop', pushed: false, digest: first.digest });
          expect((await registry.getManifest(immutable, ROLLING))?.digest).toBe(first.digest);
        });
      });

      // Reproduces a failure of the old repository check: it read `imageTagMutability === 'IMMUTABLE'`,
      // so a repository whose exclusion filter makes the rolling tag immutable counted as mutable, the
      // move was refused by the registry, and the publish failed after its push.
      it('leaves a tag that an exclusion filter makes immutable (MUTABLE_WITH_EXCLUSION), and moves the others', async () => {
        const filters = [{ filterType: 'WILDCARD' as const, filter: 'prefect-3-*' }];
        await withRepository('excl', { imageTagMutability: 'MUTABLE_WITH_EXCLUSION', imageTagMutabilityExclusionFilters: filters }, async (name) => {
          const dir = fixture('busybox-app');
          const first = await publish(dir, { target: { repository: name, registry: frontAddress }, extraTags: ['moves'] });
          appendFileSync(path.join(dir, 'app', 'run.sh'), 'echo excluded\n');
          const second = await publish(dir, { target: { repository: name, registry: frontAddress }, extraTags: ['moves'] });
          expect(second.status).toBe('pushed');
          expect(second.notes.join('\n')).toContain(`left ${ROLLING} where it points`);
          expect((await registry.getManifest(name, ROLLING))?.digest).toBe(first.digest);
          expect((await registry.getManifest(name, 'moves'))?.digest).toBe(second.digest);
        });
      });

      it('says which repository when the registry does not know it (ECR NAME_UNKNOWN at the look-up)', async () => {
        const missing = `${repository}-missing`;
        const error = await failure(publishImage({
          image: 'x',
          contextDir: appDir,
          target: target({ repository: missing, registry: frontAddress }),
          rollingTag: ROLLING,
          docker,
        }));
        expect(error.kind).toBe('repository-missing');
        // Where: the first look-up the registry answered (the content or the rolling tag), which names the repository.
        expect(`error: ${error.message}`).toMatch(new RegExp(`^error: ECR repository does not exist \\(http://${frontAddress}/v2/${missing}/manifests/[^)]+\\): `
          + 'the infra bootstrap stack creates it: run the infra bootstrap apply for this account and region \\(packages/infra\\), or fix image.repository / --infra-outputs$'));
      });
    });

    it('reports credentials the registry refuses as an auth failure', async () => {
      const error = await failure(publish(appDir, { target: { ecr: undefined }, staticAuth: { username: 'AWS', password: 'wrong' } }));
      expect(error.kind).toBe('auth-failed');
      expect(`error: ${error.message}`).toContain('registry refused the credentials (HTTP 401)');
    });

    it('builds the real docker/prefect-base Dockerfile with the classic builder (on a stand-in base)', async () => {
      const stubTag = `ib-test/prefect-stub:${repository}`;
      await buildPlain(docker, path.join(__dirname, 'fixtures', 'prefect-stub-base'), stubTag, { BASE_IMAGE: env.TEST_BUSYBOX_IMAGE });
      images.add((await docker.inspectImage(stubTag)).Id);
      const contextDir = path.resolve(__dirname, '../../../docker/prefect-base');
      const result = await publish(contextDir, { push: false, buildArgs: { BASE_IMAGE: stubTag } });
      expect(result.status).toBe('built');
      const image = await docker.inspectImage(result.imageId!);
      expect(image).toMatchObject({ Os: 'linux', Architecture: 'amd64' });
      expect(image.Config?.User).toBe('10001');
      expect(image.Config?.Labels).toMatchObject({
        [LABELS.title]: 'prefect-base',
        [LABELS.revision]: expect.stringMatching(/^[0-9a-f]{40}(-dirty)?$/),
      });
      // The health check tool is there and executable; pip was asked for the pinned versions.
      const container = await docker.createContainer(result.imageId!, ['/bin/true']);
      try {
        const tool = await readContainerFile(docker, container, '/usr/local/bin/prefect-healthcheck');
        // eslint-disable-next-line no-bitwise
        expect(tool.mode & 0o777).toBe(0o755);
        expect(tool.text).toContain('/api/health');
        const pip = await readContainerFile(docker, container, '/pip-install.log');
        expect(pip.text).toMatch(/prefect==3\.\d+\.\d+.*prefect-aws\[ecs\]==\d+\.\d+\.\d+.*prefect-redis==\d+\.\d+\.\d+/);
        // The build imports the modules infra's scale-out settings name and checks the Prefect pin.
        const python = await readContainerFile(docker, container, '/python-run.log');
        expect(python.text).toMatch(/import .*prefect_redis\.messaging, prefect_redis\.ordering, prefect_redis\.lease_storage.* 3\.8\.3 0\.2\.14/);
      } finally {
        await docker.removeContainer(container, { force: true });
      }
    });
  });
