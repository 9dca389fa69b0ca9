import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { buildImage, TARGET_PLATFORM } from './build';
import { readBuildContext } from './context';
import { EcrAuth, RegistryCredentials } from './ecr-auth';
import { describeEngine, engineRequestError, inspectLocalImage, pingEngine } from './engine';
import { PublishError } from './errors';
import { sourceInfo } from './git';
import { ProgressReporter, SILENT } from './progress';
import { DEFAULT_RETRY, enginePushStarter, pushWithRetry, RetryPolicy } from './push';
import { registryHostPart, RegistryClient } from './registry';
import { buildInputsHash, contentTag, imageRef, publishTags } from './tags';
import { assertLocalPlatform, verifyRemoteImage } from './verify';

/** What happened: pushed layers, only moved tags in the registry, nothing, or local-only outcomes. */
export type PublishStatus = 'pushed' | 'retagged' | 'noop' | 'built' | 'planned';

/** The result of a publish, printed with `--json` and written with `--output` (infra and the deployer pin `digest`). */
export interface PublishResult {
  /** Image name (directory under docker/). */
  readonly image: string;
  readonly status: PublishStatus;
  /** True when layers or manifests were uploaded. */
  readonly pushed: boolean;
  /** True when the registry already held this exact image under every tag. */
  readonly noop: boolean;
  /** `host/repository`. */
  readonly repository: string;
  /** Tags the image has in the registry (or would have, for --dry-run/--no-push). */
  readonly tags: readonly string[];
  /** The immutable tag (`src-…`). */
  readonly contentTag: string;
  /** Manifest digest in the registry; absent for --no-push / --dry-run of a new build. */
  readonly digest?: string;
  /** `host/repository@digest`: what task definitions should pin. */
  readonly reference?: string;
  /** Local image id = config digest; absent when nothing was built. */
  readonly imageId?: string;
  readonly platform: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Milliseconds per phase, and `total`. */
  readonly durations: Readonly<Record<string, number>>;
  /** Human sentences about decisions (no-op, retag, token refresh). */
  readonly notes: readonly string[];
}

/** Static credentials for a registry that is not ECR. */
export interface StaticRegistryAuth {
  readonly username: string;
  readonly password: string;
}

