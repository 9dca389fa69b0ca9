import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

/**
 * What a kept rehearsal left on its emulator: which synthesized stack was applied there, and
 * which platform stack the server was released for. A re-run reuses a stack only when the same
 * emulator process still holds it and the stack synthesizes to the same JSON.
 *
 * The same rule as delivery's infra step (`decideInfra`: a byte-identical synthesized stack has
 * nothing to apply), kept here on purpose rather than imported: scripts/rehearse.sh compiles this
 * package alone, before the workspace build it rehearses, so it depends on cli-kit only; and its
 * record is keyed by emulator process, where delivery's lives beside the environment's state.
 */
export interface WarmState {
  /** The emulator process the stacks live in (`<pid>:<port>`). */
  readonly emulator: string;
  /** Stack name → sha256 of its synthesized `cdk.tf.json` when it was last applied. */
  readonly applied: Readonly<Record<string, string>>;
  /** The platform stack's hash the server was last migrated and rolled for. */
  readonly released?: string;
}

/** The state of a fresh emulator: nothing applied. */
export function freshState(emulator: string): WarmState {
  return { emulator, applied: {} };
}

/** The recorded state if it belongs to this emulator process, else a fresh one (the old emulator's resources are gone). */
export function stateFor(recorded: WarmState | undefined, emulator: string): WarmState {
  return recorded && recorded.emulator === emulator ? recorded : freshState(emulator);
}

/** True when `stack` as synthesized now (`hash`) is what was applied to this emulator. */
export function stackUnchanged(state: WarmState, stack: string, hash: string): boolean {
  return state.applied[stack] === hash;
}

/** The state after applying `stack` as `hash` (undefined: the stack's apply started but did not finish). */
export function withApplied(state: WarmState, stack: string, hash: string | undefined): WarmState {
  const applied = { ...state.applied };
  if (hash) applied[stack] = hash;
  else delete applied[stack];
  return { ...state, applied, released: hash === undefined && stack.endsWith('platform') ? undefined : state.released };
}

/** sha256 of a file's bytes. */
export function hashFile(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Reads the recorded state; a missing or unreadable file is no state. */
export function readWarmState(file: string): WarmState | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as WarmState;
    return typeof parsed.emulator === 'string' && parsed.applied && typeof parsed.applied === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function writeWarmState(file: string, state: WarmState): void {
  fs.writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}
