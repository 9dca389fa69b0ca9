import type { CliIo } from './run-cli';

/** A stream that keeps what is written; `isTTY` as asked. For tests of the CLIs built on this kit. */
export class Capture {
  text = '';
  constructor(readonly isTTY = false) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

/** A CLI's io for tests: buffers for stdout and stderr, an env of the test's own, a TTY or not. */
export function captureIo(env: NodeJS.ProcessEnv = {}, tty = false): CliIo & { stdout: Capture; stderr: Capture } {
  return { stdout: new Capture(tty), stderr: new Capture(tty), env, cwd: process.cwd() };
}
