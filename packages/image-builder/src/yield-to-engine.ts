import * as os from 'node:os';

/** The niceness this thread takes while a build it started runs (the lowest priority). */
const WHILE_BUILDING = 19;

/**
 * Lowers this thread's CPU priority while the engine builds, and returns how to put it back.
 *
 * A publish loads config and the AWS SDK, logs in and reads the registry while an early build
 * runs: ~0.35 s of CPU that, on a machine whose cores the engine shares, slowed the build itself
 * (the benchmark's small cold build took ~0.1 s longer than with this process idle). The build
 * leaves plenty of time for that work at the lowest priority. Where the kernel's scheduler picks
 * between the two, that lets the engine go first; on the project's 2-core VM it does not help
 * (a busy loop at nice 19 slows a build as much as one at nice 0: the cores are shared below the
 * guest's scheduler), so there only less CPU helps. Putting the priority back needs
 * the right to raise it (root, or CAP_SYS_NICE); without it the rest of the publish, which
 * waits on the engine and the registry, keeps the low one. Best effort both ways.
 */
export function yieldToEngine(): () => void {
  let before: number;
  try {
    before = os.getPriority();
    if (before >= WHILE_BUILDING) return () => undefined;
    os.setPriority(WHILE_BUILDING);
  } catch {
    return () => undefined;
  }
  return () => {
    try {
      os.setPriority(before);
    } catch {
      // Not allowed to raise it again: the rest runs at the low priority.
    }
  };
}
