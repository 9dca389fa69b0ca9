import { execFileSync } from 'node:child_process';
import { formatProblem } from '@blog-data/cli-kit';
import { assertRealIdentities, ConfigError, loadConfig } from '@blog-data/config';
import { Command, CommanderError } from 'commander';
import { DeployError } from './errors';
import { DELIVERY_ORDER, DeliveryProject, describePlan, planDeploy } from './order';
import { runStep } from './steps';

/** Where the CLI writes, and what it reads from the process (tests pass their own). */
export interface DeployIo {
  readonly stdout: { write(s: string): unknown };
  readonly stderr: { write(s: string): unknown };
  readonly env: NodeJS.ProcessEnv;
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

/** Entry point of `platform-deploy`; returns the exit code. */
export async function main(argv: readonly string[], io: DeployIo): Promise<number> {
  const log = (line: string) => io.stdout.write(`${line}\n`);
  const program = new Command('platform-deploy')
    .description('Deploys what changed, in delivery order (images → infra → flows); run by the Nx deploy targets')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

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
      io.stdout.write(describePlan(config.env, planDeploy(affectedDeployProjects(io.root, nxArgs))));
    });

  program
    .command('step')
    .description('one project\'s deploy step (what its Nx deploy target runs)')
    .argument('<project>', DELIVERY_ORDER.join(' | '))
    .option('--env <name>', 'environment (default PLATFORM_ENV, then dev)')
    .option('--dry-run', 'say what the step would do; change nothing', false)
    .action(async (project: string, flags: { env?: string; dryRun: boolean }) => {
      if (!(DELIVERY_ORDER as readonly string[]).includes(project)) {
        throw new DeployError(`unknown project "${project}"`, 'platform-deploy step', `use one of ${DELIVERY_ORDER.join(', ')}`);
      }
      const config = loadConfig({ env: flags.env, environ: io.env });
      assertRealIdentities(config, { emulator: Boolean(io.env.AWS_ENDPOINT_URL) });
      const profiles = { deploy: io.env.DEPLOY_AWS_PROFILE || undefined, ecrPush: io.env.ECR_PUSH_AWS_PROFILE || undefined };
      await runStep(project as DeliveryProject, { root: io.root, config, dryRun: flags.dryRun, profiles, log });
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof ConfigError) {
      for (const problem of e.problems()) io.stderr.write(`error: ${formatProblem(problem)}\n`);
      return e.exitCode;
    }
    if (e instanceof DeployError) {
      io.stderr.write(`error: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`error: ${(e as Error).message}\n`);
    return 1;
  }
}
