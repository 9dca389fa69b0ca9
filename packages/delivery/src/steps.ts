import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { UserError } from '@blog-data/cli-kit';
import { PlatformConfig } from '@blog-data/config';
import { ARTIFACT_FILES, readInfraOutputs } from './artifacts';
import { deployerTaskRun, runDeployerTask } from './deployer-task';
import { infraStepIo, runInfraStep } from './infra-step';
import { DeliveryProject } from './order';
import { describeRun, runTool, ToolRun } from './processes';

const IMAGE_BIN = 'packages/image-builder/bin/image-builder.js';
const DEPLOYER_BIN = 'apps/flows-deployer/bin/flows-deployer.js';

/** What every step gets. */
export interface StepContext {
  /** Workspace root. */
  readonly root: string;
  readonly config: PlatformConfig;
  /** Print what would run; change nothing. */
  readonly dryRun: boolean;
  /** AWS CLI profiles the CircleCI job wrote (aws-cli orb); unset by hand: the default chain. */
  readonly profiles: { readonly deploy?: string; readonly ecrPush?: string };
  readonly log: (line: string) => void;
}

/** `publish` of one image with the push profile (the repository is in the bootstrap stack, ready before infra). */
export function publishRun(ctx: StepContext, image: 'prefect-base' | 'flows-deployer'): ToolRun {
  const where =
    image === 'prefect-base'
      ? ['--image', 'prefect-base', '--output', ARTIFACT_FILES.image]
      : ['--image', 'flows-deployer', '--context', '.', '--dockerfile', 'docker/flows-deployer/Dockerfile', '--output', ARTIFACT_FILES.deployerImage];
  return { bin: IMAGE_BIN, args: ['publish', '--env', ctx.config.env, ...where], env: profileEnv(ctx.profiles.ecrPush ?? ctx.profiles.deploy) };
}

/** The deployer's `apply`, pinned to the image this run published. */
export function flowsApplyRun(ctx: StepContext, apiAuth: string | undefined): ToolRun {
  const image = existsSync(join(ctx.root, ARTIFACT_FILES.image)) ? ['--image-result', ARTIFACT_FILES.image] : [];
  return {
    bin: DEPLOYER_BIN,
    args: ['apply', '--env', ctx.config.env, '--manifest', 'apps/flows-deployer/prefect.yaml', '--prune', '--infra-outputs', ARTIFACT_FILES.infraOutputs, ...image],
    // Only the child gets the secret, through its environment: never an argument, never printed.
    env: { ...profileEnv(ctx.profiles.deploy), ...(apiAuth === undefined ? {} : { PREFECT_API_AUTH_STRING: apiAuth }) },
  };
}

function profileEnv(profile: string | undefined): Record<string, string> {
  return profile ? { AWS_PROFILE: profile } : {};
}

async function run(ctx: StepContext, tool: ToolRun): Promise<void> {
  if (ctx.dryRun) {
    ctx.log(`  would run: ${describeRun(tool)}`);
    return;
  }
  await runTool(ctx.root, tool);
}

/** Reads the API's basic-auth string with the SDK (the deploy profile); it is never logged. */
export async function readApiAuth(client: Pick<SecretsManagerClient, 'send'>, secretArn: string): Promise<string> {
  try {
    // Loaded here, not at the top: each step is a process of its own and only this one needs it.
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const got = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!got.SecretString) throw new Error('the secret has no string value');
    return got.SecretString;
  } catch (e) {
    // The SDK's message names the secret and the cause, never the value.
    throw new UserError(`cannot read the API auth secret: ${(e as Error).message}`, secretArn, 'check the deploy role (DEPLOY_AWS_PROFILE) may read it, and that infra:deploy has run');
  }
}

/** Runs one project's deploy step. */
export async function runStep(project: DeliveryProject, ctx: StepContext): Promise<void> {
  const { config } = ctx;
  if (project === 'image-builder') {
    // Both images, each a no-op when the registry holds its content; infra pins the two digests.
    ctx.log('image-builder: publish prefect-base and the flows-deployer image');
    await run(ctx, publishRun(ctx, 'prefect-base'));
    await run(ctx, publishRun(ctx, 'flows-deployer'));
    return;
  }
  if (project === 'infra') {
    await runInfraStep(ctx.root, config, infraStepIo(ctx.root, config, { profile: ctx.profiles.deploy }), { dryRun: ctx.dryRun, log: ctx.log });
    return;
  }
  const outputs = readInfraOutputs(ctx.root, config.env);
  const clientConfig = { region: config.aws.region, ...(ctx.profiles.deploy ? { profile: ctx.profiles.deploy } : {}) };
  if (outputs.endpoint === 'private') {
    // The API answers inside the VPC only: the deployer runs there, as infra's one-off task.
    const task = deployerTaskRun(outputs);
    if (ctx.dryRun) {
      ctx.log(`  would run the deployer task ${task.taskDefinition} in ${task.cluster}: ${task.command?.join(' ')}`);
      return;
    }
    const { ECSClient: Client } = await import('@aws-sdk/client-ecs');
    const ecs = new Client(clientConfig);
    try {
      await runDeployerTask(ecs, outputs, { onProgress: (line) => ctx.log(`  ${line}`) });
    } finally {
      ecs.destroy();
    }
    return;
  }
  if (ctx.dryRun) {
    ctx.log(`  would read the API auth secret ${String(outputs.api_auth_secret_arn)} and run: ${describeRun(flowsApplyRun(ctx, '…'))}`);
    return;
  }
  const { SecretsManagerClient: Client } = await import('@aws-sdk/client-secrets-manager');
  const apiAuth = await readApiAuth(new Client(clientConfig), String(outputs.api_auth_secret_arn));
  await run(ctx, flowsApplyRun(ctx, apiAuth));
}
