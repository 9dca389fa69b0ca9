import { OutputStream, Palette, paletteFor } from './style';

/** Progress of a command that takes more than a second: always on stderr, never in the data. */
export interface Progress {
  /** A phase starts: `[2/5] build`. */
  phase(index: number, total: number, title: string): void;
  /** A line worth keeping (a decision, a wait, a retry). */
  note(message: string): void;
  /** Replaces the live line (a TTY only; elsewhere nothing, so CI logs stay short). */
  live(text: string): void;
  /** Ends the live line, if any. */
  endLive(): void;
}

/** Reports nothing (`--json`, not a TTY when asked to be quiet, library use). */
export const SILENT_PROGRESS: Progress = { phase: () => {}, note: () => {}, live: () => {}, endLive: () => {} };

/** Options of {@link progressReporter}. */
export interface ProgressOptions {
  /** Where progress goes: stderr, so stdout carries only the command's data. */
  readonly stream: OutputStream;
  readonly env: NodeJS.ProcessEnv;
  /** `--json`: silent. */
  readonly json?: boolean;
  /** Report on a pipe too (phases and notes only); default: only on a TTY. */
  readonly whenNotTty?: boolean;
}

/**
 * Progress for people: phases and notes on a TTY (dimmed when colour is on) with one live line
 * that redraws in place; silent with `--json`, and off a TTY unless `whenNotTty` (then phases and
 * notes only).
 */
export function progressReporter(options: ProgressOptions): Progress {
  const { stream } = options;
  const tty = stream.isTTY === true;
  if (options.json || (!tty && !options.whenNotTty)) return SILENT_PROGRESS;
  const c: Palette = paletteFor({ stream, env: options.env });
  let live = false;
  const endLive = () => {
    if (live) stream.write('\n');
    live = false;
  };
  return {
    phase(index, total, title) {
      endLive();
      stream.write(`${c.dim(`[${index}/${total}]`)} ${title}\n`);
    },
    note(message) {
      endLive();
      stream.write(`${c.dim(`      ${message}`)}\n`);
    },
    live(text) {
      if (!tty) return;
      const width = Math.max(40, (stream.columns || 100) - 1);
      stream.write(`\r\u001b[2K${text.slice(0, width)}`);
      live = true;
    },
    endLive,
  };
}
