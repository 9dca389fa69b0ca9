import * as path from 'node:path';
import { loadConfig, PlatformConfig } from '@blog-data/config';
import { createPrefectApi, newRequestStats, RequestStats } from './api/client';
import { waitForHealthy } from './api/health';
import { applyPlan, AppliedChange } from './apply';
import { DeployerError } from './errors';
import { resolveImage, ResolvedImage } from './image';
import { InfraOutputs, poolOutputs, readInfraOutputs } from './infra-outputs';
import { loadManifest } from './manifest/load';
import { buildPlan, Plan, readServerState, ServerState } from './plan';
import { resolveApiSettings } from './settings';
import { EcsJobDefaults, ecsJobDefaults, loadEcsBaseTemplate, renderEcsJobTemplate } from './work-pool';

/** Inputs of one `plan` or `apply` run (the CLI's flags). */
export interface RunOptions {
  readonly command: 'plan' | 'apply';
  /** Environment name (`--env`; default PLATFORM_ENV, then dev). */
  readonly env?: string;
  /** Path of prefect.yaml. */
  readonly manifest: string;
  /** `terraform output -json` file or inline JSON; default FLOWS_DEPLOYER_INFRA_OUTPUTS. */
  readonly infraOutputs?: string;
  /** image-builder's `--json` result, to pin the image by digest; default FLOWS_DEPLOYER_IMAGE_RESULT. */
  readonly imageResult?: string;
  readonly imageDigest?: string;
  readonly prune?: boolean;
  /** No network at all: validate, render, and plan everything as a create. */
  readonly offline?: boolean;
  readonly apiUrl?: string;
  readonly authString?: string;
  readonly apiKey?: string;
  readonly requestTimeout?: string;
  readonly concurrency?: string;
  readonly healthTimeout?: string;
  /** Environment variables (tests pass their own). */
  readonly environ?: NodeJS.ProcessEnv;
  /** Transport override (tests, benchmark). */
  readonly fetch?: typeof fetch;
  /** Progress notes for a TTY. */
  readonly onProgress?: (message: string) => void;
}

/** Everything a run decided and did; printing is separate. */
export interface RunResult {
  readonly command: 'plan' | 'apply';
  readonly env: string;
  readonly offline: boolean;
  readonly apiUrl?: string;
  readonly image: ResolvedImage;
  /** The flow-run defaults written into the pool's job template. */
  readonly jobDefaults: EcsJobDefaults;
  readonly plan: Plan;
  readonly applied: readonly AppliedChange[];
  readonly stats: RequestStats;
  readonly warnings: readonly string[];
  readonly durationMs: number;
}

/** Runs plan or apply end to end. */
export async function run(options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const environ = options.environ ?? process.env;
  const progress = options.onProgress ?? (() => undefined);
  const config: PlatformConfig = loadConfig({ env: options.env, environ });

  const manifest = loadManifest(path.resolve(options.manifest), {
    workPool: config.prefect.workPool,
    defaultWorkQueue: config.prefect.workQueue,
  });

  const outputsSource = options.infraOutputs ?? environ.FLOWS_DEPLOYER_INFRA_OUTPUTS;
  if (!outputsSource) {
    throw new DeployerError(
      'no infra outputs',
      '--infra-outputs',
      'pass --infra-outputs <file> (terraform output -json of the platform stack) or set FLOWS_DEPLOYER_INFRA_OUTPUTS to a file or inline JSON',
    );
  }
  const outputsLabel = options.infraOutputs ? options.infraOutputs : 'FLOWS_DEPLOYER_INFRA_OUTPUTS';
  const outputs: InfraOutputs = readInfraOutputs(outputsSource, outputsLabel);
  const pool = poolOutputs(outputs, outputsLabel);
  const imageResultFile = options.imageResult ?? (options.imageDigest ? undefined : nonEmpty(environ.FLOWS_DEPLOYER_IMAGE_RESULT));
  const image = resolveImage(config, { digest: options.imageDigest, imageResultFile, repositoryUrl: pool.ecrRepositoryUrl });
  const jobDefaults = ecsJobDefaults(config, pool, image.reference);
  const template = renderEcsJobTemplate(loadEcsBaseTemplate(), jobDefaults);
  const stats = newRequestStats();

  if (options.offline) {
    const empty: ServerState = { deployments: [], flowNames: new Map() };
    const plan = buildPlan({ poolName: config.prefect.workPool, template, desired: manifest.deployments, state: empty, prune: false });
    return {
      command: options.command,
      env: config.env,
      offline: true,
      image,
      jobDefaults,
      plan,
      applied: [],
      stats,
      warnings: [...manifest.warnings, ...(image.warning ? [image.warning] : [])],
      durationMs: Date.now() - started,
    };
  }

  const settings = resolveApiSettings(
    {
      apiUrl: options.apiUrl,
      authString: options.authString,
      apiKey: options.apiKey,
      timeoutSeconds: options.requestTimeout,
      concurrency: options.concurrency,
      healthTimeoutSeconds: options.healthTimeout,
    },
    environ,
    typeof outputs.prefect_api_url === 'string' ? outputs.prefect_api_url : undefined,
  );
  progress(`waiting for ${settings.apiUrl}/health`);
  await waitForHealthy(settings, {
    fetch: options.fetch,
    stats,
    onWait: ({ elapsedMs, reason }) => progress(`  not healthy yet after ${Math.round(elapsedMs / 1000)}s (${reason}); retrying`),
  });
  const api = createPrefectApi(settings, {
    fetch: options.fetch,
    stats,
    onRetry: ({ route, attempt, delayMs, reason }) => progress(`  retry ${attempt} of ${route} in ${delayMs} ms (${reason})`),
  });
  progress('reading the work pool, deployments and flows');
  const state = await readServerState(api, config.prefect.workPool, manifest.deployments);
  const plan = buildPlan({ poolName: config.prefect.workPool, template, desired: manifest.deployments, state, prune: options.prune ?? false });
  let applied: AppliedChange[] = [];
  if (options.command === 'apply') {
    progress('applying changes');
    applied = await applyPlan(api, plan);
  }
  return {
    command: options.command,
    env: config.env,
    offline: false,
    apiUrl: settings.apiUrl,
    image,
    jobDefaults,
    plan,
    applied,
    stats,
    warnings: [...manifest.warnings, ...(image.warning ? [image.warning] : [])],
    durationMs: Date.now() - started,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value.trim() : undefined;
}
