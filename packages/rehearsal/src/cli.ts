import * as fs from 'node:fs';
import * as path from 'node:path';
import { OutputStream } from '@blog-data/cli-kit';
import { rehearsalPaths, rehearsalSteps, RehearsalOptions } from './rehearsal';
import { formatEnding } from './report';
import { runSteps } from './step-runner';

export const USAGE = `usage: scripts/rehearse.sh [--keep] [--down] [--verbose]
  --keep     leave the emulator, its stacks and the services running: a re-run reuses what did not change
  --down     only tear down what a --keep run left
  --verbose  stream every command's output as well`;

/** The command line of the rehearsal. */
export interface RehearsalArgs {
  readonly keep: boolean;
  readonly down: boolean;
  readonly verbose: boolean;
  readonly help: boolean;
}

/** Parses the flags; an unknown one is a usage error (thrown, with the usage). */
export function parseArgs(argv: readonly string[]): RehearsalArgs {
  const flags = { keep: false, down: false, verbose: false, help: false };
  for (const arg of argv) {
    if (arg === '--keep') flags.keep = true;
    else if (arg === '--down') flags.down = true;
    else if (arg === '--verbose' || arg === '-v') flags.verbose = true;
    else if (arg === '--help' || arg === '-h') flags.help = true;
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (flags.keep && flags.down) throw new Error(`--keep and --down contradict each other\n${USAGE}`);
  return flags;
}

/** The outputs worth a glance, from the platform stack's outputs file and the image result. */
export function readOutputs(files: ReturnType<typeof rehearsalPaths>): [string, string][] {
  const shown: [string, string][] = [];
  if (fs.existsSync(files.outputs)) {
    const outputs = JSON.parse(fs.readFileSync(files.outputs, 'utf8')) as Record<string, unknown>;
    for (const key of ['prefect_url', 'ecs_cluster_arn', 'ecr_repository_url', 'api_auth_secret_arn']) {
      const raw = outputs[key];
      const value = raw && typeof raw === 'object' && 'value' in raw ? (raw as { value: unknown }).value : raw;
      if (value !== undefined) shown.push([key, String(value)]);
    }
  }
  if (fs.existsSync(files.image)) shown.push(['image digest', (JSON.parse(fs.readFileSync(files.image, 'utf8')) as { digest: string }).digest]);
  return shown;
}

/** Runs the rehearsal and prints its report; resolves with the exit code. */
export async function main(argv: readonly string[], out: OutputStream = process.stdout): Promise<number> {
  let args: RehearsalArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    return 2;
  }
  if (args.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const repo = path.resolve(__dirname, '..', '..', '..');
  const started = Date.now();
  const installed = process.env.REHEARSAL_INSTALL_MS ? Number(process.env.REHEARSAL_INSTALL_MS) : undefined;
  const options: RehearsalOptions = { repo, keep: args.keep, down: args.down, installMilliseconds: installed };
  const files = rehearsalPaths(repo);
  const logs = path.relative(repo, files.logs);
  out.write(args.down ? 'rehearsal: tearing down what --keep left\n' : `rehearsal of dev on the AWS emulator${args.keep ? ' (--keep)' : ''}: one line per step, logs in ${logs}/\n`);
  const { steps, env } = rehearsalSteps(options);
  const reports = await runSteps(steps, { out, cwd: repo, logDir: files.logs, env, verbose: args.verbose });
  const kept = args.keep && reports.every((r) => r.status !== 'failed')
    ? 'kept running: emulator with the dev stacks, registry, Docker engine; `pnpm rehearse --down` tears them down'
    : undefined;
  const outputs = args.down ? [] : readOutputs(files);
  const ending = formatEnding({ steps: reports, outputs, kept, totalMilliseconds: Date.now() - started + (installed ?? 0) });
  out.write(`${ending.join('\n')}\n`);
  return reports.some((r) => r.status === 'failed') ? 1 : 0;
}
