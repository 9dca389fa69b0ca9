import { Capture, captureIo as kitCaptureIo } from '@blog-data/cli-kit';
import type { OpsIo } from '../src';

/** platform-ops' io with buffers for stdout and stderr, an env of the test's own and, optionally, a TTY. */
export function captureIo(
  env: NodeJS.ProcessEnv = {},
  options: { tty?: boolean; signal?: AbortSignal } = {},
): OpsIo & { stdout: Capture; stderr: Capture } {
  return { ...kitCaptureIo(env, options.tty), signal: options.signal };
}
