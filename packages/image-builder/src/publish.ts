import * as path from 'node:path';
import { registryHostPart } from '@blog-data/oci-registry';
import type { ListedBuildContext } from './context';
import type { EcrAuth } from './ecr-auth';
import { describeEngine, engineRequestError } from './engine';
import type { EngineClient } from './engine-api';
import { MovedTags, moveTags } from './move-tags';
import { describePlan, PlanContext, planPublish, planUpload, PublishMode, RegistryState, tagsToMove } from './plan';
import type { ProgressReporter } from './progress';
import { ContextReading, nameBuild, prepareBuild, PublishInputs, readContext } from './publish-inputs';
import { EarlyBuild, PublishRun } from './publish-run';
import { PublishedTags } from './published-tags';
import { DEFAULT_RETRY, enginePushStarter, pushWithRetry, RetryPolicy } from './push';
import { RegistrySession, StaticRegistryAuth } from './registry-session';
import { readRegistryState } from './registry-state';
import { imageRef } from './tags';
import { VerifiedImage, verifyRemoteImage } from './verify';
import { yieldToEngine } from './yield-to-engine';

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
  /**
   * The image's config digest (what `docker image inspect` calls its id on the classic image store);
   * with --no-push the engine's id, which on the containerd image store is the manifest digest.
   */
  readonly imageId?: string;
  readonly platform: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Milliseconds per phase, and `total`. */
  readonly durations: Readonly<Record<string, number>>;
  /** Human sentences about decisions (no-op, retag, token refresh). */
  readonly notes: readonly string[];
}

/** The repository an image goes to, and how to log in to it: what config and infra outputs say. */
export interface PublishTarget {
  /**
   * Registry to push to and read from (`host[:port]`, optional scheme). Default:
   * the host of the ECR token's proxyEndpoint. Set for tests and private registries.
   */
  readonly registry?: string;
  /** Repository path, e.g. `blog-data`. */
  readonly repository: string;
  /** Registry host for local tags when nothing is contacted (--no-push); default `registry`. */
  readonly fallbackRegistryHost: string;
  /** ECR login; required unless `staticAuth` or `push: false`. */
  readonly ecr?: EcrAuth;
}

/** Everything {@link publishImage} needs; the CLI fills it from config, flags and env. */
export interface PublishOptions {
  /** Image name for labels and output. */
  readonly image: string;
  /** Build context directory (holds the Dockerfile). */
  readonly contextDir: string;
  readonly dockerfile?: string;
  /**
   * Where the image goes. A function is called once, and only after a build that needs none of it
   * has started (the CLI loads config in it, ~0.2 s of the only thread that the engine then builds in).
   */
  readonly target: PublishTarget | (() => PublishTarget);
  /** Rolling tag (config `image.tag`). */
  readonly rollingTag: string;
  /** More tags (`--tag`). */
  readonly extraTags?: readonly string[];
  readonly staticAuth?: StaticRegistryAuth;
  readonly docker: EngineClient;
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
  /** `SOURCE_DATE_EPOCH` (the CLI passes the environment's), for the `created` label. */
  readonly sourceDateEpoch?: string;
  /** Directory paths in progress lines are shown relative to; default: shown absolute. */
  readonly cwd?: string;
  /** File remembering context file hashes by stat (see `readBuildContext`); default none. */
  readonly hashCacheFile?: string;
  /** The context already being read (the CLI starts it before loading the rest); default: read here. */
  readonly contextReading?: ContextReading;
  /** New (unhashed) context bytes from which the build starts before the plan; default 1 (any changed file). */
  readonly earlyBuildBytes?: number;
  /** File remembering the content tags this context published (see `PublishedTags`); default none. */
  readonly publishedTagsFile?: string;
}


/**
 * Builds the image for linux/amd64, refuses any other platform, pushes the
 * immutable content tag, verifies it in the registry, then moves the rolling
 * tag to it. Skips everything the registry already has.
 *
 * Decide, then act: the inputs and the registry are read first, {@link planPublish}
 * decides, and this function carries the plan out.
 */
