import { readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import type { DeployerPlanSummary } from './platform-snapshot';

/**
 * The part of `flows-deployer plan --json` the dashboard reads: whether anything would change, and
 * the per-action counts of deployments.
 */
const PLAN_OUTPUT = z.object({
  command: z.enum(['plan', 'apply']),
  changes: z.boolean(),
  summary: z.record(z.string(), z.number().int().nonnegative()),
});

/** Reads a saved deployer plan; throws an Error naming the file and the field on a bad file. */
export function readDeployerPlan(file: string): DeployerPlanSummary {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not a JSON file written by \`flows-deployer plan --json\` (${(err as Error).message})`);
  }
  const parsed = PLAN_OUTPUT.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${file}: field ${issue.path.join('.') || '(root)'}: ${issue.message}; write it with \`flows-deployer plan --json > ${file}\``);
  }
  const { unchanged: _unchanged, ...actions } = parsed.data.summary;
  return { file, at: statSync(file).mtime.toISOString(), clean: !parsed.data.changes, actions };
}
