import { ECSClient } from '@aws-sdk/client-ecs';
import { CliContext, CliIo, processIo, progressReporter, runCli, usageError } from '@blog-data/cli-kit';
import { loadConfig, readJsonFile } from '@blog-data/config';
import { rollBackWithDowngrade, rollOutAfterMigration } from '@blog-data/ecs-rollout';
import { Command } from 'commander';
import { planServerRelease, planServerRollback, readReleaseOutputs } from './release';

interface ReleaseFlags {
  outputsFile: string;
  env?: string;
  toTaskDefinition?: string;
  toServicesTaskDefinition?: string;
  downgradeTo?: string;
  json?: boolean;
  verbose?: boolean;
}

/** Entry point of `platform-release`; resolves with the exit code (0 ok, 1 failure, 2 usage). Progress goes to stderr. */
export function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return runCli(argv, io, buildProgram);
}

/** The commander program; cli-kit's `runCli` prints its errors and redacts URL credentials. */
function buildProgram({ io }: CliContext): Command {
  const program = new Command('platform-release')
    .description('Roll the Prefect server out after its database migration, or back with a schema downgrade');
  const common = (command: Command) =>
    command
      .requiredOption('--outputs-file <file>', "the platform stack's outputs (platform-infra apply/output --outputs-file)")
      .option('--env <env>', 'environment, for the region (default: PLATFORM_ENV, then dev)')
      .option('--json', 'the result as JSON on stdout')
      .option('--verbose', 'stack traces on errors');
  common(program.command('roll').description('run the migration task to its end, then move the server service to the newest task definition'))
    .action((flags: ReleaseFlags) => release('roll', flags, io));
  common(program.command('rollback').description('stop the server (and the background services), downgrade the schema (with --downgrade-to), start the older task definitions'))
    .option('--to-task-definition <arn>', 'the server task definition to return to (required)')
    .option('--to-services-task-definition <arn>', 'scale-out: the background-services task definition to return to (required there)')
    .option('--downgrade-to <revision>', 'the alembic revision of that release (omit when its schema is the same)')
    .action((flags: ReleaseFlags) => release('rollback', flags, io));
  return program;
}

async function release(command: 'roll' | 'rollback', flags: ReleaseFlags, io: CliIo): Promise<void> {
  if (command === 'rollback' && !flags.toTaskDefinition) {
    throw usageError('rollback needs --to-task-definition', 'command line', 'pass the ARN of the server task definition to return to');
  }
  const config = loadConfig({ env: flags.env, environ: io.env });
  const outputs = readReleaseOutputs(readJsonFile(flags.outputsFile, 'infra outputs', 'outputs'), flags.outputsFile);
  // Planned before any AWS call: a wrong flag changes nothing.
  let rollback;
  try {
    rollback = command === 'rollback' ? planServerRollback(outputs, {
      taskDefinition: flags.toTaskDefinition!,
      servicesTaskDefinition: flags.toServicesTaskDefinition,
      downgradeTo: flags.downgradeTo,
      // Back to the running shape: scale-out runs api.minReplicas API tasks (autoscaling takes it from there).
      desiredCounts: { server: config.scale.mode === 'scale-out' ? config.scale.api.minReplicas : 1, services: config.scale.services.replicas },
    }) : undefined;
  } catch (err) {
    throw usageError((err as Error).message, 'command line', 'see `platform-release rollback --help`');
  }
  const ecs = new ECSClient({ region: config.aws.region, maxAttempts: 5 });
  try {
    const progress = progressReporter({ stream: io.stderr, env: io.env, json: flags.json, whenNotTty: true });
    const waits = { task: { onProgress: progress.note }, service: { onProgress: progress.note } };
    const result = rollback
      ? await rollBackWithDowngrade(ecs, rollback, waits)
      : await rollOutAfterMigration(ecs, planServerRelease(outputs), waits);
    if (flags.json) {
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return;
    }
    const task = 'migration' in result ? result.migration : result.downgrade;
    if (task) io.stdout.write(`${command === 'roll' ? 'migration' : 'downgrade'}: ${task.summary}\n`);
    for (const s of result.services) io.stdout.write(`${s.service}: ${s.taskDefinition.split('/').pop()} (${s.summary})\n`);
  } finally {
    ecs.destroy();
  }
}