export async function publishImage(options: PublishOptions): Promise<PublishResult> {
  const run = new PublishRun(options);
  const mode: PublishMode = options.push === false ? 'no-push' : options.dryRun ? 'dry-run' : 'publish';
  run.phase(`read build context ${shownDir(options.contextDir, options.cwd)}`);
  // The CLI started reading the context before it loaded this module: mostly done now.
  const reading = options.contextReading ?? readContext(options);
  // A context the hash cache has not seen (a changed file) will most likely be built.
  const hasNewContent = (context: ListedBuildContext) =>
    options.force === true || context.unhashedBytes >= (options.earlyBuildBytes ?? EARLY_BUILD_BYTES);
  // Nothing new in the context (by stat): a no-op candidate, and no build starts before the plan.
  // So the target and the login start now, while git's processes answer.
  const listed = await reading.listed.catch(() => undefined);
  let session = mode !== 'no-push' && listed && !hasNewContent(listed) ? openRegistry(run) : undefined;
  const prepared = await run.timed('context', () => prepareBuild(options, reading.read));
  // A changed context: start the build now, so that the target, hashing, login and the registry
  // look-up all happen while the engine builds (as `docker build` starts at once). Nothing is
  // tagged or pushed before the plan says so; any other plan (a change undone: retag) cancels it.
  const published = await PublishedTags.open(options.publishedTagsFile);
  let hashedFirst: PublishInputs | undefined;
  let early: EarlyBuild | undefined;
  if (mode === 'publish' && hasNewContent(prepared.context)) {
    // A small change may be one undone, or a file only touched: hashing it first reads only the
    // changed files, and content this context already published here is looked up before anything
    // is built (a retag or a no-op then, where a build would be started and cancelled).
    if (!options.force && published.enabled && prepared.context.unhashedBytes <= HASH_FIRST_BYTES) {
      hashedFirst = await run.timed('hash', () => nameBuild(prepared, options));
      // Only content published from here before needs the repository's name (the target) to ask.
      const publishedHere = published.publishedAnywhere(hashedFirst.contentTag) && published.has(publishedKey(run), hashedFirst.contentTag);
      if (!publishedHere) early = run.startBuild(prepared);
    } else {
      early = run.startBuild(prepared);
    }
  }
  try {
    // The target may load config, which keeps the only thread busy: the engine gets the whole
    // context first (a blocked thread sends no more of it), so that it builds meanwhile. What this
    // process does during the build runs at low priority, not to slow the build down.
    if (early) {
      await early.started;
      early.result.finally(yieldToEngine()).catch(() => undefined);
    }
    session ??= mode === 'no-push' ? undefined : openRegistry(run);
    const inputs = hashedFirst ?? await run.timed('hash', () => nameBuild(prepared, options));
    options.reporter?.note(`${inputs.context.files.length} files, content tag ${inputs.contentTag}`);
    const planContext: PlanContext = { mode, force: options.force === true, contentTag: inputs.contentTag, tags: inputs.tags };

    if (!session) {
      const { registry, repository, fallbackRegistryHost } = run.target();
      const host = registryHostPart(registry ?? fallbackRegistryHost);
      const built = await run.buildAndCheckPlatform(inputs);
      await tagLocally(options.docker, built.id, host, repository, inputs.tags);
      run.note(`built ${built.id}; tagged locally, not pushed (--no-push)`);
      return run.finish(inputs, { status: 'built', pushed: false, noop: false, repository: `${host}/${repository}`, imageId: built.id });
    }
    const result = await publishToRegistry(run, inputs, session, planContext, early);
    if (result.digest && mode === 'publish') await published.remember(publishedKey(run), result.contentTag);
    return result;
  } finally {
    // A plan other than build-push (or a failure) leaves the early build unused: stop it.
    early?.cancel();
  }
}

/** The key content tags are remembered under: registry host and repository. */
function publishedKey(run: PublishRun): string {
  const { registry, repository, fallbackRegistryHost } = run.target();
  return `${registryHostPart(registry ?? fallbackRegistryHost)}/${repository}`;
}

