/**
 * The contract between infra and its consumers: the names of the platform stack's terraform
 * outputs. infra creates exactly these; image-builder, flows-deployer and ops read them.
 * Values are ids, ARNs and names only, never secrets.
 */
export const PLATFORM_OUTPUTS = [
  'prefect_url',
  'prefect_api_url',
  'alb_dns_name',
  'ecs_cluster_arn',
  'ecs_cluster_name',
  'vpc_id',
  'task_subnet_ids',
  'assign_public_ip',
  'server_security_group_id',
  'worker_security_group_id',
  'flow_run_security_group_id',
  'execution_role_arn',
  'worker_task_role_arn',
  'flow_run_task_role_arn',
  'deployer_task_role_arn',
  'ecr_repository_url',
  'ecr_repository_name',
  'api_auth_secret_arn',
  'database_secret_arn',
  'log_group_api',
  'log_group_worker',
  'log_group_deployer',
  'log_group_flow_runs',
  'deployer_task_definition_arn',
  'flow_storage_bucket',
  'alarm_topic_arn',
  'server_service_name',
  'server_task_definition_arn',
  'migration_task_definition_arn',
  'migration_container_name',
  'prefect_image',
  'deployer_image',
] as const;

/** Name of one platform-stack output. */
export type PlatformOutputName = (typeof PLATFORM_OUTPUTS)[number];

/** Outputs of the bootstrap (account-level) stack. */
export const BOOTSTRAP_OUTPUTS = [
  'state_bucket',
  'kms_key_arn',
  'circleci_oidc_provider_arn',
  'ecr_repository_url',
  'ecr_push_role_arn',
  'deploy_role_arn',
] as const;

/**
 * Turns `terraform output -json` (`{name: {value, type, sensitive}}`) into `{name: value}`; a
 * map that is already flat passes through. Throws when `parsed` is not a JSON object.
 */
export function flattenTerraformOutputs(parsed: unknown): Record<string, unknown> {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TypeError('infra outputs must be a JSON object (terraform output -json, or a {name: value} map)');
  }
  const out: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(parsed)) {
    // Both `value` and terraform's own `type`/`sensitive`: a flat value that happens to be an
    // object with a `value` key is not mistaken for a wrapper.
    const wrapped =
      typeof entry === 'object' && entry !== null && !Array.isArray(entry) && 'value' in entry && ('type' in entry || 'sensitive' in entry);
    out[name] = wrapped ? (entry as { value: unknown }).value : entry;
  }
  return out;
}
