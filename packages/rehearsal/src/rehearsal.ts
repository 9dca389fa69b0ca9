import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseExports } from './services-env';
import { Step, StepContext, StepFailure } from './step-runner';
import { describeProgress, NO_PROGRESS, readTerraformLine, TerraformProgress } from './terraform-progress';
import { hashFile, readWarmState, stackUnchanged, stateFor, WarmState, withApplied, writeWarmState } from './warm-state';

/** How this rehearsal runs. */
export interface RehearsalOptions {
  /** The repository root. */
  readonly repo: string;
  /** Leave the services, emulator state and stacks for the next run. */
  readonly keep: boolean;
  /** Only tear down what a kept rehearsal left. */
  readonly down: boolean;
  /** How long scripts/rehearse.sh took to install what was missing (it runs before this runner exists). */
  readonly installMilliseconds?: number;
}

/** Where the rehearsal keeps its files, relative to the repository. */
export const WORK_DIR = '.rehearsal';

/** The environment rehearsed, and the emulator-only settings (see packages/infra/README.md). */
const ENV = 'dev';
const STACKS = { bootstrap: `blog-data-${ENV}-bootstrap`, platform: `blog-data-${ENV}-platform` } as const;
// The digest the task definitions pin when no Docker engine is available: moto's ECS never pulls.
const STANDIN_DIGEST = 'sha256:1b4f0e9851971998e732078544c96b36c3d01cedf7caa332359d6f1d83567014';

/** The files of one rehearsal, absolute. */
export function rehearsalPaths(repo: string) {
  const work = path.join(repo, WORK_DIR);
  return {
    work,
    logs: path.join(work, 'logs'),
    services: path.join(work, 'services'),
    outdir: path.join(work, 'cdktf.out'),
    warm: path.join(work, 'warm.json'),
    image: path.join(work, 'image.json'),
    outputs: path.join(work, 'infra-outputs.json'),
  };
}

/**
 * The rehearsal's steps and the environment they share. Each step reports one line; its
 * commands' output goes to its log.
 */
