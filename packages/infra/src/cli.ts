import * as fs from 'node:fs';
import * as path from 'node:path';
import { assertRealIdentities, ConfigError, configWarnings, loadConfig, PlatformConfig } from '@blog-data/config';
import { buildApp, stackNames } from './app';
import { withPublishedDigests, withRunningDigests } from './image-results';
import { BackendKind } from './stacks/stack-settings';
import { assertTerraformAvailable, runTerraform, TerraformError, terraformEnvironment } from './terraform';

const USAGE = `usage: platform-infra <synth|plan|apply|destroy|output> [options]
  --env dev|staging|prod     environment (default: PLATFORM_ENV, then dev)
  --backend s3|local         terraform state: the bootstrap bucket (default) or a local file under the outdir
  --stack all|bootstrap|platform   which stacks (default all; apply/plan run bootstrap first, destroy last)
  --auto-approve             apply/destroy without asking
  --outputs-file FILE        apply/output: write the platform stack's \`terraform output -json\` there
                             (output without it prints them; output reads state only, changes nothing)
  --image-result FILE        image-builder's publish result (repeatable: the Prefect image, flows-deployer);
                             task definitions pin its digest (else image.digest / image.deployerDigest)
  --outdir DIR               where stacks are synthesized (default: <package>/cdktf.out)
  --json                     machine-readable summary on stdout (terraform's own output goes to stderr)
  --verbose                  stack traces on errors
AWS_ENDPOINT_URL set = AWS emulator mode (the local rehearsal).`;

type Command = 'synth' | 'plan' | 'apply' | 'destroy' | 'output';
type StackChoice = 'all' | 'bootstrap' | 'platform';

/** Parsed command line. */
export interface CliOptions {
  readonly command: Command;
  readonly env?: string;
  readonly backend: BackendKind;
  readonly stack: StackChoice;
  readonly autoApprove: boolean;
  readonly outputsFile?: string;
  /** image-builder publish results whose digests the task definitions pin. */
  readonly imageResults: readonly string[];
  readonly outdir: string;
  readonly json: boolean;
  readonly verbose: boolean;
  /** Where terraform's own output goes: the terminal, stderr (`--json`), or captured (tests; kept on failure). */
  readonly terraformOutput: 'inherit' | 'stderr' | 'capture';
}

/** A command-line mistake; printed with the usage. */
export class UsageError extends Error {}

