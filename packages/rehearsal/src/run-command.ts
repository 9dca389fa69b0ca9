import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { stripAnsi } from '@blog-data/cli-kit';

/** One command of a step. */
export interface CommandRun {
  readonly argv: readonly string[];
  /** Environment of the child (the runner's own plus the step's additions). */
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Every line goes here (appended), with the command as a header. */
  readonly logFile: string;
  /** Also write every line to this stream (`--verbose`). */
  readonly echo?: NodeJS.WritableStream;
  /** Called for each complete output line (stdout and stderr), colour codes removed. */
  readonly onLine?: (line: string) => void;
}

/** Exit code and every line the command printed. */
export interface CommandResult {
  readonly exitCode: number;
  readonly lines: readonly string[];
}

/** Runs a command with its output in the log file (and on `echo`), never rejecting on failure. */
export function runCommand(run: CommandRun): Promise<CommandResult> {
  return new Promise((resolve) => {
    const log = fs.createWriteStream(run.logFile, { flags: 'a' });
    log.write(`$ ${run.argv.join(' ')}\n`);
    const lines: string[] = [];
    const child = spawn(run.argv[0], run.argv.slice(1), { cwd: run.cwd, env: run.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const splitter = () => {
      let pending = '';
      return {
        push(chunk: Buffer) {
          log.write(chunk);
          run.echo?.write(chunk);
          pending += chunk.toString();
          const parts = pending.split('\n');
          pending = parts.pop() ?? '';
          for (const part of parts) take(part);
        },
        flush() {
          if (pending) take(pending);
          pending = '';
        },
      };
    };
    const take = (raw: string) => {
      const line = stripAnsi(raw).replace(/\r$/, '');
      lines.push(line);
      run.onLine?.(line);
    };
    const out = splitter();
    const err = splitter();
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    let finished = false;
    const finish = (exitCode: number, note?: string) => {
      // A child that cannot start reports 'error' and may report 'close' too.
      if (finished) return;
      finished = true;
      out.flush();
      err.flush();
      if (note) {
        lines.push(note);
        log.write(`${note}\n`);
      }
      log.end(() => resolve({ exitCode, lines }));
    };
    child.on('error', (error) => finish(127, `error: ${run.argv[0]} could not start (${error.message})`));
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}
