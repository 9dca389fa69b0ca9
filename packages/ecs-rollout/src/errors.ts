import { UserError } from '@blog-data/cli-kit';

/**
 * A rollout step that did not reach its goal: a cli-kit `UserError` of kind `rollout`, naming
 * the cluster, service or task (`where`) and what to do (`fix`), printed by every CLI the same way.
 */
export function rolloutError(what: string, where?: string, fix?: string): UserError {
  return new UserError(what, where, fix, { kind: 'rollout' });
}