export function rehearsalSteps(options: RehearsalOptions): { steps: Step[]; env: () => NodeJS.ProcessEnv } {
  const files = rehearsalPaths(options.repo);
  let env: NodeJS.ProcessEnv = {
    ...process.env,
    // Its own service instances, apart from the test suite's (scripts/test-services.sh).
    TEST_SERVICES_DIR: files.services,
    NX_NO_CLOUD: 'true',
    // moto creates services with no running task and never moves a deployment along; with this its
    // services report their desired tasks running, so the server release can wait for "completed".
    MOTO_ECS_SERVICE_RUNNING: '1',
  };
  let dockerOk = true;
  let warm: WarmState | undefined;
  const node = process.execPath;
  const cli = {
    config: [node, 'packages/config/bin/platform-config.js'],
    infra: [node, 'packages/infra/bin/platform-infra.js'],
    release: [node, 'packages/infra/bin/platform-release.js'],
    image: [node, 'packages/image-builder/bin/image-builder.js'],
    flows: [node, 'apps/flows-deployer/bin/flows-deployer.js'],
    ops: [node, 'packages/ops/bin/platform-ops.js'],
  };
  const services = (...args: string[]) => ['bash', 'scripts/test-services.sh', ...args];
  const emulatorId = () => {
    const read = (name: string) => fs.readFileSync(path.join(files.services, name), 'utf8').trim();
    return `${read('moto.pid')}:${read('moto.port')}`;
  };
  const saveWarm = (next: WarmState) => {
    warm = next;
    writeWarmState(files.warm, next);
  };
  const digest = () =>
    (fs.existsSync(files.image) ? (JSON.parse(fs.readFileSync(files.image, 'utf8')) as { digest: string }).digest : STANDIN_DIGEST);
  const infraEnv = () => ({ PLATFORM_IMAGE__DIGEST: digest(), PLATFORM_IMAGE__DEPLOYER_DIGEST: digest() });
  const stackJson = (stack: string) => path.join(files.outdir, 'stacks', stack, 'cdk.tf.json');
  const infraArgs = ['--env', ENV, '--backend', 'local', '--outdir', files.outdir];

  const startServices = async (context: StepContext) => {
    const before = (await context.run(services('status'))).lines.filter((l) => l.endsWith(': running')).length;
    // All three still up (a kept rehearsal): their environment is all this step needs.
    const reused = before === 3;
    if (!reused) {
      context.activity('AWS emulator');
      await context.mustRun(services('up', '--only', 'aws'));
      context.activity('Docker engine and registry');
      const docker = await context.run(services('up', '--only', 'docker'));
      dockerOk = docker.exitCode === 0;
    }
    const exported = parseExports((await context.mustRun(services('env'))).lines.join('\n'));
    env = { ...env, ...servicesEnv(exported) };
    const emulator = emulatorId();
    const recorded = readWarmState(files.warm);
    warm = stateFor(recorded, emulator);
    // A new emulator holds nothing: the local terraform state of the old one must not be trusted.
    if (!recorded || recorded.emulator !== emulator) fs.rmSync(path.join(files.outdir, 'state'), { recursive: true, force: true });
    saveWarm(warm);
    const started = dockerOk ? 'emulator, registry, Docker engine' : 'emulator (no Docker engine: the image step is skipped)';
    context.detail(reused ? `reused: ${started}` : started);
  };

  let synthesizedWith: string | undefined;
  const applyStack = (which: keyof typeof STACKS, extra: string[] = []) => async (context: StepContext) => {
    const stack = STACKS[which];
    const state = warm as WarmState;
    if (state.applied[stack] && (which !== 'platform' || fs.existsSync(files.outputs))) {
      // One synth writes every stack; it stands for the platform stack too while the digest is the same.
      if (synthesizedWith !== digest()) {
        context.activity(`${which}: synthesizing to compare`);
        await context.mustRun([...cli.infra, 'synth', ...infraArgs], { env: infraEnv() });
        synthesizedWith = digest();
      }
      if (stackUnchanged(state, stack, hashFile(stackJson(stack)))) {
        context.finishAs('reused', `${which}: unchanged since its apply on this emulator`);
        return;
      }
    }
    // Forgotten before the apply: a half-applied stack is applied again next time, and torn down.
    saveWarm(withApplied(state, stack, undefined));
    synthesizedWith = undefined;
    let progress: TerraformProgress = NO_PROGRESS;
    context.activity(`${which}: planning`);
    await context.mustRun([...cli.infra, 'apply', ...infraArgs, '--auto-approve', '--stack', which, ...extra], {
      env: infraEnv(),
      onLine: (line) => {
        progress = readTerraformLine(progress, line);
        context.activity(describeProgress(which, progress));
      },
    });
    context.detail(describeProgress(which, progress));
    saveWarm(withApplied(warm as WarmState, stack, hashFile(stackJson(stack))));
    // The apply synthesized every stack with this digest.
    synthesizedWith = digest();
  };

  const steps: Step[] = [
    {
      title: 'install what is missing',
      log: 'install.log',
      // scripts/rehearse.sh did it (with this log) before this runner could be compiled.
      tookMilliseconds: options.installMilliseconds ?? 0,
      run: async (context) => context.detail('pnpm, workspace dependencies'),
    },
    { title: 'start local services', log: 'services.log', run: startServices },
    {
      title: 'build the workspace',
      log: 'build.log',
      run: async (context) => {
        let cached = '';
        let built = 'built';
        await context.mustRun(['pnpm', 'exec', 'nx', 'run-many', '-t', 'build', '--output-style=static'], {
          onLine: (line) => {
            const hit = /from the cache instead of running the command for (\d+) out of (\d+) tasks/.exec(line);
            if (hit) cached = `${hit[1]}/${hit[2]} from cache`;
            const ran = /Successfully ran target build for (\d+) projects/.exec(line);
            if (ran) built = `${ran[1]} projects built`;
            const running = /^> nx run (\S+):build/.exec(line);
            if (running) context.activity(running[1]);
          },
        });
        context.detail(cached || built);
      },
    },
    {
      title: 'validate configuration',
      log: 'config.log',
      run: async (context) => {
        await context.mustRun([...cli.config, 'validate']);
        await context.mustRun([...cli.config, 'show']);
        context.detail('dev, staging, prod');
      },
    },
    // First the bootstrap stack: it creates the ECR repository the image is pushed to.
    { title: 'apply dev bootstrap stack (emulator)', log: 'infra-bootstrap.log', run: applyStack('bootstrap') },
    {
      // Then the image: the task definitions the platform stack writes pin its digest.
      title: 'build, push and verify the image',
      log: 'image.log',
      run: async (context) => {
        if (!dockerOk) {
          // An earlier run's image is not in this registry: the stacks pin the stand-in.
          fs.rmSync(files.image, { force: true });
          context.finishAs('skipped', 'no Docker engine here (a stand-in digest is pinned)');
          return;
        }
        await context.mustRun([...cli.image, 'publish', '--env', ENV, '--image', 'rehearsal', '--registry', env.TEST_REGISTRY ?? '', '--output', files.image], {
          onLine: (line) => {
            const phase = /^\s*\[(\d+\/\d+)\]\s*(.+)$/.exec(line);
            if (phase) context.activity(`${phase[1]} ${phase[2]}`);
          },
        });
        // image-builder's result: pushed, retagged, or noop (its content tag is in the registry already).
        const result = JSON.parse(fs.readFileSync(files.image, 'utf8')) as { status: string; digest: string };
        const status = result.status === 'noop' ? 'unchanged (content tag in the registry)' : result.status;
        context.detail(`${status}, ${result.digest.slice(0, 19)}…`);
      },
    },
    {
      title: 'apply dev platform stack (emulator)',
      log: 'infra-platform.log',
      run: applyStack('platform', ['--outputs-file', files.outputs]),
    },
    {
      // The release step of every deploy: the migration task runs to its end, and only then does
      // the server service move to the new task definition (packages/infra/README.md, "Migrations").
      title: 'migrate, then roll the server (emulator)',
      log: 'release.log',
      run: async (context) => {
        const platform = (warm as WarmState).applied[STACKS.platform];
        if (platform && (warm as WarmState).released === platform) {
          context.finishAs('reused', 'released for this platform stack already');
          return;
        }
        // moto runs no containers: its state manager moves a task one step per DescribeTasks until
        // STOPPED (exit code 0), as a finished `prefect server database upgrade -y` would.
        const response = await fetch(`${env.AWS_ENDPOINT_URL}/moto-api/state-manager/set-transition`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'manual', times: 1 } }),
        });
        if (!response.ok) throw new StepFailure(`the emulator refused the ECS task transition (HTTP ${response.status})`);
        await context.mustRun([...cli.release, 'roll', '--env', ENV, '--outputs-file', files.outputs], {
          onLine: (line) => {
            if (/migrat|roll|deploy|wait/i.test(line)) context.activity(line.trim().slice(0, 60));
          },
        });
        saveWarm({ ...(warm as WarmState), released: platform });
        context.detail('migration task exited 0, server rolled');
      },
    },
    {
      title: 'plan flow deployments (offline)',
      log: 'flows.log',
      run: async (context) => {
        const image = fs.existsSync(files.image) ? ['--image-result', files.image] : [];
        await context.mustRun([...cli.flows, 'plan', '--env', ENV, '--offline', '--manifest', path.join(options.repo, 'apps/flows-deployer/prefect.yaml'), '--infra-outputs', files.outputs, ...image]);
      },
    },
    {
      title: 'estimate the monthly cost',
      log: 'cost.log',
      run: async (context) => {
        const result = await context.mustRun([...cli.ops, 'cost', '--env', ENV]);
        const total = result.lines.map((l) => /total\D*?(\$\s?[\d,.]+)/i.exec(l)).find(Boolean);
        if (total) context.detail(`${total[1]}/month`);
      },
    },
    teardownStep(options, files, () => env, [...cli.infra, 'destroy', ...infraArgs, '--auto-approve', '--stack', 'all'], services),
  ];
  if (options.down) {
    const adopt = (kept: NodeJS.ProcessEnv) => {
      env = { ...env, ...kept };
    };
    return { steps: [keptServicesStep(services, adopt), steps[steps.length - 1]], env: () => env };
  }
  return { steps, env: () => env };
}

