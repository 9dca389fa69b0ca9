/**
 * A live count of what terraform has done in one stack, read from its plain (`-no-color`)
 * output: the total from the plan line, the progress from the "… complete after" lines.
 */
export interface TerraformProgress {
  /** What the plan said it would do; undefined until the "Plan:" line is seen. */
  readonly planned?: { readonly add: number; readonly change: number; readonly destroy: number };
  readonly created: number;
  readonly changed: number;
  readonly destroyed: number;
  /** terraform said "No changes." */
  readonly noChanges: boolean;
}

export const NO_PROGRESS: TerraformProgress = { created: 0, changed: 0, destroyed: 0, noChanges: false };

const PLAN = /^Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\./;
// `aws_vpc.x: Creation complete after 2s [id=…]`; a replacement prints one destruction and one creation.
const CREATED = /: Creation complete after /;
const CHANGED = /: Modifications complete after /;
const DESTROYED = /: Destruction complete after /;

/** The progress after one more line of terraform's output. */
export function readTerraformLine(progress: TerraformProgress, line: string): TerraformProgress {
  const plan = PLAN.exec(line);
  if (plan) return { ...progress, planned: { add: Number(plan[1]), change: Number(plan[2]), destroy: Number(plan[3]) } };
  if (CREATED.test(line)) return { ...progress, created: progress.created + 1 };
  if (CHANGED.test(line)) return { ...progress, changed: progress.changed + 1 };
  if (DESTROYED.test(line)) return { ...progress, destroyed: progress.destroyed + 1 };
  if (line.startsWith('No changes.')) return { ...progress, noChanges: true };
  return progress;
}

/** "platform: 87/142 created" (what the plan is mostly doing names the verb). */
export function describeProgress(stack: string, progress: TerraformProgress): string {
  if (progress.noChanges && !progress.planned) return `${stack}: no changes`;
  const done = progress.created + progress.changed + progress.destroyed;
  if (!progress.planned) return done > 0 ? `${stack}: ${done} done` : `${stack}: planning`;
  const { add, change, destroy } = progress.planned;
  const total = add + change + destroy;
  const verb = add === total ? 'created' : destroy === total ? 'destroyed' : change === total ? 'changed' : 'applied';
  return `${stack}: ${done}/${total} ${verb}`;
}
