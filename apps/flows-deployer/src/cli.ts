import { EXIT as KIT_EXIT, formatProblem } from '@blog-data/cli-kit';
import { ConfigError } from '@blog-data/config';
import { PrefectApiError } from '@blog-data/prefect-api';
import { Command, Option } from 'commander';
import { DeployerError, isErrorLike, messageOf } from './errors';
import type { FlowCodeStore } from './flow-code';
import { planHasChanges } from './plan';
import { ANSI, NO_COLOR, renderHuman, renderJson } from './render';
import { run, RunOptions } from './run';

/** Exit codes: the repository's convention (cli-kit); `changes` (3) only with --detailed-exitcode. */
export const EXIT = { ...KIT_EXIT, error: KIT_EXIT.failure } as const;

interface CliFlags {
  env?: string;
  manifest: string;
  infraOutputs?: string;
  imageResult?: string;
  imageDigest?: string;
  prune?: boolean;
  json?: boolean;
  detailedExitcode?: boolean;
  healthTimeout?: string;
  requestTimeout?: string;
  timeBudget?: string;
  concurrency?: string;
  apiUrl?: string;
  authString?: string;
  apiKey?: string;
  offline?: boolean;
  verbose?: boolean;
}

/** Output sinks, injectable for tests. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly isTty: boolean;
  readonly environ: NodeJS.ProcessEnv;
  readonly fetch?: typeof fetch;
  /** Flow-code store override (tests). */
  readonly flowCodeStore?: FlowCodeStore;
}

/** Builds the commander program; `main` runs it. */
export function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('flows-deployer')
    .description('Ensures the ECS work pool and registers Prefect flows and deployments from prefect.yaml')
    .showHelpAfterError()
    .exitOverride();
  for (const name of ['plan', 'apply'] as const) {
    const cmd = program
      .command(name)
      .description(name === 'plan' ? 'show what apply would change, writing nothing' : 'create/update the work pool and deployments that changed')
      .option('--env <name>', 'environment (dev, staging, prod); default PLATFORM_ENV, then dev')
      .option('--manifest <file>', 'Prefect project file', 'prefect.yaml')
      .option('--infra-outputs <file>', 'platform stack outputs (terraform output -json or a flat map); default FLOWS_DEPLOYER_INFRA_OUTPUTS')
      .option('--image-result <file>', 'image-builder publish --output file, to pin flow runs to the pushed digest; default FLOWS_DEPLOYER_IMAGE_RESULT')
      .option('--image-digest <sha256>', 'pin flow runs to this image digest')
      .option('--prune', 'delete managed deployments in the pool that left the manifest', false)
      .option('--json', 'machine-readable output for CI', false)
      .option('--detailed-exitcode', 'plan: exit 3 when there are changes', false)
      .option('--health-timeout <seconds>', 'how long to wait for GET /api/health; default FLOWS_DEPLOYER_HEALTH_TIMEOUT or 120')
      .option('--request-timeout <seconds>', 'deadline of each request (connect, headers, body, retries); default PREFECT_API_REQUEST_TIMEOUT or 60')
      .option('--time-budget <seconds>', 'the whole run\'s time limit; default FLOWS_DEPLOYER_TIME_BUDGET or 600')
      .option('--concurrency <n>', 'requests in flight at once; default FLOWS_DEPLOYER_CONCURRENCY or 8')
      .option('--api-url <url>', 'Prefect API URL ending in /api; default PREFECT_API_URL, then the prefect_api_url output')
      .addOption(new Option('--auth-string <user:pass>', 'basic auth; prefer PREFECT_API_AUTH_STRING (flags show in ps)').hideHelp())
      .addOption(new Option('--api-key <key>', 'bearer key; prefer PREFECT_API_KEY').hideHelp())
      .option('--offline', 'no network: validate the manifest, render the pool template, plan everything as a create', false)
      .option('--verbose', 'print stack traces on errors', false)
      .action(async (flags: CliFlags) => {
        setExitCode(await runCommand(name, flags, io));
      });
    cmd.exitOverride();
  }
  return program;
}

async function runCommand(command: 'plan' | 'apply', flags: CliFlags, io: CliIo): Promise<number> {
  const color = io.isTty && !flags.json && !io.environ.NO_COLOR ? ANSI : NO_COLOR;
  const progress = io.isTty && !flags.json ? (m: string) => io.stderr(color.dim(m)) : undefined;
  const options: RunOptions = {
    command,
    env: flags.env,
    manifest: flags.manifest,
    infraOutputs: flags.infraOutputs,
    imageResult: flags.imageResult,
    imageDigest: flags.imageDigest,
    prune: flags.prune,
    offline: flags.offline,
    apiUrl: flags.apiUrl,
    authString: flags.authString,
    apiKey: flags.apiKey,
    requestTimeout: flags.requestTimeout,
    timeBudget: flags.timeBudget,
    concurrency: flags.concurrency,
    healthTimeout: flags.healthTimeout,
    environ: io.environ,
    fetch: io.fetch,
    flowCodeStore: io.flowCodeStore,
    onProgress: progress,
  };
  try {
    const result = await run(options);
    io.stdout(flags.json ? JSON.stringify(renderJson(result), null, 2) : renderHuman(result, color));
    if (command === 'plan' && flags.detailedExitcode && planHasChanges(result.plan)) return EXIT.changes;
    return EXIT.ok;
  } catch (err) {
    reportError(err, io, flags);
    return EXIT.error;
  }
}

function reportError(err: unknown, io: CliIo, flags: CliFlags): void {
  let lines: string[];
  if (err instanceof ConfigError) lines = err.problems().map((p) => `error: ${formatProblem(p)}`);
  else if (err instanceof DeployerError || err instanceof PrefectApiError) lines = [`error: ${err.message}`];
  else lines = [`error: ${messageOf(err)} (unexpected): rerun with --verbose and report it`];
  if (flags.json) io.stdout(JSON.stringify({ error: lines.map((l) => l.replace(/^error: /, '')) }, null, 2));
  io.stderr(lines.join('\n'));
  if (flags.verbose && isErrorLike(err) && err.stack) io.stderr(err.stack);
}

/** Runs the CLI with process argv and exits with its code. */
export async function main(argv: readonly string[] = process.argv, io?: Partial<CliIo>): Promise<number> {
  const sinks: CliIo = {
    stdout: io?.stdout ?? ((t) => process.stdout.write(`${t}\n`)),
    stderr: io?.stderr ?? ((t) => process.stderr.write(`${t}\n`)),
    isTty: io?.isTty ?? Boolean(process.stdout.isTTY),
    environ: io?.environ ?? process.env,
    fetch: io?.fetch,
    flowCodeStore: io?.flowCodeStore,
  };
  let code: number = EXIT.ok;
  const program = buildProgram(sinks, (c) => {
    code = c;
  });
  try {
    // `pnpm start -- plan` may hand us a literal `--` first; commander would read it as end-of-options.
    const args = argv[2] === '--' ? [...argv.slice(0, 2), ...argv.slice(3)] : [...argv];
    await program.parseAsync(args);
  } catch (err) {
    // commander already printed usage errors; --help/--version land here with code 0.
    const exitCode = (err as { exitCode?: number }).exitCode;
    return typeof exitCode === 'number' ? (exitCode === 0 ? 0 : EXIT.error) : EXIT.error;
  }
  return code;
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
