import { buildImage, BuildImageOptions, BuiltImage, TARGET_PLATFORM } from './build';
import { inspectLocalImage } from './engine';
import type { EngineClient } from './engine-api';
import { ProgressReporter, SILENT } from './progress';
import type { PublishOptions, PublishResult, PublishTarget } from './publish';
import type { PreparedBuild, PublishInputs } from './publish-inputs';
import { assertLocalPlatform } from './verify';

/** A build started before the plan was known. */
export interface EarlyBuild {
  readonly result: Promise<BuiltImage>;
  /** Settles once the engine has read the whole context and started building (or the build ended first). */
  readonly started: Promise<void>;
  /** How long it took, once done. */
  ms: number;
  cancel(): void;
}

/**
 * One publish's bookkeeping (phases, durations, notes, the result) and its build: started early,
 * before the plan, or when the plan asks; either way checked to be linux/amd64.
 */
export class PublishRun {
  private readonly durations: Record<string, number> = {};
  private readonly notes: string[] = [];
  private readonly started = Date.now();
  private readonly reporter: ProgressReporter;
  private phaseIndex = 0;
  private readonly phaseTotal: number;
  private resolvedTarget?: PublishTarget;

  constructor(readonly options: PublishOptions) {
    this.reporter = options.reporter ?? SILENT;
    // context, login, lookup, build, push, verify — or context and build with --no-push.
    this.phaseTotal = options.push === false ? 2 : options.dryRun ? 3 : 6;
  }

  /** The target, resolved (config loaded, for the CLI) on the first call. */
  target(): PublishTarget {
    const { target } = this.options;
    this.resolvedTarget ??= typeof target === 'function' ? target() : target;
    return this.resolvedTarget;
  }

  phase(title: string): void {
    this.phaseIndex += 1;
    this.reporter.phase(this.phaseIndex, Math.max(this.phaseTotal, this.phaseIndex), title);
  }

  note(message: string): void {
    this.notes.push(message);
    this.reporter.note(message);
  }

  async timed<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      this.durations[name] = Date.now() - t0;
    }
  }

  /** A build started before the plan; `cancel` stops it (a no-op when it already ended). */
  startBuild(prepared: PreparedBuild): EarlyBuild {
    const abort = new AbortController();
    const startedAt = Date.now();
    let onStarted!: () => void;
    const started = new Promise<void>((resolve) => (onStarted = resolve));
    const result = this.buildAndCheckPlatform(prepared, { signal: abort.signal, onStarted }).then((image) => {
      // Counted as the build phase only when the plan uses it (a cancelled build is not a build).
      build.ms = Date.now() - startedAt;
      return image;
    });
    // Awaited only when the plan is build-push; otherwise its failure (or cancellation) does not matter.
    result.catch(() => undefined).finally(onStarted);
    const build: EarlyBuild = { result, started, ms: 0, cancel: () => abort.abort() };
    return build;
  }

  /** Waits for an early build the plan uses, and books its time as the build phase. */
  async useEarlyBuild(early: EarlyBuild): Promise<BuiltImage> {
    this.phase('build linux/amd64 (started while the registry was read)');
    const image = await early.result;
    this.durations.build = early.ms;
    return image;
  }

  /** The classic builder; the platform is requested, and checked after because it may be ignored. */
  async buildAndCheckPlatform(prepared: PreparedBuild, early?: Pick<BuildImageOptions, 'signal' | 'onStarted'>): Promise<BuiltImage> {
    const signal = early?.signal;
    if (!signal) this.phase('build linux/amd64');
    // No ping first: the build request itself fails with the same "no Docker engine reachable".
    const { docker } = this.options;
    const build = () => buildImage(docker, prepared.context, {
      buildArgs: prepared.buildArgs,
      labels: prepared.apiLabels,
      pull: this.options.pull,
      noCache: this.options.noCache,
      signal,
      onStarted: early?.onStarted,
      onEvent: (e, s) => this.reporter.buildEvent(e, s),
    });
    const image = await (signal ? build() : this.timed('build', build));
    this.reporter.endLine();
    await refuseOtherPlatforms(docker, image.id, `${prepared.context.dir}/${prepared.context.dockerfile}`);
    return image;
  }

  finish(
    inputs: PublishInputs,
    outcome: Omit<PublishResult, 'image' | 'contentTag' | 'platform' | 'durations' | 'notes' | 'tags' | 'labels'>,
  ): PublishResult {
    this.durations.total = Date.now() - this.started;
    this.reporter.endLine();
    return {
      image: this.options.image,
      contentTag: inputs.contentTag,
      tags: inputs.tags,
      platform: `${TARGET_PLATFORM.os}/${TARGET_PLATFORM.architecture}`,
      labels: inputs.labels,
      durations: this.durations,
      notes: this.notes,
      ...outcome,
    };
  }
}

/**
 * The platform check; a refused image is also removed (it is untagged, and
 * nobody should `docker push` it by hand later). Removal is best effort.
 */
async function refuseOtherPlatforms(docker: EngineClient, id: string, where: string): Promise<void> {
  try {
    assertLocalPlatform(await inspectLocalImage(docker, id), where);
  } catch (err) {
    await docker.removeImage(id).catch(() => undefined);
    throw err;
  }
}
