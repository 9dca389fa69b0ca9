import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliIo, EXIT, paletteFor, processIo, renderTable, runCli, usageError, UserError } from '@blog-data/cli-kit';
import {
  assertRealIdentities,
  bootstrapOutputsSchema,
  configWarnings,
  ENVIRONMENTS,
  loadConfig,
  parseInfraOutputs,
  PlatformConfig,
  platformOutputsSchema,
} from '@blog-data/config';
import { Command, Option } from 'commander';
import { buildApp, stackNames } from './app';
import { withPublishedDigests, withRunningDigests } from './image-results';
import { BackendKind } from './stacks/stack-settings';
import { assertTerraformAvailable, runTerraform, terraformEnvironment } from './terraform';

const COMMANDS = {
  synth: 'synthesize the stacks of an environment (no AWS access)',
  plan: 'terraform plan of the stacks, bootstrap first',
  apply: 'terraform apply of the stacks, bootstrap first',
  destroy: 'terraform destroy of the stacks, platform first',
  output: "print (or write) one stack's outputs from its state; changes nothing",
} as const;

type CommandName = keyof typeof COMMANDS;
type StackChoice = 'all' | 'bootstrap' | 'platform';

/** Parsed command line. */
export interface CliOptions {
  readonly command: CommandName;
  readonly env?: string;
  readonly backend: BackendKind;
  readonly stack: StackChoice;
  readonly autoApprove: boolean;
  readonly outputsFile?: string;
  readonly outdir: string;
  /** image-builder publish results whose digests the task definitions pin. */
  readonly imageResults: readonly string[];
  readonly json: boolean;
  readonly verbose: boolean;
  /** Where terraform's own output goes: the terminal, stderr (`--json`), or captured (tests; kept on failure). */
  readonly terraformOutput: 'inherit' | 'stderr' | 'capture';
}

interface Flags {
  env?: string;
  backend: BackendKind;
  stack?: StackChoice;
  autoApprove?: boolean;
  outputsFile?: string;
  outdir?: string;
  imageResult: string[];
  json?: boolean;
  verbose?: boolean;
}

/** The commander program; `onCommand` receives each parsed and checked command line. */
function buildProgram(onCommand: (options: CliOptions) => Promise<void> | void): Command {
  const program = new Command('platform-infra')
    .description('Synthesize the CDKTF stacks of an environment and run terraform on them')
    .addHelpText('after', '\nAWS_ENDPOINT_URL set = AWS emulator mode (the local rehearsal).');
  for (const [name, description] of Object.entries(COMMANDS) as [CommandName, string][]) {
    const command = program.command(name).description(description);
    command
      .option('--env <env>', `${ENVIRONMENTS.join(' | ')} (default PLATFORM_ENV, then dev)`)
      .addOption(new Option('--backend <kind>', 'terraform state: the bootstrap bucket or a local file under the outdir').choices(['s3', 'local']).default('s3'))
      .addOption(
        new Option('--stack <stack>', name === 'output' ? 'which stack (default platform)' : 'which stacks (apply/plan run bootstrap first, destroy last)').choices(
          name === 'output' ? ['bootstrap', 'platform'] : ['all', 'bootstrap', 'platform'],
        ),
      )
      .option('--outdir <dir>', 'where stacks are synthesized (default: <package>/cdktf.out)')
      .option(
        '--image-result <file>',
        "image-builder's publish result (repeatable: the Prefect image, flows-deployer); task definitions pin its digest (else image.digest / image.deployerDigest)",
        (value: string, all: string[]) => [...all, value],
        [] as string[],
      );
    if (name === 'apply' || name === 'destroy') command.option('--auto-approve', 'apply/destroy without asking');
    if (name === 'apply' || name === 'output') {
      command.option('--outputs-file <file>', "write the platform stack's `terraform output -json` there" + (name === 'output' ? ' (default: print them on stdout)' : ''));
    }
    command
      .option('--json', "machine-readable summary on stdout (terraform's own output goes to stderr)")
      .option('--verbose', 'stack traces on errors')
      .action((flags: Flags) => onCommand(toOptions(name, flags)));
  }
  return program;
}

function toOptions(command: CommandName, flags: Flags): CliOptions {
  return {
    command,
    env: flags.env,
    backend: flags.backend,
    stack: flags.stack ?? (command === 'output' ? 'platform' : 'all'),
    autoApprove: flags.autoApprove === true,
    outputsFile: flags.outputsFile,
    outdir: path.resolve(flags.outdir ?? path.join(__dirname, '..', 'cdktf.out')),
    imageResults: flags.imageResult.map((file) => path.resolve(file)),
    json: flags.json === true,
    verbose: flags.verbose === true,
    // stdout carries only the data a command promises: `output` captures terraform's chatter.
    terraformOutput: command === 'output' ? 'capture' : flags.json ? 'stderr' : 'inherit',
  };
}