/** The services' variables, and the emulator's account and region as dev's (everything else is dev's real configuration). */
function servicesEnv(exported: Record<string, string>): NodeJS.ProcessEnv {
  return { ...exported, PLATFORM_ENV: ENV, PLATFORM_AWS__ACCOUNT_ID: exported.TEST_AWS_ACCOUNT_ID, PLATFORM_AWS__REGION: exported.AWS_REGION };
}

/** `--down`: the environment of the kept services, if they still run (nothing to destroy otherwise). */
function keptServicesStep(services: (...a: string[]) => string[], adopt: (env: NodeJS.ProcessEnv) => void): Step {
  return {
    title: 'find the kept services',
    log: 'services.log',
    run: async (context) => {
      const result = await context.run(services('env'));
      if (result.exitCode !== 0) {
        context.finishAs('skipped', 'none running');
        return;
      }
      const exported = parseExports(result.lines.join('\n'));
      adopt(servicesEnv(exported));
      context.detail(`emulator at ${exported.AWS_ENDPOINT_URL ?? '?'}`);
    },
  };
}

/** The last step: destroy the stacks on the emulator, stop the services, drop their state; or keep it all. */
function teardownStep(
  options: RehearsalOptions,
  files: ReturnType<typeof rehearsalPaths>,
  env: () => NodeJS.ProcessEnv,
  destroy: readonly string[],
  services: (...a: string[]) => string[],
): Step {
  return {
    title: 'tear down',
    log: 'teardown.log',
    always: true,
    run: async (context) => {
      if (options.keep) {
        context.finishAs('skipped', 'kept (--keep): the next run reuses it');
        return;
      }
      const hasState = fs.existsSync(path.join(files.outdir, 'state')) && fs.readdirSync(path.join(files.outdir, 'state')).some((f) => f.endsWith('.tfstate'));
      let destroyed = '';
      if (hasState && env().AWS_ENDPOINT_URL) {
        let progress: TerraformProgress = NO_PROGRESS;
        let stack = 0;
        const names = ['platform', 'bootstrap'];
        const result = await context.run(destroy, {
          onLine: (line) => {
            // Destroy runs platform, then bootstrap: a new plan line is the next stack.
            if (line.startsWith('Plan:') && (progress.planned || progress.noChanges)) {
              stack += 1;
              progress = NO_PROGRESS;
            }
            progress = readTerraformLine(progress, line);
            context.activity(describeProgress(names[Math.min(stack, 1)], progress));
          },
        });
        if (result.exitCode !== 0) throw new StepFailure(`destroy failed (exit ${result.exitCode}); the services are left running for a look`);
        destroyed = 'stacks destroyed, ';
      }
      context.activity('stopping the services');
      await context.run(services('down', '--purge'));
      fs.rmSync(path.join(files.outdir, 'state'), { recursive: true, force: true });
      fs.rmSync(files.warm, { force: true });
      context.detail(`${destroyed}services stopped`);
    },
  };
}
