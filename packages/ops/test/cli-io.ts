import type { OpsIo } from '../src';

/** A stream that keeps what is written; `isTTY` as asked. */
export class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

/** platform-ops' io with buffers for stdout and stderr, an env of the test's own and, optionally, a TTY. */
export function captureIo(
  env: NodeJS.ProcessEnv = {},
  options: { tty?: boolean; signal?: AbortSignal } = {},
): OpsIo & { stdout: Capture; stderr: Capture } {
  return { stdout: new Capture(options.tty), stderr: new Capture(options.tty), env, cwd: process.cwd(), signal: options.signal };
}
