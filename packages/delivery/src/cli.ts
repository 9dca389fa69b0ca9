import { execFileSync } from 'node:child_process';
import { CliIo, redactSecrets, runCli, usageError } from '@blog-data/cli-kit';
import { assertRealIdentities, loadConfig } from '@blog-data/config';
import { Command } from 'commander';
import { DELIVERY_ORDER, DeliveryProject, describePlan, planDeploy } from './order';
import { runStep } from './steps';

/** cli-kit's streams, environment and directory, plus the workspace root the steps run in. */
export interface DeployIo extends CliIo {
  /** The workspace root (where `.deploy/` and the packages' bins are). */
  readonly root: string;
}

/** Projects Nx says are affected and have a deploy target (the same question `nx affected -t deploy` asks). */
export function affectedDeployProjects(root: string, nxArgs: readonly string[]): string[] {
  const out = execFileSync(process.execPath, [require.resolve('nx/bin/nx', { paths: [root] }), 'show', 'projects', '--affected', '--withTarget=deploy', ...nxArgs], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  return out.split('\n').map((l) => l.trim()).filter(Boolean);
}

function buildProgram(io: DeployIo): Command {
  // Step logs quote settings and outputs: never with credentials a URL may carry.
  const log = (line: string) => io.stdout.write(`${redactSecrets(line)}\n`);
  const program = new Command('platform-deploy').description('Deploys what changed, in delivery order (images → infra → flows); run by the Nx deploy targets');

  program
    .command('plan')
    .description('print what `nx affected -t deploy` would deploy, in order (the plan; deploys nothing)')
    .option('--base <ref>', 'affected base (default NX_BASE, then main)')
    .option('--head <ref>', 'affected head (default NX_HEAD, then HEAD)')
    .option('--files <list>', 'comma-separated changed files instead of base/head')
    .option('--env <name>', 'environment (default PLATFORM_ENV, then dev)')
    .action((flags: { base?: string; head?: string; files?: string; env?: string }) => {
      const config = loadConfig({ env: flags.env, environ: io.env });
      const nxArgs = flags.files ? [`--files=${flags.files}`] : [...(flags.base ? [`--base=${flags.base}`] : []), ...(flags.head ? [`--head=${flags.head}`] : [])];
      io.stdout.write(redactSecrets(describePlan(config.env, planDeploy(affectedDeployProjects(io.root, nxArgs)))));
    });

  program
    .command('step')
    .description("one project's deploy step (what its Nx deploy target runs)")
    .argument('<project>', DELIVERY_ORDER.join(' | '))
    .option('--env <name>', 'environment (default PLATFORM_ENV, then dev)')
    .option('--dry-run', 'say what the step would do; change nothing', false)
    .action(async (project: string, flags: { env?: string; dryRun: boolean }) => {
      if (!(DELIVERY_ORDER as readonly string[]).includes(project)) {
        throw usageError(`unknown project "${project}"`, 'platform-deploy step', `use one of ${DELIVERY_ORDER.join(', ')}`);
      }
      const config = loadConfig({ env: flags.env, environ: io.env });
      assertRealIdentities(config, { emulator: Boolean(io.env.AWS_ENDPOINT_URL) });
      const profiles = { deploy: io.env.DEPLOY_AWS_PROFILE || undefined, ecrPush: io.env.ECR_PUSH_AWS_PROFILE || undefined };
      await runStep(project as DeliveryProject, { root: io.root, config, dryRun: flags.dryRun, profiles, log });
    });
  return program;
}

/** Entry point of `platform-deploy` (through cli-kit's `runCli`: one-line errors, exit codes, redaction); returns the exit code. */
export function main(argv: readonly string[], io: DeployIo): Promise<number> {
  return runCli(argv, io, () => buildProgram(io));
}
