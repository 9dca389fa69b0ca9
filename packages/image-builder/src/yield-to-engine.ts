import { readFileSync } from 'node:fs';
import * as os from 'node:os';

/** The niceness this thread takes while a build it started runs (the lowest priority). */
const WHILE_BUILDING = 19;
/** Linux capability that allows raising a priority again (`include/uapi/linux/capability.h`). */
const CAP_SYS_NICE = 23;

/**
 * Lowers this thread's CPU priority while the engine builds, and returns how to put it back.
 *
 * A publish loads config and the AWS SDK, logs in and reads the registry while an early build
 * runs: ~0.35 s of CPU that, on a machine whose cores the engine shares, slowed the build itself
 * (the benchmark's small cold build took ~0.1 s longer than with this process idle). The build
 * leaves plenty of time for that work at the lowest priority. Where the kernel's scheduler picks
 * between the two, that lets the engine go first; on the project's 2-core VM it does not help
 * (a busy loop at nice 19 slows a build as much as one at nice 0: the cores are shared below the
 * guest's scheduler), so there only less CPU helps.
 *
 * Only done when the priority can be put back (see {@link mayRaisePriority}): otherwise the rest
 * of the publish would run at the lowest priority too.
 */
export function yieldToEngine(mayRaise: (to: number) => boolean = mayRaisePriority): () => void {
  let before: number;
  try {
    before = os.getPriority();
    if (before >= WHILE_BUILDING || !mayRaise(before)) return () => undefined;
    os.setPriority(WHILE_BUILDING);
  } catch {
    return () => undefined;
  }
  return () => {
    try {
      os.setPriority(before);
    } catch {
      // Refused after all: the rest runs at the low priority.
    }
  };
}

/**
 * Whether this process may set its niceness back to `to` after lowering it: root, `CAP_SYS_NICE`,
 * or (Linux) an `RLIMIT_NICE` that reaches `to`. Unknown means no.
 */
export function mayRaisePriority(to: number, facts: PriorityFacts = readPriorityFacts()): boolean {
  if (facts.uid === 0) return true;
  if (facts.effectiveCapabilities !== undefined && (facts.effectiveCapabilities / 2n ** BigInt(CAP_SYS_NICE)) % 2n === 1n) return true;
  // RLIMIT_NICE is kept as 20 - nice (setrlimit(2)): 20 allows nice 0.
  return facts.niceLimit !== undefined && 20 - facts.niceLimit <= to;
}

/** What decides whether a priority can be raised. */
export interface PriorityFacts {
  readonly uid?: number;
  /** The `CapEff` mask of /proc/self/status. */
  readonly effectiveCapabilities?: bigint;
  /** The soft `Max nice priority` of /proc/self/limits. */
  readonly niceLimit?: number;
}

function readPriorityFacts(): PriorityFacts {
  const read = (file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return '';
    }
  };
  const capEff = /^CapEff:\s*([0-9a-f]+)$/m.exec(read('/proc/self/status'))?.[1];
  const niceLimit = /^Max nice priority\s+(\d+)/m.exec(read('/proc/self/limits'))?.[1];
  return {
    uid: process.getuid?.(),
    effectiveCapabilities: capEff ? BigInt(`0x${capEff}`) : undefined,
    niceLimit: niceLimit ? Number(niceLimit) : undefined,
  };
}
