import type { DowngradeRollback, MigratedRollout } from '@blog-data/ecs-rollout';

/** The platform outputs a server release reads (names from the config's outputs contract). */
export interface ReleaseOutputs {
  readonly ecs_cluster_arn: string;
  readonly task_subnet_ids: readonly string[];
  readonly assign_public_ip: boolean;
  readonly server_security_group_id: string;
  readonly server_service_name: string;
  readonly server_task_definition_arn: string;
  readonly migration_task_definition_arn: string;
  readonly migration_container_name: string;
  /** Scale-out only: the background-services service and its newest task definition. */
  readonly services_service_name?: string;
  readonly services_task_definition_arn?: string;
}

/**
 * Picks and checks the release's outputs from a flat `{name: value}` map; throws one line
 * naming the first missing or malformed output and where it came from.
 */
export function readReleaseOutputs(outputs: Record<string, unknown>, source: string): ReleaseOutputs {
  const text = (name: keyof ReleaseOutputs): string => {
    const v = outputs[name];
    if (typeof v !== 'string' || v === '') throw new Error(`${source}: output ${name} is missing or not a string (apply the platform stack first)`);
    return v;
  };
  const subnets = outputs.task_subnet_ids;
  if (!Array.isArray(subnets) || subnets.length === 0 || !subnets.every((s) => typeof s === 'string')) {
    throw new Error(`${source}: output task_subnet_ids must be a non-empty list of subnet ids`);
  }
  const publicIp = outputs.assign_public_ip;
  if (typeof publicIp !== 'boolean' && publicIp !== 'true' && publicIp !== 'false') {
    throw new Error(`${source}: output assign_public_ip must be true or false`);
  }
  return {
    ecs_cluster_arn: text('ecs_cluster_arn'),
    task_subnet_ids: subnets as string[],
    assign_public_ip: publicIp === true || publicIp === 'true',
    server_security_group_id: text('server_security_group_id'),
    server_service_name: text('server_service_name'),
    server_task_definition_arn: text('server_task_definition_arn'),
    migration_task_definition_arn: text('migration_task_definition_arn'),
    migration_container_name: text('migration_container_name'),
    // Both or neither: the scale-out mode's background services.
    ...(outputs.services_service_name === undefined && outputs.services_task_definition_arn === undefined
      ? {}
      : { services_service_name: text('services_service_name'), services_task_definition_arn: text('services_task_definition_arn') }),
  };
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
  /** Alembic revision that release expects (Prefect's MIGRATION-NOTES.md lists them); omit when the schema did not change. */
  readonly downgradeTo?: string;
}

/**
 * A rollback of the server: stop it, downgrade with the newest migration task definition
 * (the newer image holds the down-migrations), start the older task definition.
 */
export function planServerRollback(o: ReleaseOutputs, target: RollbackTarget, startedBy = 'platform-release'): DowngradeRollback {
  if (target.downgradeTo !== undefined && !/^[0-9a-f]{12}$|^base$/.test(target.downgradeTo)) {
    throw new Error(`--downgrade-to: "${target.downgradeTo}" is not an alembic revision (12 hex digits, or base)`);
  }
  return {
    cluster: o.ecs_cluster_arn,
    services: [{ service: o.server_service_name, taskDefinition: target.taskDefinition, desiredCount: 1 }],
    downgrade: target.downgradeTo === undefined ? undefined : {
      ...planServerRelease(o, startedBy).migration,
      command: ['prefect', 'server', 'database', 'downgrade', '-y', '-r', target.downgradeTo],
    },
  };
}
