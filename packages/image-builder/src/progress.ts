import { OutputStream, progressReporter } from '@blog-data/cli-kit';
import type { BuildState } from './build';
import type { EngineEvent } from './events';
import type { PushMonitor } from './push';

/** What the publish reports while it runs. Printing is separate from the work. */
export interface ProgressReporter {
  /** A publish phase starts, e.g. `phase(3, 6, 'build')`. */
  phase(index: number, total: number, title: string): void;
  /** A line worth keeping on screen (a decision, a warning). */
  note(message: string): void;
  buildEvent(event: EngineEvent, state: BuildState): void;
  pushEvent(tag: string, monitor: PushMonitor): void;
  /** A phase's live line is finished. */
  endLine(): void;
}

/** Reports nothing (`--json`, library use). */
export const SILENT: ProgressReporter = {
  phase: () => {},
  note: () => {},
  buildEvent: () => {},
  pushEvent: () => {},
  endLine: () => {},
};

/** Options for {@link terminalReporter}. */
export interface TerminalReporterOptions {
  /** Where to write; the result goes to stdout, progress to stderr. */
  readonly out: OutputStream;
  /** The process environment: `NO_COLOR` turns the dimmed phase numbers off. */
  readonly env?: NodeJS.ProcessEnv;
  /** Show every line of build output, not only the steps. */
  readonly verbose?: boolean;
}

/**
 * Progress for people, on cli-kit's reporter. On a TTY: phases, Dockerfile steps as they start,
 * and one live line of per-layer push progress. Not a TTY (CI logs): phases and notes only, so
 * logs stay short; `--verbose` adds the build output.
 */
export function terminalReporter(options: TerminalReporterOptions): ProgressReporter {
  const { out } = options;
  const tty = out.isTTY === true;
  const base = progressReporter({ stream: out, env: options.env ?? {}, whenNotTty: true });
  let lastStep = '';
  let lastDraw = 0;

  return {
    phase: base.phase,
    note: base.note,
    buildEvent(event, state) {
      if (options.verbose && typeof event.stream === 'string') {
        base.endLive();
        out.write(event.stream.replace(/^(?=.)/gm, '      | '));
        return;
      }
      const step = state.step;
      if (!tty || !step) return;
      const label = `Step ${step.index}/${step.total} : ${step.instruction}`;
      if (label !== lastStep) {
        lastStep = label;
        base.note(label);
      }
    },
    pushEvent(tag, monitor) {
      if (!tty) return;
      const now = Date.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      base.live(`      ${tag}: ${renderLayers(monitor)}`);
    },
    endLine: base.endLive,
  };
}

/** `3/5 layers done · 12.3/40.1 MB` plus each active layer's percentage. */
export function renderLayers(monitor: PushMonitor): string {
  const layers = [...monitor.layers.values()];
  const done = layers.filter((l) => l.status === 'Pushed' || l.status === 'Layer already exists').length;
  const active = layers.filter((l) => l.status === 'Pushing' && l.total);
  const sent = active.reduce((n, l) => n + (l.current ?? 0), 0);
  const size = active.reduce((n, l) => n + (l.total ?? 0), 0);
  const bars = active.slice(0, 4).map((l) => `${l.id.slice(0, 8)} ${Math.floor(((l.current ?? 0) / (l.total ?? 1)) * 100)}%`);
  const bytes = size ? ` · ${mb(sent)}/${mb(size)} MB` : '';
  return `${done}/${layers.length} layers done${bytes}${bars.length ? ` · ${bars.join(' ')}` : ''}`;
}

function mb(n: number): string {
  return (n / 1e6).toFixed(1);
}
