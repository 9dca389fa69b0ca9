import { DescribeServicesCommand, ECSClient } from '@aws-sdk/client-ecs';
import { messageOf, UserError } from '@blog-data/cli-kit';
import { rolloutError } from './errors';
import { OneOffTask, runTaskToCompletion, TaskOutcome } from './one-off-task';
import { RolloutResult, ServiceUpdate, updateServiceAndWait } from './service-rollout';
import { WaitOptions } from './wait';

/** A release of services that share a database schema, migrated by a one-off task first. */
export interface MigratedRollout {
  /** The migration task (e.g. `prefect server database upgrade -y`, with the new image). */
  readonly migration: OneOffTask;
  /** The services to roll after a successful migration, in order (each waited for). */
  readonly services: readonly ServiceUpdate[];
}

/** Timeouts of the two kinds of step. */
export interface RolloutWaits {
  /** For the one-off task. Default 30 minutes. */
  readonly task?: WaitOptions;
  /** For each service. Default 20 minutes. */
  readonly service?: WaitOptions;
}

/** What a release did. */
export interface MigratedRolloutResult {
  readonly migration: TaskOutcome;
  readonly services: readonly (RolloutResult & { readonly service: string })[];
}

/**
 * Migrates, then rolls: the services are updated only after the migration task exited 0,
 * so no new server ever starts on an old schema, and a failed migration leaves the
 * services untouched (still on their old task definitions). Throws a `UserError` of kind `rollout`
 * naming the step that failed.
 */
export async function rollOutAfterMigration(ecs: ECSClient, release: MigratedRollout, waits: RolloutWaits = {}): Promise<MigratedRolloutResult> {
  const migration = await runTaskToCompletion(ecs, release.migration, waits.task);
  if (!migration.ok) {
    throw rolloutError(`migration task failed: ${migration.summary}; the services were not updated`, undefined, 'read the task\'s log, fix, deploy again');
  }
  // Where each service stands before it moves: a failure names them all, because the services of
  // one release (API servers, background services) share its schema and go back together.
  const previous = [];
  for (const update of release.services) {
    const described = await ecs.send(new DescribeServicesCommand({ cluster: update.cluster, services: [update.service] }));
    previous.push(`${update.service} → ${described.services?.[0]?.taskDefinition ?? '(not found)'}`);
  }
  const services = [];
  for (const update of release.services) {
    try {
      services.push({ service: update.service, ...(await updateServiceAndWait(ecs, update, waits.service)) });
    } catch (err) {
      const moved = services.map((s) => s.service);
      throw rolloutError(
        `${err instanceof UserError ? err.what : messageOf(err)}; the schema is migrated${moved.length ? ` and ${moved.join(', ')} already run the new release` : ''}`,
        err instanceof UserError ? err.where : `service ${update.service} in ${update.cluster}`,
        `fix and deploy again, or roll every service of the release back together (with the schema downgrade): ${previous.join(', ')}`,
      );
    }
  }
  return { migration, services };
}

/** Going back to an older release whose schema is older too. */
export interface DowngradeRollback {
  /** Cluster name or ARN. */
  readonly cluster: string;
  /** The services to stop and bring back, with the task definitions to go back to. */
  readonly services: readonly { readonly service: string; readonly taskDefinition: string; readonly desiredCount: number }[];
  /**
   * The downgrade as a one-off task: the NEWER release's migration task definition (only it
   * knows how to undo its migrations) with a downgrade command. Omit when the schema did not change.
   */
  readonly downgrade?: OneOffTask;
}

/** What a rollback did. */
export interface RollbackResult {
  /** The downgrade task's outcome, when there was one. */
  readonly downgrade?: TaskOutcome;
  readonly services: MigratedRolloutResult['services'];
}

/**
 * Rolls back with the schema: stops the services (desired 0), downgrades the schema with
 * the newer release's code, then starts the older task definitions. The services are down
 * in between, because neither the old code on the new schema nor the new code on the old
 * one is safe. A failed downgrade leaves the services stopped and says so.
 */
export async function rollBackWithDowngrade(ecs: ECSClient, rollback: DowngradeRollback, waits: RolloutWaits = {}): Promise<RollbackResult> {
  for (const s of rollback.services) {
    await updateServiceAndWait(ecs, { cluster: rollback.cluster, service: s.service, desiredCount: 0 }, waits.service);
  }
  let downgrade: TaskOutcome | undefined;
  if (rollback.downgrade) {
    downgrade = await runTaskToCompletion(ecs, rollback.downgrade, waits.task);
    if (!downgrade.ok) {
      throw rolloutError(`downgrade task failed: ${downgrade.summary}; the services are stopped (desired 0)`, undefined, 'they stay stopped until the schema matches a release');
    }
  }
  const services = [];
  for (const s of rollback.services) {
    const update = { cluster: rollback.cluster, service: s.service, taskDefinition: s.taskDefinition, desiredCount: s.desiredCount };
    services.push({ service: s.service, ...(await updateServiceAndWait(ecs, update, waits.service)) });
  }
  return { downgrade, services };
}
