import { readFileSync } from 'node:fs';
import { flattenTerraformOutputs } from '@blog-data/config';
import { OpsError } from './errors';

/**
 * The platform stack's terraform outputs (the contract with packages/infra);
 * every field optional here, since a partly applied stack lacks some. Checks
 * that need a missing one fail and say which output they wanted.
 */
export interface InfraOutputs {
  readonly prefect_url?: string;
  readonly prefect_api_url?: string;
  readonly alb_dns_name?: string;
  readonly ecs_cluster_arn?: string;
  readonly ecs_cluster_name?: string;
  readonly vpc_id?: string;
  readonly task_subnet_ids?: readonly string[];
  readonly assign_public_ip?: boolean;
  readonly server_security_group_id?: string;
  readonly worker_security_group_id?: string;
  readonly flow_run_security_group_id?: string;
  readonly execution_role_arn?: string;
  readonly ecr_repository_url?: string;
  readonly ecr_repository_name?: string;
  readonly api_auth_secret_arn?: string;
  readonly database_secret_arn?: string;
  readonly log_group_api?: string;
  readonly log_group_worker?: string;
  readonly log_group_deployer?: string;
  readonly log_group_flow_runs?: string;
  readonly alarm_topic_arn?: string;
  /** Not in the contract yet; used when present, else `<namePrefix>-prefect` (infra's naming). */
  readonly database_cluster_identifier?: string;
  readonly [name: string]: unknown;
}

/** The outputs `doctor` reads; a check that lacks one fails and names it. */
export const OUTPUTS_READ_BY_DOCTOR = [
  'prefect_url',
  'prefect_api_url',
  'alb_dns_name',
  'ecs_cluster_arn',
  'server_security_group_id',
  'worker_security_group_id',
  'flow_run_security_group_id',
  'ecr_repository_url',
  'ecr_repository_name',
  'api_auth_secret_arn',
  'database_secret_arn',
  'log_group_api',
  'log_group_worker',
  'alarm_topic_arn',
] as const;

/**
 * Reads outputs written by `terraform output -json` (`{name: {value, type,
 * sensitive}}`) or a flat `{name: value}` map.
 */
export function readInfraOutputs(file: string): InfraOutputs {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new OpsError('infra outputs file not found', file,
      'write it with `terraform output -json > FILE` in the platform stack directory', 2);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new OpsError('infra outputs file is not JSON', file, 'write it with `terraform output -json > FILE`', 2);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new OpsError('infra outputs must be a JSON object', file, 'write it with `terraform output -json > FILE`', 2);
  }
  return normalizeOutputs(parsed as Record<string, unknown>);
}

/** Unwraps `{value, type, sensitive}` entries; flat values pass through. */
export function normalizeOutputs(raw: Record<string, unknown>): InfraOutputs {
  return flattenTerraformOutputs(raw) as InfraOutputs;
}
