import { readFileSync } from 'node:fs';
import { usageError } from '@blog-data/cli-kit';
import { flattenTerraformOutputs, parseInfraOutputs, platformOutputsSchema } from '@blog-data/config';

/**
 * Platform stack outputs (the infra ↔ consumers contract), read from `terraform output -json`
 * (`{name: {value, type, sensitive}}`) or a flat `{name: value}` map.
 */
export type InfraOutputs = Readonly<Record<string, unknown>>;

/** Prefix of base64-encoded JSON, the form infra gives the one-off deployer task. */
export const BASE64_PREFIX = 'base64:';

/**
 * Reads outputs from a file, inline JSON (a value starting with `{`), or `base64:<JSON>` (what
 * the deployer ECS task gets: plain JSON cannot sit inside a container-definitions string).
 */
export function readInfraOutputs(fileOrJson: string, label = fileOrJson): InfraOutputs {
  let text = fileOrJson;
  if (fileOrJson.startsWith(BASE64_PREFIX)) {
    text = Buffer.from(fileOrJson.slice(BASE64_PREFIX.length), 'base64').toString('utf8');
  } else if (!fileOrJson.trimStart().startsWith('{')) {
    try {
      text = readFileSync(fileOrJson, 'utf8');
    } catch (err) {
      throw usageError(
        `cannot read infra outputs: ${(err as Error).message}`,
        fileOrJson,
        'write them with `terraform output -json > outputs.json` in the platform stack and pass --infra-outputs outputs.json',
      );
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw usageError(`infra outputs are not JSON: ${(err as Error).message}`, label, 'use `terraform output -json` or a {name: value} map');
  }
  return flattenOutputs(parsed, label);
}

/** Turns `terraform output -json` shape into `{name: value}`; a flat map passes through. */
export function flattenOutputs(parsed: unknown, label = 'infra outputs'): InfraOutputs {
  return flattenTerraformOutputs(parsed, label);
}

/** The outputs the work pool's job template is built from: a `.pick()` of config's contract. */
const poolFields = platformOutputsSchema
  .pick({
    ecs_cluster_arn: true,
    vpc_id: true,
    task_subnet_ids: true,
    assign_public_ip: true,
    flow_run_security_group_id: true,
    execution_role_arn: true,
    flow_run_task_role_arn: true,
    api_auth_secret_arn: true,
    log_group_flow_runs: true,
  })
  // Optional here: preferred over the config-derived repository when present.
  .extend({ ecr_repository_url: platformOutputsSchema.shape.ecr_repository_url.optional() });

/** The typed values the work pool needs. */
export interface PoolOutputs {
  readonly ecsClusterArn: string;
  readonly vpcId: string;
  readonly taskSubnetIds: readonly string[];
  readonly assignPublicIp: boolean;
  readonly flowRunSecurityGroupId: string;
  readonly executionRoleArn: string;
  readonly flowRunTaskRoleArn: string;
  readonly apiAuthSecretArn: string;
  readonly logGroupFlowRuns: string;
  /** Optional: `<account>.dkr.ecr.<region>.amazonaws.com/<repo>`, preferred over the config-derived one. */
  readonly ecrRepositoryUrl?: string;
}

/** Parses the pool's outputs with config's schema; a usage error lists every missing or mistyped one, naming `label`. */
export function poolOutputs(outputs: InfraOutputs, label = 'infra outputs'): PoolOutputs {
  const o = parseInfraOutputs(poolFields, outputs, label);
  return {
    ecsClusterArn: o.ecs_cluster_arn,
    vpcId: o.vpc_id,
    taskSubnetIds: o.task_subnet_ids,
    assignPublicIp: o.assign_public_ip,
    flowRunSecurityGroupId: o.flow_run_security_group_id,
    executionRoleArn: o.execution_role_arn,
    flowRunTaskRoleArn: o.flow_run_task_role_arn,
    apiAuthSecretArn: o.api_auth_secret_arn,
    logGroupFlowRuns: o.log_group_flow_runs,
    ...(o.ecr_repository_url ? { ecrRepositoryUrl: o.ecr_repository_url } : {}),
  };
}
