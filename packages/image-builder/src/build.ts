import type { Readable } from 'node:stream';
import { UserError } from '@blog-data/cli-kit';
import type { BuildContext } from './context';
import { describeEngine, engineRequestError } from './engine';
import type { EngineClient } from './engine-api';
import { EngineEvent, eventError, readEngineEvents } from './events';

/** The platform every image is built for: Fargate runs linux/amd64 (X86_64) tasks. */
export const TARGET_PLATFORM = { os: 'linux', architecture: 'amd64' } as const;

/** Options for {@link buildImage}. */
export interface BuildImageOptions {
  /** `--build-arg` values. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Labels the engine adds to the image (after the Dockerfile's own). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Pull a newer base image first (needs the base's registry to be reachable). Default false. */
  readonly pull?: boolean;
  /** Build without the layer cache. Default false. */
  readonly noCache?: boolean;
  /** Called with every engine message as it arrives (progress display). */
  readonly onEvent?: (event: EngineEvent, state: BuildState) => void;
  /** Cancels the build: the request is closed, and the engine stops building when its client goes. */
  readonly signal?: AbortSignal;
  /** Called when the engine answers: it has read the whole context and started building. */
  readonly onStarted?: () => void;
}

/** What the build has done so far, for progress display and error messages. */
export interface BuildState {
  /** Current step, e.g. `{ index: 3, total: 5, instruction: 'RUN pip install …' }`. */
  step?: { index: number; total: number; instruction: string };
  /** The last lines of build output (at most {@link OUTPUT_TAIL_LINES}). */
  readonly tail: string[];
}

/** The result of a successful build. */
export interface BuiltImage {
  /** Image id (= digest of its config blob), `sha256:<hex>`. */
  readonly id: string;
  /** Number of Dockerfile steps the engine ran. */
  readonly steps: number;
}

/** How many output lines a build failure shows. */
export const OUTPUT_TAIL_LINES = 15;

const STEP_LINE = /^Step (\d+)\/(\d+) : (.*)$/;
const SUCCESS_LINE = /^Successfully built ([0-9a-f]{12,64})$/;

/**
 * Follows a build stream: tracks the step, keeps an output tail, remembers the
 * image id, and fails on the first `error`/`errorDetail` message even when the
 * stream goes on afterwards and the HTTP request itself succeeded.
 */
export class BuildMonitor {
  readonly state: BuildState = { tail: [] };
  private imageId?: string;
  private failure?: string;
  private partial = '';

  constructor(private readonly dockerfile: string) {}

  /** Feeds one engine message. */
  accept(event: EngineEvent): void {
    // After the first error the step and tail stay as they were: they describe the failure.
    if (this.failure !== undefined) return;
    const error = eventError(event);
    if (error !== undefined) {
      if (this.partial) this.acceptText('\n');
      this.failure = error;
      this.pushLine(error);
      return;
    }
    if (event.aux?.ID) this.imageId = event.aux.ID;
    if (typeof event.stream === 'string') this.acceptText(event.stream);
  }

  /** The built image, or a {@link UserError} naming the failing step and its output tail. */
  finish(): BuiltImage {
    if (this.partial) this.acceptText('\n');
    const step = this.state.step;
    const where = step ? `${this.dockerfile} step ${step.index}/${step.total}: ${step.instruction}` : this.dockerfile;
    if (this.failure !== undefined && /does not match the specified platform/.test(this.failure)) {
      // The engine noticed the base is not amd64 only because a step needed a container or a layer.
      throw new UserError(`base image is not linux/amd64: ${firstLine(this.failure)}`, where,
        'Fargate runs linux/amd64: make the base image amd64 (pin its amd64 digest, or `docker pull --platform linux/amd64` it); nothing was tagged or pushed', { kind: 'wrong-platform', detail: this.state.tail.map((l) => `  | ${l}`) });
    }
    if (this.failure !== undefined) {
      throw new UserError(`build failed: ${firstLine(this.failure)}`, where,
        'fix the step above (its output tail follows); nothing was tagged or pushed', { kind: 'build-failed', detail: this.state.tail.map((l) => `  | ${l}`) });
    }
    if (!this.imageId) {
      throw new UserError('build ended without an image id', where,
        'the engine stream was cut short; run again with --verbose and check the engine log', { kind: 'build-failed', detail: this.state.tail.map((l) => `  | ${l}`) });
    }
    return { id: this.imageId, steps: step?.total ?? 0 };
  }

  private acceptText(text: string): void {
    // Step headers arrive as "Step 1/3 : FROM x" followed by a separate "\n" message.
    const lines = (this.partial + text).split('\n');
    this.partial = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '').trimEnd();
      if (!line) continue;
      const step = STEP_LINE.exec(line);
      if (step) this.state.step = { index: Number(step[1]), total: Number(step[2]), instruction: step[3] };
      const success = SUCCESS_LINE.exec(line);
      if (success && !this.imageId) this.imageId = success[1];
      this.pushLine(line);
    }
  }

  private pushLine(line: string): void {
    this.state.tail.push(line);
    if (this.state.tail.length > OUTPUT_TAIL_LINES) this.state.tail.shift();
  }
}

/**
 * Builds `context` for linux/amd64 with the classic builder through the Engine
 * API. The image is NOT tagged here: tagging happens only after the build and
 * the platform check succeeded, so a failed build never moves a tag.
 */
export async function buildImage(
  docker: EngineClient, context: Pick<BuildContext, 'dir' | 'dockerfile' | 'pack'>, options: BuildImageOptions = {},
): Promise<BuiltImage> {
  const monitor = new BuildMonitor(context.dockerfile);
  let stream: Readable;
  try {
    stream = await docker.build(context.pack(), {
      dockerfile: context.dockerfile,
      platform: `${TARGET_PLATFORM.os}/${TARGET_PLATFORM.architecture}`,
      buildargs: { ...options.buildArgs },
      labels: { ...options.labels },
      pull: options.pull,
      nocache: options.noCache,
    }, options.signal);
  } catch (err) {
    throw engineRequestError(err, 'build', describeEngine(docker), context.dir);
  }
  options.onStarted?.();
  for await (const event of readEngineEvents(stream)) {
    monitor.accept(event);
    options.onEvent?.(event, monitor.state);
  }
  const built = monitor.finish();
  // "Successfully built <short id>" is the fallback when no aux message came; resolve it to the full id.
  if (!built.id.startsWith('sha256:')) {
    const inspect = await docker.inspectImage(built.id);
    return { ...built, id: inspect.Id };
  }
  return built;
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim())?.trim() ?? text;
}