/**
 * Logging in (an ECR token, remembered between runs, or static credentials). Nothing else is asked
 * of ECR: the registry itself says when the repository does not exist (`NAME_UNKNOWN` at the
 * look-up) and when a tag cannot move (immutable), so a publish with a remembered token loads no
 * AWS SDK, whose ~0.25 s of CPU would otherwise slow the engine's build on the shared cores.
 */
function openRegistry(run: PublishRun): Promise<RegistrySession> {
  const { options } = run;
  const target = run.target();
  const session = run.timed('auth', () => RegistrySession.open({
    registry: target.registry,
    fallbackRegistryHost: target.fallbackRegistryHost,
    ecr: target.ecr,
    staticAuth: options.staticAuth,
    reporter: options.reporter,
  }));
  session.catch(() => undefined);
  return session;
}

/** Login, look-up, plan, and carrying the plan out. */
async function publishToRegistry(
  run: PublishRun, inputs: PublishInputs, login: Promise<RegistrySession>, planContext: PlanContext, early: EarlyBuild | undefined,
): Promise<PublishResult> {
  const { repository } = run.target();
  run.phase('log in to the registry');
  const session = await login;
  const repositoryRef = `${session.host}/${repository}`;
  run.phase(`look up ${repositoryRef}:${inputs.contentTag}`);
  const state = await run.timed('lookup', () => session.withAuthRetry((registry) =>
    readRegistryState(registry, repository, inputs.contentTag, inputs.tags, { createdOnPush: !session.isEcr })));
  const plan = planPublish(planContext, state);
  const where = { repository: repositoryRef, contentTag: inputs.contentTag, tags: inputs.tags };
  const pinned = (image: VerifiedImage) => pinnedImage(session.host, repository, image);

  switch (plan.kind) {
    case 'noop':
      run.note(describePlan(plan, where));
      return run.finish(inputs, { status: 'noop', pushed: false, noop: true, ...pinned(plan.image) });
    case 'retag': {
      if (plan.dryRun) {
        run.note(describePlan(plan, where));
        return run.finish(inputs, { status: 'planned', pushed: false, noop: false, ...pinned(plan.image) });
      }
      run.phase(`move ${plan.move.join(', ')}`);
      const tags = await run.timed('retag', () => session.withAuthRetry((registry) => moveTags(registry, repository, plan.image.manifest, plan.move)));
      noteFrozen(run, tags, plan.image);
      const moved = tags.moved.length > 0;
      run.note(describePlan(moved ? { ...plan, move: tags.moved } : { kind: 'noop', image: plan.image }, where));
      return run.finish(inputs, { status: moved ? 'retagged' : 'noop', pushed: moved, noop: !moved, ...pinned(plan.image) });
    }
    case 'build-push':
      if (plan.dryRun) {
        run.note(describePlan(plan, where));
        return run.finish(inputs, { status: 'planned', pushed: false, noop: false, repository: repositoryRef });
      }
      return buildPushVerify(run, inputs, session, state, planContext, early);
    case 'build-local':
      throw new Error('unreachable: no-push is handled before the registry is read');
  }
}

