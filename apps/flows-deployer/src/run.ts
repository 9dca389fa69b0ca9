import * as path from 'node:path';
import { usageError } from '@blog-data/cli-kit';
import { loadConfig, PlatformConfig } from '@blog-data/config';
import { createPrefectApi, newRequestStats, RequestStats, startTimeBudget, waitForHealthy } from '@blog-data/prefect-api';
import { applyPlan, AppliedChange } from './apply';
import { collectFlowCode, FlowCodeBundle, FlowCodeLocation, flowCodeLocation, flowCodeLimitsFromEnv, FlowCodeStore, planFlowCode, pullFromS3Steps, S3FlowCodeStore } from './flow-code';
import { resolveImage, ResolvedImage } from './image';
import { InfraOutputs, poolOutputs, readInfraOutputs } from './infra-outputs';
import { loadManifest, ResolvedDeployment } from './manifest/load';
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
  /** Seconds per request (`--request-timeout`; a string is checked as the flag would be). */
  readonly requestTimeout?: number | string;
  readonly concurrency?: number | string;
  readonly healthTimeout?: number | string;
  /** Seconds the whole run may take (`--time-budget`; default FLOWS_DEPLOYER_TIME_BUDGET, then 600). */
  readonly timeBudget?: number | string;
  /** Environment variables (tests pass their own). */
  readonly environ?: NodeJS.ProcessEnv;
  /** Transport override (tests, benchmark). */
  readonly fetch?: typeof fetch;
  /** Progress notes for a TTY. */
  readonly onProgress?: (message: string) => void;
  /** Flow-code store override (tests, benchmark); default S3 `flow_storage_bucket`. */
  readonly flowCodeStore?: FlowCodeStore;
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

  const manifestPath = path.resolve(options.manifest);
  const manifest = loadManifest(manifestPath, {
    workPool: config.prefect.workPool,
    defaultWorkQueue: config.prefect.workQueue,
  });

  const outputsSource = options.infraOutputs ?? environ.FLOWS_DEPLOYER_INFRA_OUTPUTS;
  if (!outputsSource) {
    throw usageError(
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
  const code = flowCodeFor(manifest.deployments, path.dirname(manifestPath), outputs, outputsLabel, config.project, environ);
  const desired = code ? code.desired : manifest.deployments;

  if (options.offline) {
    const empty: ServerState = { deployments: [], flowNames: new Map() };
    const flowCode = code ? await planFlowCode(undefined, code.bundle, code.location) : undefined;
    const plan = buildPlan({ poolName: config.prefect.workPool, template, desired, state: empty, prune: false, flowCode });
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
      timeBudgetSeconds: options.timeBudget,
    },
    environ,
    typeof outputs.prefect_api_url === 'string' ? outputs.prefect_api_url : undefined,
  );
  // Counted from the start of the run: reading files and rendering count too.
  const budget = startTimeBudget(settings.timeBudgetMs, settings.timeBudgetSetting, started);
  progress(`waiting for ${settings.apiUrl}/health`);
  await waitForHealthy(settings, {
    fetch: options.fetch,
    stats,
    budget,
    onWait: ({ elapsedMs, reason }) => progress(`  not healthy yet after ${Math.round(elapsedMs / 1000)}s (${reason}); retrying`),
  });
  const api = createPrefectApi(settings, {
    fetch: options.fetch,
    stats,
    budget,
    onRetry: ({ route, attempt, delayMs, reason }) => progress(`  retry ${attempt} of ${route} in ${delayMs} ms (${reason})`),
  });
  progress('reading the work pool, deployments and flows');
  const store = code ? options.flowCodeStore ?? new S3FlowCodeStore(code.location.bucket, config.aws.region, environ) : undefined;
  const [state, flowCode] = await Promise.all([
    readServerState(api, config.prefect.workPool, desired),
    code && store ? planFlowCode(store, code.bundle, code.location) : Promise.resolve(undefined),
  ]);
  const plan = buildPlan({ poolName: config.prefect.workPool, template, desired, state, prune: options.prune ?? false, flowCode });
  let applied: AppliedChange[] = [];
  if (options.command === 'apply') {
    progress('applying changes');
    applied = await applyPlan(api, plan, code && store ? { store, bundle: code.bundle } : undefined);
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

/**
 * Deployments without pull steps (their own or the manifest's) get their code from flow
 * storage: bundle the entrypoints' directories and point a pull_from_s3 step at its folder.
 */
function flowCodeFor(
  deployments: readonly ResolvedDeployment[],
  projectDir: string,
  outputs: InfraOutputs,
  outputsLabel: string,
  project: string,
  environ: NodeJS.ProcessEnv,
): { desired: ResolvedDeployment[]; bundle: FlowCodeBundle; location: FlowCodeLocation } | undefined {
  const needCode = deployments.filter((d) => d.pullSteps === null);
  if (needCode.length === 0) return undefined;
  const bucket = outputs.flow_storage_bucket;
  if (typeof bucket !== 'string' || bucket === '') {
    throw usageError(
      `deployments ${needCode.map((d) => d.name).join(', ')} have no pull steps and the infra outputs have no flow_storage_bucket`,
      outputsLabel,
      'pass outputs with flow_storage_bucket (the code is uploaded there), or give the deployments pull steps in prefect.yaml',
    );
  }
  const bundle = collectFlowCode(projectDir, needCode, flowCodeLimitsFromEnv(environ));
  const location = flowCodeLocation(bucket, project, bundle);
  const steps = pullFromS3Steps(location);
  return { desired: deployments.map((d) => (d.pullSteps === null ? { ...d, pullSteps: steps } : d)), bundle, location };
}
