/** Outputs of the platform stack that image-builder and flows-deployer read (the contract; names are fixed). */
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
