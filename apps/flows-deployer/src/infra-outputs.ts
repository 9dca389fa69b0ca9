import { readFileSync } from 'node:fs';
import { flattenTerraformOutputs } from '@blog-data/config';
import { DeployerError, ValidationProblems } from './errors';

/**
 * Platform stack outputs (the infra ↔ consumers contract), read from `terraform output -json`
 * (`{name: {value, type, sensitive}}`) or a flat `{name: value}` map.
 */
export type InfraOutputs = Readonly<Record<string, unknown>>;

/** The outputs the work pool's job template is built from. */
export const POOL_OUTPUTS = [
  'ecs_cluster_arn',
  'vpc_id',
  'task_subnet_ids',
  'assign_public_ip',
  'flow_run_security_group_id',
  'execution_role_arn',
  'flow_run_task_role_arn',
  'api_auth_secret_arn',
  'log_group_flow_runs',
] as const;

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
      throw new DeployerError(
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
    throw new DeployerError(`infra outputs are not JSON: ${(err as Error).message}`, label);
  }
  return flattenOutputs(parsed, label);
}

/** Turns `terraform output -json` shape into `{name: value}`; a flat map passes through. */
export function flattenOutputs(parsed: unknown, label = 'infra outputs'): InfraOutputs {
  try {
    return flattenTerraformOutputs(parsed);
  } catch {
    throw new DeployerError('infra outputs must be a JSON object', label, 'use `terraform output -json` or a {name: value} map');
  }
}

/** The typed values the work pool needs; throws listing every missing or mistyped output. */
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

/** Extracts and checks {@link POOL_OUTPUTS}. */
export function poolOutputs(outputs: InfraOutputs, label = 'infra outputs'): PoolOutputs {
  const problems: string[] = [];
  const str = (name: string, pattern?: RegExp, hint?: string): string => {
    const v = outputs[name];
    if (typeof v !== 'string' || v === '') problems.push(`${name}: missing (expected a string)`);
    else if (pattern && !pattern.test(v)) problems.push(`${name}: "${v}" ${hint}`);
    return typeof v === 'string' ? v : '';
  };
  const arn = /^arn:aws[\w-]*:/;
  const result: PoolOutputs = {
    ecsClusterArn: str('ecs_cluster_arn', arn, 'is not an ARN'),
    vpcId: str('vpc_id', /^vpc-/, 'is not a VPC id'),
    taskSubnetIds: (() => {
      const v = outputs.task_subnet_ids;
      if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string')) {
        problems.push('task_subnet_ids: missing (expected a non-empty list of subnet ids)');
        return [];
      }
      return v as string[];
    })(),
    assignPublicIp: (() => {
      const v = outputs.assign_public_ip;
      if (typeof v !== 'boolean') problems.push('assign_public_ip: missing (expected true or false)');
      return v === true;
    })(),
    flowRunSecurityGroupId: str('flow_run_security_group_id', /^sg-/, 'is not a security group id'),
    executionRoleArn: str('execution_role_arn', arn, 'is not an ARN'),
    flowRunTaskRoleArn: str('flow_run_task_role_arn', arn, 'is not an ARN'),
    apiAuthSecretArn: str('api_auth_secret_arn', arn, 'is not an ARN'),
    logGroupFlowRuns: str('log_group_flow_runs'),
    ecrRepositoryUrl: typeof outputs.ecr_repository_url === 'string' && outputs.ecr_repository_url ? outputs.ecr_repository_url : undefined,
  };
  if (problems.length > 0) throw new ValidationProblems(label, problems);
  return result;
}
