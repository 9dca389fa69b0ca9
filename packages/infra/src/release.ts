import { parseInfraOutputs, PlatformOutputs, platformOutputsSchema } from '@blog-data/config';
import type { DowngradeRollback, MigratedRollout } from '@blog-data/ecs-rollout';

/** The platform outputs a server release reads. */
const RELEASE_OUTPUTS = {
  ecs_cluster_arn: true,
  task_subnet_ids: true,
  assign_public_ip: true,
  server_security_group_id: true,
  server_service_name: true,
  server_task_definition_arn: true,
  migration_task_definition_arn: true,
  migration_container_name: true,
  services_service_name: true,
  services_task_definition_arn: true,
} as const;

/**
 * A `.pick()` of config's outputs contract, so a missing or mistyped output is one line naming the
 * file and the field. The scale-out pair (the background-services service and its newest task
 * definition) comes both or neither.
 */
const releaseOutputsSchema = platformOutputsSchema
  .pick(RELEASE_OUTPUTS)
  .refine((o) => (o.services_service_name === undefined) === (o.services_task_definition_arn === undefined), {
    message: 'scale-out outputs come together: services_service_name and services_task_definition_arn',
    path: ['services_task_definition_arn'],
  });

/** The outputs a release reads, typed. */
export type ReleaseOutputs = Pick<PlatformOutputs, keyof typeof RELEASE_OUTPUTS>;

/** Validates the release's outputs (terraform `output -json` shape or flat), naming `source` in every problem. */
export function readReleaseOutputs(parsed: unknown, source: string): ReleaseOutputs {
  return parseInfraOutputs(releaseOutputsSchema, parsed, source);
}

/**
 * A release of the Prefect server: the migration task (the server's security group, which
 * the database admits), then the server service on the newest task definition.
 */
export function planServerRelease(o: ReleaseOutputs, startedBy = 'platform-release'): MigratedRollout {
  return {
    migration: {
      cluster: o.ecs_cluster_arn,
      taskDefinition: o.migration_task_definition_arn,
      containerName: o.migration_container_name,
      network: { subnetIds: o.task_subnet_ids, securityGroupIds: [o.server_security_group_id], assignPublicIp: o.assign_public_ip },
      startedBy,
    },
    services: [
      { cluster: o.ecs_cluster_arn, service: o.server_service_name, taskDefinition: o.server_task_definition_arn },
      // Scale-out: the background services move after the migration too, never before it.
      ...(o.services_service_name && o.services_task_definition_arn
        ? [{ cluster: o.ecs_cluster_arn, service: o.services_service_name, taskDefinition: o.services_task_definition_arn }]
        : []),
    ],
  };
}

/** What a rollback goes back to. */
export interface RollbackTarget {
  /** The server task definition of the release to return to (ARN or family:revision). */
  readonly taskDefinition: string;
  /**
   * Scale-out: the background-services task definition of that release. Required when the outputs
   * have a background-services service: it runs the same code and schema as the API servers.
   */
  readonly servicesTaskDefinition?: string;
  /** Alembic revision that release expects (Prefect's MIGRATION-NOTES.md lists them); omit when the schema did not change. */
  readonly downgradeTo?: string;
  /** Tasks to start again: the server's (1, scale-out `api.minReplicas`) and the background services' (`services.replicas`). Default 1 each. */
  readonly desiredCounts?: { readonly server: number; readonly services: number };
}

/**
 * A rollback of the server: stop it (and, scale-out, the background services), downgrade with the
 * newest migration task definition (the newer image holds the down-migrations), start the older
 * task definitions. Neither the API servers nor the background services may run the newer code on
 * the older schema, or the older code on the newer one, so both go back together.
 */
export function planServerRollback(o: ReleaseOutputs, target: RollbackTarget, startedBy = 'platform-release'): DowngradeRollback {
  if (target.downgradeTo !== undefined && !/^[0-9a-f]{12}$|^base$/.test(target.downgradeTo)) {
    throw new Error(`--downgrade-to: "${target.downgradeTo}" is not an alembic revision (12 hex digits, or base)`);
  }
  if (o.services_service_name && !target.servicesTaskDefinition) {
    throw new Error(`--to-services-task-definition: required in the scale-out mode: ${o.services_service_name} runs the release's code too `
      + '(pass the background-services task definition of the release to return to)');
  }
  if (!o.services_service_name && target.servicesTaskDefinition) {
    throw new Error('--to-services-task-definition: the outputs have no background-services service (services_service_name): the environment runs one server');
  }
  const counts = target.desiredCounts ?? { server: 1, services: 1 };
  return {
    cluster: o.ecs_cluster_arn,
    services: [
      { service: o.server_service_name, taskDefinition: target.taskDefinition, desiredCount: counts.server },
      ...(o.services_service_name && target.servicesTaskDefinition
        ? [{ service: o.services_service_name, taskDefinition: target.servicesTaskDefinition, desiredCount: counts.services }]
        : []),
    ],
    downgrade: target.downgradeTo === undefined ? undefined : {
      ...planServerRelease(o, startedBy).migration,
      command: ['prefect', 'server', 'database', 'downgrade', '-y', '-r', target.downgradeTo],
    },
  };
}