/** Everything {@link publishImage} needs; the CLI fills it from config, flags and env. */
export interface PublishOptions {
  /** Image name for labels and output. */
  readonly image: string;
  /** Build context directory (holds the Dockerfile). */
  readonly contextDir: string;
  readonly dockerfile?: string;
  /** Repository path, e.g. `blog-data`. */
  readonly repository: string;
  /** Rolling tag (config `image.tag`). */
  readonly rollingTag: string;
  /** More tags (`--tag`). */
  readonly extraTags?: readonly string[];
  /**
   * Registry to push to and read from (`host[:port]`, optional scheme). Default:
   * the host of the ECR token's proxyEndpoint. Set for tests and private registries.
   */
  readonly registry?: string;
  /** Registry host for local tags when nothing is contacted (--no-push); default `registry`. */
  readonly fallbackRegistryHost: string;
  /** ECR login; required unless `staticAuth` or `push: false`. */
  readonly ecr?: EcrAuth;
  readonly staticAuth?: StaticRegistryAuth;
  readonly docker: Docker;
  /** Push (default true). False: build and check the platform only; no registry contact. */
  readonly push?: boolean;
  /** Plan only: hash the context, look at the registry, build and push nothing. */
  readonly dryRun?: boolean;
  /** Build and push even when the registry already has the content tag. */
  readonly force?: boolean;
  readonly pull?: boolean;
  readonly noCache?: boolean;
  readonly retry?: RetryPolicy;
  readonly reporter?: ProgressReporter;
  /** Build args (`--build-arg`), sent whether or not the Dockerfile declares them; they win over computed ones. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Extra label values (tests); merged over the computed OCI labels. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** OCI label keys this tool sets. */
export const LABELS = {
  title: 'org.opencontainers.image.title',
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  created: 'org.opencontainers.image.created',
  version: 'org.opencontainers.image.version',
} as const;

/** Build args the builder offers; only those the Dockerfile declares with `ARG` are sent. */
export const BUILD_ARG_NAMES = { source: 'VCS_URL', revision: 'VCS_REF', created: 'BUILD_DATE', version: 'VERSION' } as const;

/**
 * Builds the image for linux/amd64, refuses any other platform, pushes the
 * immutable content tag, verifies it in the registry, then moves the rolling
 * tag to it. Skips everything the registry already has.
 */
export async function publishImage(options: PublishOptions): Promise<PublishResult> {
  const reporter = options.reporter ?? SILENT;
  const push = options.push !== false;
  const dryRun = options.dryRun === true;
  const durations: Record<string, number> = {};
  const notes: string[] = [];
  const note = (message: string) => {
    notes.push(message);
    reporter.note(message);
  };
  const started = Date.now();
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      durations[name] = Date.now() - t0;
    }
  };
  const total = dryRun ? 3 : push ? 6 : 2;
  let phase = 0;
  const nextPhase = (title: string) => reporter.phase(++phase, total, title);

  // 1. Context: what would be built, and its immutable name.
  const shownDir = path.relative(process.cwd(), options.contextDir);
  nextPhase(`read build context ${shownDir.startsWith('..') ? options.contextDir : shownDir || '.'}`);
  const context = await timed('context', () => readBuildContext(options.contextDir, { dockerfile: options.dockerfile }));
  const { buildArgs, labels } = buildMetadata(options, context.dir, context.dockerfile, context.files);
  const inputsHash = buildInputsHash({
    filesHash: context.filesHash,
    dockerfile: context.dockerfile,
    platform: `${TARGET_PLATFORM.os}/${TARGET_PLATFORM.architecture}`,
    buildArgs,
    labels,
  });
  const content = contentTag(inputsHash);
  const tags = publishTags(options.rollingTag, content, options.extraTags);
  // No label carries the content tag: then a change that does not change the image (a comment in
  // the Dockerfile) rebuilds from cache to the same image id, and only a tag moves.
  const allLabels = labels;
  // The classic builder turns every API label into one more committed step; the ones the
  // Dockerfile sets itself (from the same build args) are left to it.
  const dockerfileText = readFileSync(path.join(context.dir, context.dockerfile), 'utf8');
  const apiLabels = withoutKeys(allLabels, labelsSetIn(dockerfileText));
  reporter.note(`${context.files.length} files, content tag ${content}`);

  const finish = (partial: Omit<PublishResult, 'image' | 'contentTag' | 'platform' | 'durations' | 'notes' | 'tags' | 'labels'> & { tags?: readonly string[] }): PublishResult => {
    durations.total = Date.now() - started;
    reporter.endLine();
    return {
      image: options.image,
      contentTag: content,
      tags: partial.tags ?? tags,
      platform: `${TARGET_PLATFORM.os}/${TARGET_PLATFORM.architecture}`,
      labels: allLabels,
      durations,
      notes,
      ...partial,
    };
  };

  // The classic builder; platform requested, and checked after because it may be ignored.
  const buildAndCheckPlatform = async () => {
    nextPhase('build linux/amd64');
    await pingEngine(options.docker);
    const image = await timed('build', () => buildImage(options.docker, context, {
      buildArgs,
      labels: apiLabels,
      pull: options.pull,
      noCache: options.noCache,
      onEvent: (e, s) => reporter.buildEvent(e, s),
    }));
    reporter.endLine();
    await refuseOtherPlatforms(options.docker, image.id, `${context.dir}/${context.dockerfile}`);
    return image;
  };

  if (!push && !dryRun) {
    const host = registryHostPart(options.registry ?? options.fallbackRegistryHost);
    const built = await buildAndCheckPlatform();
    await tagLocally(options.docker, built.id, host, options.repository, tags);
    note(`built ${built.id}; tagged locally, not pushed (--no-push)`);
    return finish({ status: 'built', pushed: false, noop: false, repository: `${host}/${options.repository}`, imageId: built.id });
  }

  // 2. Registry and credentials.
  nextPhase('log in to the registry');
  const session = await timed('auth', () => RegistrySession.open(options));
  const repositoryRef = `${session.host}/${options.repository}`;

  // 3. Does the registry already hold this build?
  nextPhase(`look up ${repositoryRef}:${content}`);
  const existing = options.force ? undefined : await timed('lookup', () => session.withAuthRetry(async (registry) => {
    const atContent = await registry.getImageManifest(options.repository, content, TARGET_PLATFORM.os, TARGET_PLATFORM.architecture);
    if (!atContent) return undefined;
    const verified = await verifyRemoteImage(registry, options.repository, atContent.digest, atContent.configDigest);
    const stale: string[] = [];
    for (const tag of tags) {
      if (tag === content) continue;
      const at = await registry.getImageManifest(options.repository, tag, TARGET_PLATFORM.os, TARGET_PLATFORM.architecture);
      if (at?.digest !== verified.digest) stale.push(tag);
    }
    return { verified, stale };
  }));

  if (existing) {
    const { verified, stale } = existing;
    const reference = imageRef(session.host, options.repository, verified.digest);
    if (stale.length === 0) {
      note(`no-op: ${repositoryRef} already holds this build (${content} = ${verified.digest}); nothing built or pushed`);
      return finish({ status: 'noop', pushed: false, noop: true, repository: repositoryRef, digest: verified.digest, reference, imageId: verified.configDigest });
    }
    if (dryRun) {
      note(`dry run: would point ${stale.join(', ')} at ${verified.digest} (already in the registry as ${content})`);
      return finish({ status: 'planned', pushed: false, noop: false, repository: repositoryRef, digest: verified.digest, reference, imageId: verified.configDigest });
    }
    await timed('retag', () => session.withAuthRetry(async (registry) => {
      for (const tag of stale) await registry.copyTag(options.repository, verified.digest, tag);
    }));
    note(`retagged: ${stale.join(', ')} → ${verified.digest} (the image was already in the registry as ${content}; nothing built or uploaded)`);
    return finish({ status: 'retagged', pushed: true, noop: false, repository: repositoryRef, digest: verified.digest, reference, imageId: verified.configDigest });
  }

  if (dryRun) {
    note(`dry run: ${repositoryRef} has no ${content}; a publish would build and push ${tags.join(', ')}`);
    return finish({ status: 'planned', pushed: false, noop: false, repository: repositoryRef });
  }

  // 4. Build.
  const built = await buildAndCheckPlatform();
  reporter.note(`built ${built.id} (linux/amd64)`);

  // A build from identical inputs on a warm cache gives the same image id: if a tag already has it, only tags move.
  const sameImage = await session.withAuthRetry(async (registry) => {
    for (const tag of tags) {
      const at = await registry.getImageManifest(options.repository, tag, TARGET_PLATFORM.os, TARGET_PLATFORM.architecture);
      if (at?.configDigest === built.id) return { tag, digest: at.digest };
    }
    return undefined;
  });

  await tagLocally(options.docker, built.id, session.host, options.repository, tags);

  // 5. Push the immutable tag, unless the registry has the image already.
  let digest: string;
  let uploaded = false;
  if (sameImage) {
    digest = sameImage.digest;
    reporter.phase(++phase, total, 'push (skipped)');
    note(`registry already holds image ${built.id} as ${sameImage.tag}; no upload`);
  } else {
    nextPhase(`push ${repositoryRef}:${content}`);
    const pushed = await timed('push', () => pushWithRetry(
      enginePushStarter(options.docker, repositoryRef, content, session.host),
      {
        reference: `${repositoryRef}:${content}`,
        registryHost: session.host,
        auth: session,
        retry: options.retry ?? DEFAULT_RETRY,
        onEvent: (_e, monitor) => reporter.pushEvent(content, monitor),
        onRetry: (attempt, delay, reason) => note(`push attempt ${attempt} failed (${reason.split('\n')[0]}); retrying${delay ? ` in ${delay} ms` : ''}`),
      },
    ));
    reporter.endLine();
    digest = pushed.digest;
    uploaded = true;
    reporter.note(`pushed ${digest} (${pushed.layers - pushed.reusedLayers} layers uploaded, ${pushed.reusedLayers} already there)`);
  }

  // 6. Verify what the registry serves, then move the other tags to exactly that manifest.
  nextPhase('verify in the registry');
  const verified = await timed('verify', () => session.withAuthRetry((registry) =>
    verifyRemoteImage(registry, options.repository, digest, built.id)));
  reporter.note(`${verified.os}/${verified.architecture}, ${verified.mediaType}`);
  const moved: string[] = [];
  await timed('tag', () => session.withAuthRetry(async (registry) => {
    for (const tag of tags) {
      const at = await registry.getImageManifest(options.repository, tag, TARGET_PLATFORM.os, TARGET_PLATFORM.architecture);
      if (at?.digest === verified.digest) continue;
      await registry.copyTag(options.repository, verified.digest, tag);
      moved.push(tag);
    }
  }));
  if (moved.length) reporter.note(`tagged ${moved.join(', ')}`);
  const status: PublishStatus = uploaded ? 'pushed' : moved.length ? 'retagged' : 'noop';
  if (status === 'noop') note(`no-op: every tag already points at ${verified.digest}`);
  return finish({
    status,
    pushed: uploaded || moved.length > 0,
    noop: status === 'noop',
    repository: repositoryRef,
    digest: verified.digest,
    reference: imageRef(session.host, options.repository, verified.digest),
    imageId: built.id,
  });
}

