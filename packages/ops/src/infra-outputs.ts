import { platformOutputsSchema, readInfraOutputsFile } from '@blog-data/config';

/**
 * The platform outputs ops reads (the contract with packages/infra, `.pick()`ed from config's
 * schema). Each is optional here, since a partly applied stack lacks some: a check that needs a
 * missing one fails and names it. One that is present but mistyped is an error naming the file
 * and the field.
 */
export const opsOutputsSchema = platformOutputsSchema
  .pick({
    endpoint: true,
    prefect_url: true,
    prefect_api_url: true,
    alb_dns_name: true,
    ecs_cluster_arn: true,
    ecs_cluster_name: true,
    server_security_group_id: true,
    worker_security_group_id: true,
    flow_run_security_group_id: true,
    ecr_repository_url: true,
    ecr_repository_name: true,
    api_auth_secret_arn: true,
    database_secret_arn: true,
    log_group_api: true,
    log_group_worker: true,
    alarm_topic_arn: true,
  })
  .partial();

/** The outputs ops reads, each optional. */
export type InfraOutputs = ReturnType<typeof opsOutputsSchema.parse>;

/** The names of the outputs ops reads. */
export const OUTPUTS_READ_BY_OPS = Object.keys(opsOutputsSchema.shape) as (keyof InfraOutputs)[];

/**
 * Reads outputs written by `terraform output -json` (`{name: {value, type, sensitive}}`) or a
 * flat `{name: value}` map; a missing file, bad JSON or a mistyped field is a usage error (exit 2).
 */
export function readInfraOutputs(file: string): InfraOutputs {
  return readInfraOutputsFile(opsOutputsSchema, file);
}