/** The build-push plan: build, push unless the registry has the image, verify, move the other tags. */
async function buildPushVerify(
  run: PublishRun, inputs: PublishInputs, session: RegistrySession, state: RegistryState, planContext: PlanContext, early: EarlyBuild | undefined,
): Promise<PublishResult> {
  const { options } = run;
  const { repository } = run.target();
  const repositoryRef = `${session.host}/${repository}`;
  const content = inputs.contentTag;
  const built = await (early ? run.useEarlyBuild(early) : run.buildAndCheckPlatform(inputs));
  options.reporter?.note(`built ${built.id} (linux/amd64)`);
  await tagLocally(options.docker, built.id, session.host, repository, inputs.tags);

  const upload = planUpload(planContext, state, built.id);
  let digest: string;
  if (upload.kind === 'reuse') {
    digest = upload.digest;
    run.phase('push (skipped)');
    run.note(`registry already holds image ${built.id} as ${upload.tag}; no upload`);
  } else {
    run.phase(`push ${repositoryRef}:${content}`);
    const pushed = await run.timed('push', () => pushWithRetry(
      enginePushStarter(options.docker, repositoryRef, content, session.host),
      {
        reference: `${repositoryRef}:${content}`,
        registryHost: session.host,
        auth: session,
        retry: options.retry ?? DEFAULT_RETRY,
        onEvent: (_e, monitor) => options.reporter?.pushEvent(content, monitor),
        onRetry: (attempt, delay, reason) => run.note(`push attempt ${attempt} failed (${reason.split('\n')[0]}); retrying${delay ? ` in ${delay} ms` : ''}`),
      },
    ));
    options.reporter?.endLine();
    digest = pushed.digest;
    options.reporter?.note(`pushed ${digest} (${pushed.layers - pushed.reusedLayers} layers uploaded, ${pushed.reusedLayers} already there)`);
  }

  // Only what the registry serves counts: read it back, then point the other tags at exactly it.
  run.phase('verify in the registry');
  const verified = await run.timed('verify', () => session.withAuthRetry((registry) =>
    verifyRemoteImage(registry, repository, digest, built.id)));
  options.reporter?.note(`${verified.os}/${verified.architecture}, ${verified.mediaType}`);
  const move = tagsToMove(planContext, state, verified, upload.kind === 'push' ? [content] : []);
  let tags: MovedTags = { moved: [], frozen: [] };
  if (move.length) {
    tags = await run.timed('tag', () => session.withAuthRetry((registry) => moveTags(registry, repository, verified.manifest, move)));
    if (tags.moved.length) options.reporter?.note(`tagged ${tags.moved.join(', ')}`);
    noteFrozen(run, tags, verified);
  }
  const uploaded = upload.kind === 'push';
  const status: PublishStatus = uploaded ? 'pushed' : tags.moved.length ? 'retagged' : 'noop';
  if (status === 'noop') run.note(`no-op: every tag already points at ${verified.manifest.digest}${tags.frozen.length ? ', or is immutable' : ''}`);
  return run.finish(inputs, {
    status,
    pushed: uploaded || tags.moved.length > 0,
    noop: status === 'noop',
    ...pinnedImage(session.host, repository, verified),
  });
}

/** What a result says about a verified image: where it is, and the digest tasks pin. */
function pinnedImage(host: string, repository: string, image: VerifiedImage): Pick<PublishResult, 'repository' | 'digest' | 'reference' | 'imageId'> {
  return { repository: `${host}/${repository}`, digest: image.digest, reference: imageRef(host, repository, image.digest), imageId: image.configDigest };
}

/** Unhashed context bytes from which a build starts before the plan: any changed file. */
const EARLY_BUILD_BYTES = 1;
/** Changed bytes up to which the content is hashed before a build starts (8 MiB: a few ms of sha256). */
const HASH_FIRST_BYTES = 8 * 1024 * 1024;

/** Says which tags stay where they are because the registry would not move them. */
function noteFrozen(run: PublishRun, tags: MovedTags, image: VerifiedImage): void {
  const { frozen } = tags;
  if (frozen.length) {
    run.note(`left ${frozen.join(', ')} where ${frozen.length > 1 ? 'they point' : 'it points'}: the repository's tags are immutable `
      + `(the registry refused to move ${frozen.length > 1 ? 'them' : 'it'}); tasks run the verified digest ${image.digest}, not a tag`);
  }
}

/** The context directory as the user would write it: relative to `cwd` when inside it. */
function shownDir(dir: string, cwd: string | undefined): string {
  if (!cwd) return dir;
  const rel = path.relative(cwd, dir);
  return rel.startsWith('..') ? dir : rel || '.';
}

async function tagLocally(docker: EngineClient, id: string, host: string, repository: string, tags: readonly string[]): Promise<void> {
  await Promise.all(tags.map(async (tag) => {
    try {
      await docker.tagImage(id, `${host}/${repository}`, tag);
    } catch (err) {
      throw engineRequestError(err, `tag ${host}/${repository}:${tag}`, describeEngine(docker));
    }
  }));
}