/**
 * Credentials plus a registry client, with the one token refresh a publish
 * may spend. Also the credential source of the engine push.
 */
export class RegistrySession {
  /** Logs in (ECR or static credentials) and checks that the repository exists. */
  static async open(options: PublishOptions): Promise<RegistrySession> {
    let credentials: RegistryCredentials;
    if (options.staticAuth) {
      const host = registryHostPart(options.registry ?? options.fallbackRegistryHost);
      credentials = { ...options.staticAuth, registryHost: host };
    } else {
      if (!options.ecr) throw new Error('publishImage needs ecr or staticAuth to push');
      credentials = await options.ecr.credentials();
      await options.ecr.ensureRepository(options.repository);
    }
    const registry = options.registry ?? credentials.registryHost;
    return new RegistrySession(options, credentials, registryHostPart(registry), registry);
  }

  private refreshed = false;
  private client: RegistryClient;

  private constructor(
    private readonly options: PublishOptions,
    private current: RegistryCredentials,
    /** `host[:port]` images are tagged and pushed with. */
    readonly host: string,
    private readonly registryUrl: string,
  ) {
    this.client = this.makeClient();
  }

  async credentials(): Promise<RegistryCredentials> {
    return { ...this.current, registryHost: this.host };
  }

  /** A new token, once per publish; afterwards the current one (the caller then fails with its auth error). */
  async refresh(): Promise<RegistryCredentials> {
    if (!this.refreshed && this.options.ecr) {
      this.refreshed = true;
      this.current = await this.options.ecr.refresh();
      this.client = this.makeClient();
    }
    return this.credentials();
  }

