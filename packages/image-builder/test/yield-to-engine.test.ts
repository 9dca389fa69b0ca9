import * as os from 'node:os';
import { yieldToEngine } from '../src/yield-to-engine';

describe('yielding the CPU to the engine while it builds', () => {
  it('takes the lowest priority, and gives the old one back when allowed', () => {
    const before = os.getPriority();
    const restore = yieldToEngine();
    expect(os.getPriority()).toBe(19);
    restore();
    // Raising it again needs root or CAP_SYS_NICE; without them the low priority stays (best effort).
    expect(os.getPriority()).toBe(process.getuid?.() === 0 ? before : 19);
  });
});
