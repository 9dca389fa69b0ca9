import type { CliIo } from '../src';

/** A stream that keeps what is written; `isTTY` as asked. */
export class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

/** Buffers for stdout and stderr, and an env of our own. */
export function captureIo(env: NodeJS.ProcessEnv = {}, tty = false): CliIo & { stdout: Capture; stderr: Capture } {
  return { stdout: new Capture(tty), stderr: new Capture(tty), env, cwd: process.cwd() };
}