/** Parses argv (without `node` and the script). */
export function parseArgs(argv: readonly string[]): CliOptions {
  const [command, ...rest] = argv;
  if (!['synth', 'plan', 'apply', 'destroy', 'output'].includes(command ?? '')) {
    throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
  }
  const values: Record<string, string> = {};
  const flags = new Set<string>();
  const imageResults: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (['--auto-approve', '--json', '--verbose'].includes(arg)) {
      flags.add(arg);
    } else if (arg === '--image-result') {
      const value = rest[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      imageResults.push(path.resolve(value));
    } else if (['--env', '--backend', '--stack', '--outputs-file', '--outdir'].includes(arg)) {
      const value = rest[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      values[arg] = value;
    } else {
      throw new UsageError(`unknown option "${arg}"`);
    }
  }
  const backend = values['--backend'] ?? 's3';
  if (backend !== 's3' && backend !== 'local') throw new UsageError(`--backend: "${backend}" must be s3 or local`);
  const stack = values['--stack'] ?? 'all';
  if (!['all', 'bootstrap', 'platform'].includes(stack)) {
    throw new UsageError(`--stack: "${stack}" must be all, bootstrap or platform`);
  }
  if (values['--outputs-file'] && command !== 'apply' && command !== 'output') {
    throw new UsageError('--outputs-file goes with apply or output');
  }
  if (command === 'output' && stack === 'all' && values['--stack']) {
    throw new UsageError('--stack: output reads one stack (bootstrap or platform)');
  }
  return {
    command: command as Command,
    env: values['--env'],
    backend,
    stack: stack as StackChoice,
    autoApprove: flags.has('--auto-approve'),
    outputsFile: values['--outputs-file'],
    imageResults,
    outdir: path.resolve(values['--outdir'] ?? path.join(__dirname, '..', 'cdktf.out')),
    json: flags.has('--json'),
    verbose: flags.has('--verbose'),
    terraformOutput: flags.has('--json') ? 'stderr' : 'inherit',
  };
}

/** What one stack's terraform run did. */
export interface StackResult {
  readonly stack: string;
  readonly directory: string;
  readonly exitCode: number;
  /** For plan: whether there are changes (`-detailed-exitcode` = 2). */
  readonly changes?: boolean;
  /** Captured terraform output (only with `terraformOutput: 'capture'`), for failures and plan checks. */
  readonly log?: string;
}

/** Result of a command, printed by {@link main}. */
export interface CommandResult {
  readonly command: Command;
  readonly env: string;
  readonly backend: BackendKind;
  readonly emulator: boolean;
  readonly stacks: StackResult[];
  readonly outputsFile?: string;
  /** `output` without `--outputs-file`: the stack's `terraform output -json`. */
  readonly outputs?: unknown;
  /** Allowed but weakening settings (plain HTTP in dev, prod without deletion protection, alarms without a subscriber), said on every run. */
  readonly warnings: readonly string[];
  readonly ok: boolean;
}

/**
 * Synthesizes the environment's stacks, then (plan/apply/destroy) runs
 * `terraform init` and the command in each stack directory, bootstrap first
 * (destroy: platform first), stopping at the first failing stack; `output`
 * inits one stack and reads its outputs from the state.
 */
export async function runCommand(options: CliOptions, environ: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  // Settings first: bad settings must fail before anything is written.
  let config = withPublishedDigests(loadConfig({ env: options.env, environ }), options.imageResults);
  const emulatorEndpoint = environ.AWS_ENDPOINT_URL || undefined;
  if (!options.autoApprove && (options.command === 'apply' || options.command === 'destroy') && !process.stdin.isTTY) {
    throw new UsageError(`${options.command} asks for confirmation: pass --auto-approve when not on a terminal`);
  }
  // Real AWS with the committed example accounts or CircleCI ids would fail late ("Failed to assume role").
  if (options.command !== 'synth') assertRealIdentities(config, { emulator: !!emulatorEndpoint });
  if (options.command !== 'synth') assertTerraformAvailable(environ);

  const forApply = options.command !== 'output' && options.command !== 'destroy';
  const pinsImages = options.command === 'synth' || options.command === 'plan' || options.command === 'apply';
  const missingDigest = !(config.image.digest && config.image.deployerDigest);
  // Only where a state can exist (the S3 backend, or a local one written before).
  const mayHaveState = options.backend === 's3' || fs.existsSync(stackDir(options.outdir, stackNames(config).platform));
  if (pinsImages && options.stack !== 'bootstrap' && missingDigest && mayHaveState) {
    // No new image this deploy: keep the digests the environment runs (from its state).
    const running = await readPlatformOutputs(config, options, environ, emulatorEndpoint).catch(() => undefined);
    config = withRunningDigests(config, running);
  }
  const { app } = buildApp({ config, backend: options.backend, outdir: options.outdir, emulatorEndpoint, forApply });
  app.synth();

  const names = stackNames(config);
  const order = selectStacks(options, names);
  const warnings = configWarnings(config);
  const base = { command: options.command, env: config.env, backend: options.backend, emulator: !!emulatorEndpoint, warnings };
  if (options.command === 'synth') {
    return { ...base, stacks: order.map((s) => ({ stack: s, directory: stackDir(options.outdir, s), exitCode: 0 })), ok: true };
  }

  const env = terraformEnvironment(options.outdir, environ);
  const output = options.terraformOutput;
  const results: StackResult[] = [];
  for (const stack of order) {
    const cwd = stackDir(options.outdir, stack);
    const init = await runTerraform({ cwd, env, output, args: ['init', '-input=false', '-reconfigure', '-no-color'] });
    if (init.exitCode !== 0) {
      results.push({ stack, directory: cwd, exitCode: init.exitCode, log: `${init.stdout}${init.stderr}` || undefined });
      return { ...base, stacks: results, ok: false };
    }
    if (options.command === 'output') {
      results.push({ stack, directory: cwd, exitCode: 0 });
      break;
    }
    const args = commandArgs(options);
    let run = await runTerraform({ cwd, env, output, args });
    if (emulatorEndpoint && options.command === 'destroy' && run.exitCode !== 0) {
      // moto drops a rule along with the group it references and then answers the rule's delete
      // with InvalidPermission.NotFound (AWS would refuse to delete the referenced group first),
      // which the provider does not read as "already gone". Destroy is idempotent: a second one
      // refreshes and finishes; a real failure fails again.
      run = await runTerraform({ cwd, env, output, args });
    }
    const changes = options.command === 'plan' ? run.exitCode === 2 : undefined;
    const exitCode = options.command === 'plan' && run.exitCode === 2 ? 0 : run.exitCode;
    results.push({ stack, directory: cwd, exitCode, changes, log: `${run.stdout}${run.stderr}` || undefined });
    if (exitCode !== 0) return { ...base, stacks: results, ok: false };
  }

  const outputsStack = options.command === 'output' ? order[0] : names.platform;
  const wantsOutputs = options.command === 'output' || (options.command === 'apply' && options.outputsFile && order.includes(names.platform));
  if (!wantsOutputs) return { ...base, stacks: results, ok: true };
  const out = await runTerraform({ cwd: stackDir(options.outdir, outputsStack), env, output: 'capture', args: ['output', '-json'] });
  if (out.exitCode !== 0) throw new TerraformError(`terraform output failed in ${outputsStack} (exit ${out.exitCode}): ${out.stderr.trim()}`);
  if (!options.outputsFile) return { ...base, stacks: results, outputs: JSON.parse(out.stdout) as unknown, ok: true };
  const outputsFile = path.resolve(options.outputsFile);
  fs.mkdirSync(path.dirname(outputsFile), { recursive: true });
  fs.writeFileSync(outputsFile, out.stdout);
  return { ...base, stacks: results, outputsFile, ok: true };
}

/** The platform stack's current outputs (`terraform output -json`), or undefined before its first apply. */
async function readPlatformOutputs(
  config: PlatformConfig,
  options: CliOptions,
  environ: NodeJS.ProcessEnv,
  emulatorEndpoint?: string,
): Promise<unknown> {
  // Only state is read, so the task definitions' images do not matter for this synth.
  buildApp({ config, backend: options.backend, outdir: options.outdir, emulatorEndpoint, forApply: false }).app.synth();
  const cwd = stackDir(options.outdir, stackNames(config).platform);
  const env = terraformEnvironment(options.outdir, environ);
  const init = await runTerraform({ cwd, env, output: 'capture', args: ['init', '-input=false', '-reconfigure', '-no-color'] });
  if (init.exitCode !== 0) return undefined;
  const out = await runTerraform({ cwd, env, output: 'capture', args: ['output', '-json'] });
  return out.exitCode === 0 ? (JSON.parse(out.stdout || '{}') as unknown) : undefined;
}

function selectStacks(options: CliOptions, names: { bootstrap: string; platform: string }): string[] {
  if (options.command === 'output') return [options.stack === 'bootstrap' ? names.bootstrap : names.platform];
  const chosen = options.stack === 'all' ? [names.bootstrap, names.platform] : [names[options.stack]];
  return options.command === 'destroy' ? chosen.reverse() : chosen;
}

function commandArgs(options: CliOptions): string[] {
  const approve = options.autoApprove ? ['-auto-approve'] : [];
  switch (options.command) {
    case 'plan':
      return ['plan', '-input=false', '-no-color', '-detailed-exitcode'];
    case 'apply':
      return ['apply', '-input=false', '-no-color', ...approve];
    case 'destroy':
      return ['destroy', '-input=false', '-no-color', ...approve];
    default:
      throw new UsageError(`no terraform command for ${options.command}`);
  }
}

/** `<outdir>/stacks/<stack>`: where cdktf writes a stack and terraform runs. */
export function stackDir(outdir: string, stack: string): string {
  return path.join(outdir, 'stacks', stack);
}

function render(result: CommandResult): string {
  const lines = result.stacks.map((s) => {
    const status = s.exitCode === 0 ? (s.changes === undefined ? 'ok' : s.changes ? 'changes' : 'no changes') : `failed (exit ${s.exitCode})`;
    return `${s.stack.padEnd(28)} ${status.padEnd(16)} ${path.relative(process.cwd(), s.directory) || '.'}`;
  });
  const head = `${result.command} ${result.env} (backend ${result.backend}${result.emulator ? ', AWS emulator' : ''})`;
  const tail = result.outputsFile ? [`outputs written to ${result.outputsFile}`] : [];
  return [head, ...lines, ...tail].join('\n') + '\n';
}

/** Entry point of `platform-infra`; resolves with the exit code. */
export async function main(
  argv: readonly string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  environ: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let options: CliOptions | undefined;
  try {
    options = parseArgs(argv);
    const result = await runCommand(options, environ);
    for (const warning of result.warnings) err.write(`warning: ${warning}\n`);
    if (result.outputs !== undefined && !options.json) {
      // `output` without a file: the outputs themselves, as `terraform output -json` prints them.
      out.write(`${JSON.stringify(result.outputs, null, 2)}\n`);
    } else {
      out.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : render(result));
    }
    return result.ok ? 0 : 1;
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`error: ${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ConfigError) {
      for (const problem of e.problems) err.write(`error: ${problem} (settings): fix packages/config or the PLATFORM_* override\n`);
      return 1;
    }
    const message = e instanceof Error ? e.message : String(e);
    err.write(`error: ${message}\n`);
    if (options?.verbose && e instanceof Error && e.stack) err.write(`${e.stack}\n`);
    return 1;
  }
}