  /** Runs registry API calls; on an auth rejection refreshes the token once and runs them again. */
  async withAuthRetry<T>(fn: (registry: RegistryClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client);
    } catch (err) {
      const rejected = err instanceof PublishError && (err.kind === 'auth-failed' || err.kind === 'token-expired');
      if (!rejected || this.refreshed || !this.options.ecr) throw err;
      this.options.reporter?.note(`registry refused the token (${err.message.split(' (')[0]}); fetching a new one`);
      await this.refresh();
      return fn(this.client);
    }
  }

  private makeClient(): RegistryClient {
    return new RegistryClient({ registry: this.registryUrl, username: this.current.username, password: this.current.password });
  }
}

/** OCI labels and the build args the Dockerfile declares. Deterministic for the same source. */
function buildMetadata(options: PublishOptions, dir: string, dockerfile: string, sentFiles: readonly string[]): {
  buildArgs: Record<string, string>; labels: Record<string, string>;
} {
  const git = sourceInfo(dir, sentFiles);
  const created = process.env.SOURCE_DATE_EPOCH
    ? new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000).toISOString()
    : git.committedAt;
  const version = git.revision ? `${options.rollingTag}+${git.revision.slice(0, 12)}` : options.rollingTag;
  const values: Record<keyof typeof BUILD_ARG_NAMES, string | undefined> = {
    source: git.url, revision: git.revision, created, version,
  };
  const labels: Record<string, string> = { [LABELS.title]: options.image };
  const buildArgs: Record<string, string> = {};
  const declared = declaredBuildArgs(readFileSync(path.join(dir, dockerfile), 'utf8'));
  for (const key of Object.keys(BUILD_ARG_NAMES) as (keyof typeof BUILD_ARG_NAMES)[]) {
    const value = values[key];
    if (value === undefined) continue;
    labels[LABELS[key]] = value;
    if (declared.has(BUILD_ARG_NAMES[key])) buildArgs[BUILD_ARG_NAMES[key]] = value;
  }
  return { buildArgs: { ...buildArgs, ...options.buildArgs }, labels: { ...labels, ...options.labels } };
}

/** Label keys a Dockerfile's LABEL instructions set (quoted or not, several per line, with continuations). */
export function labelsSetIn(dockerfile: string): Set<string> {
  const keys = new Set<string>();
  const joined = dockerfile.replace(/\\\r?\n/g, ' ');
  for (const line of joined.split(/\r?\n/)) {
    const instruction = /^\s*LABEL\s+(.*)$/i.exec(line);
    if (!instruction) continue;
    for (const pair of instruction[1].matchAll(/(?:"([^"]+)"|([^\s="]+))=(?:"(?:[^"\\]|\\.)*"|\S*)/g)) keys.add(pair[1] ?? pair[2]);
  }
  return keys;
}

function withoutKeys(record: Readonly<Record<string, string>>, keys: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => !keys.has(k)));
}

/** Names declared with `ARG` (sending others makes the engine warn about unconsumed build args). */
export function declaredBuildArgs(dockerfile: string): Set<string> {
  const names = new Set<string>();
  for (const match of dockerfile.matchAll(/^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)/gim)) names.add(match[1]);
  return names;
}

/**
 * The platform check; a refused image is also removed (it is untagged, and
 * nobody should `docker push` it by hand later). Removal is best effort.
 */
async function refuseOtherPlatforms(docker: Docker, id: string, where: string): Promise<void> {
  try {
    assertLocalPlatform(await inspectLocalImage(docker, id), where);
  } catch (err) {
    await docker.getImage(id).remove().catch(() => undefined);
    throw err;
  }
}

async function tagLocally(docker: Docker, id: string, host: string, repository: string, tags: readonly string[]): Promise<void> {
  for (const tag of tags) {
    try {
      await docker.getImage(id).tag({ repo: `${host}/${repository}`, tag });
    } catch (err) {
      throw engineRequestError(err, `tag ${host}/${repository}:${tag}`, describeEngine(docker));
    }
  }
}