/** Parses argv (without `node` and the script); a usage mistake throws a UserError (exit 2). */
export function parseArgs(argv: readonly string[]): CliOptions {
  let parsed: CliOptions | undefined;
  const program = buildProgram((options) => {
    parsed = options;
  });
  const silence = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    c.commands.forEach(silence);
  };
  silence(program);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    throw usageError((err as Error).message.replace(/^error:\s*/, ''), 'command line', 'see `platform-infra --help`');
  }
  if (!parsed) throw usageError('missing command', 'command line', `use one of ${Object.keys(COMMANDS).join(', ')}`);
  return parsed;
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
  readonly command: CommandName;
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
    throw usageError(`${options.command} asks for confirmation`, 'stdin is not a terminal', 'pass --auto-approve when not on a terminal');
  }
  // Real AWS with the committed example accounts or CircleCI ids would fail late ("Failed to assume role").
  if (options.command !== 'synth') assertRealIdentities(config, { emulator: !!emulatorEndpoint });
  if (options.command !== 'synth') assertTerraformAvailable(environ);

  // The bootstrap stack runs no image: an admin's first bootstrap (no image can be published before
  // its repository exists) synthesizes the platform stack too, but never applies it.
  const forApply = options.command !== 'output' && options.command !== 'destroy' && options.stack !== 'bootstrap';
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
  const base = {
    command: options.command, env: config.env, backend: options.backend, emulator: !!emulatorEndpoint, warnings: configWarnings(config),
  };
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
  const outputs = await readStackOutputs(options, config, outputsStack, outputsStack === names.bootstrap, env);
  if (!options.outputsFile) return { ...base, stacks: results, outputs, ok: true };
  const outputsFile = path.resolve(options.outputsFile);
  fs.mkdirSync(path.dirname(outputsFile), { recursive: true });
  fs.writeFileSync(outputsFile, `${JSON.stringify(outputs, null, 2)}\n`);
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

/**
 * Infra's own reader of its outputs: `terraform output -json` of one stack, checked against the
 * contract in config. No state (never applied, wrong --env or --backend) is an error, not `{}`.
 */
async function readStackOutputs(
  options: CliOptions,
  config: PlatformConfig,
  stack: string,
  bootstrap: boolean,
  env: NodeJS.ProcessEnv,
): Promise<unknown> {
  const out = await runTerraform({ cwd: stackDir(options.outdir, stack), env, output: 'capture', args: ['output', '-json'] });
  if (out.exitCode !== 0) {
    throw new UserError(`terraform output failed (exit ${out.exitCode})`, stack, 'run again with --verbose; terraform said above', { detail: out.stderr.trim().split('\n') });
  }
  const parsed = JSON.parse(out.stdout) as Record<string, unknown>;
  const state = options.backend === 'local' ? shownPath(path.join(options.outdir, 'state', `${stack}.tfstate`)) : `s3://${config.state.bucket}/${config.state.keyPrefix}/${stack}.tfstate`;
  if (Object.keys(parsed).length === 0) {
    throw new UserError(`no outputs in the state of ${stack}`, state, `apply it first (platform-infra apply --env ${config.env}${bootstrap ? ' --stack bootstrap' : ''}), or check --env and --backend`);
  }
  parseInfraOutputs(bootstrap ? bootstrapOutputsSchema : platformOutputsSchema, parsed, `${stack} outputs (${state})`);
  return parsed;
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
      throw usageError(`no terraform command for ${options.command}`, 'command line');
  }
}

/** A path as the user would type it: relative below the working directory, else absolute. */
function shownPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

/** `<outdir>/stacks/<stack>`: where cdktf writes a stack and terraform runs. */
export function stackDir(outdir: string, stack: string): string {
  return path.join(outdir, 'stacks', stack);
}

function render(result: CommandResult, io: CliIo): string {
  const c = paletteFor({ stream: io.stdout, env: io.env });
  const rows = result.stacks.map((s) => {
    const status = s.exitCode === 0 ? (s.changes === undefined ? 'ok' : s.changes ? 'changes' : 'no changes') : `failed (exit ${s.exitCode})`;
    const paint = s.exitCode !== 0 ? c.red : s.changes ? c.yellow : c.green;
    return [s.stack, paint(status), path.relative(io.cwd, s.directory) || '.'];
  });
  const head = c.bold(`${result.command} ${result.env} (backend ${result.backend}${result.emulator ? ', AWS emulator' : ''})`);
  const table = renderTable([{ header: 'stack' }, { header: 'status' }, { header: 'directory' }], rows, { palette: c });
  const tail = result.outputsFile ? [`outputs written to ${result.outputsFile}`] : [];
  return [head, ...table, ...tail].join('\n') + '\n';
}

/** Entry point of `platform-infra`; resolves with the exit code (see the root README). */
export function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return runCli(argv, io, (cli) =>
    buildProgram(async (options) => {
      const result = await runCommand(options, io.env);
      for (const warning of result.warnings) io.stderr.write(`warning: ${warning}\n`);
      if (result.outputs !== undefined && !options.json) {
        // `output` without a file: the outputs themselves, as `terraform output -json` prints them.
        io.stdout.write(`${JSON.stringify(result.outputs, null, 2)}\n`);
      } else {
        io.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : render(result, io));
      }
      if (!result.ok) {
        // terraform's own output already said why (on the terminal, or below when captured).
        for (const s of result.stacks.filter((r) => r.exitCode !== 0)) {
          if (s.log && options.terraformOutput === 'capture') io.stderr.write(s.log);
        }
        cli.setExitCode(EXIT.failure);
      }
    }),
  );
}
