/**
 * Delivery order and what one `nx affected -t deploy` run does, as a pure plan.
 *
 * The Nx deploy targets form a chain (flows-deployer → infra → image-builder, `dependsOn` in
 * projenrc/workspace-package.ts): Nx runs an affected project's deploy after its upstream steps,
 * and an upstream step that did not change is a cheap no-op that only hands its artifacts on (the
 * images: a content-addressed publish that finds the registry already holds them; infra: the
 * outputs recorded at its last apply of the same stack). Images come first because task
 * definitions run images by digest only: infra needs both digests to synthesize.
 */

/** The Nx projects with a deploy target, upstream first. */
export const DELIVERY_ORDER = ['image-builder', 'infra', 'flows-deployer'] as const;
export type DeliveryProject = (typeof DELIVERY_ORDER)[number];

/** One step of a deploy run. */
export interface PlannedStep {
  readonly project: DeliveryProject;
  /** `changed`: affected by the change set; `upstream`: runs because a later step reads its artifacts. */
  readonly reason: 'changed' | 'upstream';
}

/** Every project Nx will run `deploy` for when `affected` changed, in delivery order. */
export function planDeploy(affected: readonly string[]): PlannedStep[] {
  const unknown = affected.filter((p) => !(DELIVERY_ORDER as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw new Error(`${unknown.join(', ')} has a deploy target but no place in DELIVERY_ORDER (packages/delivery/src/order.ts)`);
  }
  const last = Math.max(-1, ...affected.map((p) => DELIVERY_ORDER.indexOf(p as DeliveryProject)));
  return DELIVERY_ORDER.slice(0, last + 1).map((project) => ({
    project,
    reason: affected.includes(project) ? 'changed' : 'upstream',
  }));
}

/** `infra (changed) → image-builder (upstream: no-op unless changed) → …` for people. */
export function describePlan(env: string, steps: readonly PlannedStep[]): string {
  if (steps.length === 0) return `environment: ${env}\nnothing to deploy (no project with a deploy target is affected)\n`;
  const lines = steps.map((s, i) => `  ${i + 1}. ${s.project}: ${s.reason === 'changed' ? 'deploy (changed)' : 'hand on its artifacts (unchanged upstream; no-op unless it differs from the last deploy)'}`);
  return `environment: ${env}\ndeploy order:\n${lines.join('\n')}\n`;
}
