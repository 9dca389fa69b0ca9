/** A stream the CLIs write to: process.stdout/stderr, or a buffer in tests. */
export interface OutputStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/** Text styles; every function is the identity when colour is off. */
export interface Palette {
  readonly enabled: boolean;
  readonly bold: (s: string) => string;
  readonly dim: (s: string) => string;
  readonly red: (s: string) => string;
  readonly green: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
}

/** When to colour. */
export interface ColorChoice {
  /** The stream the styled text goes to. */
  readonly stream: OutputStream;
  /** The process environment (`NO_COLOR`, `FORCE_COLOR`, `TERM`). */
  readonly env: NodeJS.ProcessEnv;
  /** `--json`: never colour. */
  readonly json?: boolean;
}

/**
 * Colour only for people: on a TTY, without `--json`, without `NO_COLOR` (https://no-color.org:
 * any non-empty value), not on a `dumb` terminal. `FORCE_COLOR` (non-empty, not `0`) colours a pipe.
 */
export function colorEnabled(choice: ColorChoice): boolean {
  const { env } = choice;
  if (choice.json) return false;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return choice.stream.isTTY === true && env.TERM !== 'dumb';
}

const sgr = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
const plain = (s: string) => s;

/** ANSI colours. */
export const ANSI: Palette = {
  enabled: true,
  bold: sgr(1, 22),
  dim: sgr(2, 22),
  red: sgr(31, 39),
  green: sgr(32, 39),
  yellow: sgr(33, 39),
  cyan: sgr(36, 39),
};

/** No styling. */
export const PLAIN: Palette = { enabled: false, bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };

/** The palette for a stream: {@link ANSI} when {@link colorEnabled}, else {@link PLAIN}. */
export function paletteFor(choice: ColorChoice): Palette {
  return colorEnabled(choice) ? ANSI : PLAIN;
}

/** Removes ANSI escape sequences (for measuring widths and for tests). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}
