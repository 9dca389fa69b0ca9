export { rolloutError } from './errors';
export type { WaitOptions } from './wait';
export { judgeStoppedTask, runTaskToCompletion, shortId } from './one-off-task';
export type { OneOffTask, TaskNetwork, TaskOutcome } from './one-off-task';
export { judgeRollout, updateServiceAndWait } from './service-rollout';
export type { RolloutResult, RolloutState, ServiceUpdate } from './service-rollout';
export { rollBackWithDowngrade, rollOutAfterMigration } from './migrated-rollout';
export type { DowngradeRollback, MigratedRollout, MigratedRolloutResult, RollbackResult, RolloutWaits } from './migrated-rollout';
