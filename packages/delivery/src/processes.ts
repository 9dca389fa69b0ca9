import { spawn } from 'node:child_process';
import { UserError } from '@blog-data/cli-kit';

/** A workspace CLI one step runs (`node <bin> <args>`), with the environment it gets. */
export interface ToolRun {
  /** Path of the CLI's bin file, relative to the workspace root. */
  readonly bin: string;
  readonly args: readonly string[];
  /** Variables added to this process's environment (AWS_PROFILE, secrets for the child only). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs a workspace CLI with the terminal attached; a non-zero exit is a {@link UserError}. */
export function runTool(root: string, run: ToolRun): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [run.bin, ...run.args], {
      cwd: root,
      env: { ...process.env, ...run.env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', (e) => reject(new UserError(`could not start ${run.bin}: ${e.message}`, run.bin, 'build the workspace (pnpm nx run-many -t build)')));
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new UserError(`${run.bin} ${run.args[0] ?? ''} failed (${signal ?? `exit ${code}`})`, run.bin, 'see its output above'));
    });
  });
}

/** The command as a person would type it (for --dry-run); values of `env` are never shown. */
export function describeRun(run: ToolRun): string {
  const env = Object.keys(run.env ?? {}).map((k) => `${k}=…`);
  return [...env, 'node', run.bin, ...run.args].join(' ');
}
