import { CliContext, CliIo, EXIT, paletteFor, processIo, progressReporter, redactJson, redactSecrets, runCli, usageError } from '@blog-data/cli-kit';
import { Command, Option } from 'commander';
import type { FlowCodeStore } from './flow-code';
import { planHasChanges } from './plan';
import { renderHuman, renderJson } from './render';
import { run, RunOptions } from './run';
import { integerSetting, secondsSetting } from './settings';

export { EXIT };

interface CliFlags {
  env?: string;
  manifest: string;
  infraOutputs?: string;
  imageResult?: string;
  imageDigest?: string;
  prune?: boolean;
  json?: boolean;
  detailedExitcode?: boolean;
  healthTimeout?: number;
  requestTimeout?: number;
  timeBudget?: number;
  concurrency?: number;
  apiUrl?: string;
  authString?: string;
  apiKey?: string;
  offline?: boolean;
  verbose?: boolean;
}

/** What tests and the benchmark inject besides the process's streams and environment. */
export interface DeployerDeps {
  /** Transport override. */
  readonly fetch?: typeof fetch;
  /** Flow-code store override (default: S3 `flow_storage_bucket`). */
  readonly flowCodeStore?: FlowCodeStore;
}

/**
 * Flags that only matter when talking to the server. With `--offline` nothing is contacted, so
 * each would be silently ignored: the CLI refuses them instead (environment variables, which are
 * ambient, are simply not read).
 */
const NETWORK_FLAGS = [
  ['apiUrl', '--api-url'],
  ['authString', '--auth-string'],
  ['apiKey', '--api-key'],
  ['healthTimeout', '--health-timeout'],
  ['requestTimeout', '--request-timeout'],
  ['timeBudget', '--time-budget'],
  ['concurrency', '--concurrency'],
  ['prune', '--prune'],
] as const satisfies ReadonlyArray<readonly [keyof CliFlags, string]>;

/** Builds the commander program; {@link main} runs it through cli-kit's `runCli`. */
export function buildProgram(ctx: CliContext, deps: DeployerDeps = {}): Command {
  const program = new Command('flows-deployer').description('Ensures the ECS work pool and registers Prefect flows and deployments from prefect.yaml');
  // Flag values are checked while parsing: a bad one is a usage error naming the flag, before anything is read.
  const seconds = (flag: string) => (raw: string) => secondsSetting(raw, flag);
  for (const name of ['plan', 'apply'] as const) {
    program
      .command(name)
      .description(name === 'plan' ? 'show what apply would change, writing nothing' : 'create/update the work pool and deployments that changed')
      .option('--env <name>', 'environment (dev, staging, prod); default PLATFORM_ENV, then dev')
      .option('--manifest <file>', 'Prefect project file', 'prefect.yaml')
      .option('--infra-outputs <file>', 'platform stack outputs (terraform output -json or a flat map); default FLOWS_DEPLOYER_INFRA_OUTPUTS')
      .option('--image-result <file>', 'image-builder publish --output file, to pin flow runs to the pushed digest; default FLOWS_DEPLOYER_IMAGE_RESULT')
      .option('--image-digest <sha256>', 'pin flow runs to this image digest')
      .option('--prune', 'delete managed deployments in the pool that left the manifest')
      .option('--json', 'machine-readable output for CI', false)
      .option('--detailed-exitcode', 'plan: exit 3 when there are changes', false)
      .option('--health-timeout <seconds>', 'how long to wait for GET /api/health; default FLOWS_DEPLOYER_HEALTH_TIMEOUT or 120', seconds('--health-timeout'))
      .option('--request-timeout <seconds>', 'deadline of each request (connect, headers, body, retries); default PREFECT_API_REQUEST_TIMEOUT or 60', seconds('--request-timeout'))
      .option('--time-budget <seconds>', "the whole run's time limit; default FLOWS_DEPLOYER_TIME_BUDGET or 600", seconds('--time-budget'))
      .option('--concurrency <n>', 'requests in flight at once; default FLOWS_DEPLOYER_CONCURRENCY or 8', (raw: string) => integerSetting(raw, '--concurrency', 1, 64))
      .option('--api-url <url>', 'Prefect API URL ending in /api; default PREFECT_API_URL, then the prefect_api_url output')
      .addOption(new Option('--auth-string <user:pass>', 'basic auth; prefer PREFECT_API_AUTH_STRING (flags show in ps)').hideHelp())
      .addOption(new Option('--api-key <key>', 'bearer key; prefer PREFECT_API_KEY').hideHelp())
      .option('--offline', 'plan only, no network: validate the manifest, render the pool template, plan everything as a create', false)
      .option('--verbose', 'print stack traces on errors', false)
      .action(async (flags: CliFlags) => {
        ctx.setExitCode(await runCommand(name, flags, ctx.io, deps));
      });
  }
  return program;
}

/** Refuses flag combinations that would be silently ignored. */
function checkFlags(command: 'plan' | 'apply', flags: CliFlags): void {
  if (!flags.offline) return;
  if (command === 'apply') {
    throw usageError('apply cannot run --offline: it writes to the Prefect server', '--offline', 'use `flows-deployer plan --offline`, or drop --offline');
  }
  const ignored = NETWORK_FLAGS.filter(([key]) => flags[key] !== undefined).map(([, flag]) => flag);
  if (ignored.length > 0) {
    throw usageError(
      `${ignored.join(', ')} ${ignored.length === 1 ? 'has' : 'have'} no effect with --offline (no server is contacted)`,
      ignored.join(', '),
      'drop them, or drop --offline',
    );
  }
}

async function runCommand(command: 'plan' | 'apply', flags: CliFlags, io: CliIo, deps: DeployerDeps): Promise<number> {
  checkFlags(command, flags);
  const color = paletteFor({ stream: io.stdout, env: io.env, json: flags.json });
  const progress = progressReporter({ stream: io.stderr, env: io.env, json: flags.json });
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
    environ: io.env,
    fetch: deps.fetch,
    flowCodeStore: deps.flowCodeStore,
    // Progress goes through the kit's reporter (stderr, TTY only, silent with --json), redacted like everything else.
    onProgress: (message) => progress.note(redactSecrets(message)),
  };
  const result = await run(options);
  // The report may quote settings and outputs (URLs among them): never with credentials.
  const text = flags.json ? JSON.stringify(redactJson(renderJson(result)), null, 2) : redactSecrets(renderHuman(result, color));
  io.stdout.write(`${text}\n`);
  if (command === 'plan' && flags.detailedExitcode && planHasChanges(result.plan)) return EXIT.changes;
  return EXIT.ok;
}

/** Runs the CLI (arguments without `node` and the script) and resolves with its exit code. */
export function main(argv: readonly string[] = process.argv.slice(2), io: CliIo = processIo(), deps: DeployerDeps = {}): Promise<number> {
  return runCli(argv, io, (ctx) => buildProgram(ctx, deps));
}

if (require.main === module) {
  void main().then((code) => {
    process.exitCode = code;
  });
}
