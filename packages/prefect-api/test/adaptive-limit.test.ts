import { AdaptiveLimit } from '../src/adaptive-limit';

describe('AdaptiveLimit', () => {
  const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

  it('halves on every overload answer down to one, then grows by one after increaseAfter × limit successes', async () => {
    const limit = new AdaptiveLimit(8, 2);
    const ok = (): Promise<string> => limit.run(async () => 'ok', (r) => r !== 'ok');
    const busy = (): Promise<string> => limit.run(async () => '503', (r) => r !== 'ok');
    await busy();
    expect(limit.current).toBe(4);
    await busy();
    await busy();
    await busy();
    expect(limit.current).toBe(1);
    await ok();
    expect(limit.current).toBe(1);
    await ok();
    expect(limit.current).toBe(2);
    for (let i = 0; i < 4; i++) await ok();
    expect(limit.current).toBe(3);
    await busy();
    expect(limit.current).toBe(1);
  });

  it('never has more tasks in flight than the current limit', async () => {
    const limit = new AdaptiveLimit(4);
    let inFlight = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const task = (): Promise<void> =>
      limit.run(async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise<void>((r) => gates.push(r));
        inFlight--;
      }, () => true);
    const all = Array.from({ length: 6 }, task);
    await tick();
    expect(inFlight).toBe(4);
    // Each finishing task was an overload: 4 → 2 → 1, so only one runs from then on.
    gates.shift()?.();
    await tick();
    gates.shift()?.();
    await tick();
    expect(limit.current).toBe(1);
    expect(inFlight).toBe(2);
    gates.shift()?.();
    gates.shift()?.();
    await tick();
    expect(inFlight).toBe(1);
    while (gates.length) {
      gates.shift()?.();
      await tick();
    }
    await Promise.all(all);
    expect(peak).toBe(4);
  });

  it('without an overload test is a fixed limit (the client\'s bound on all requests)', async () => {
    const limit = new AdaptiveLimit(2);
    const gates: Array<() => void> = [];
    const all = Array.from({ length: 5 }, () => limit.run(() => new Promise<void>((r) => gates.push(r))));
    await tick();
    expect(limit.inFlight).toBe(2);
    while (gates.length) {
      gates.shift()?.();
      await tick();
      expect(limit.inFlight).toBeLessThanOrEqual(2);
    }
    await Promise.all(all);
    expect(limit.current).toBe(2);
    expect(limit.inFlight).toBe(0);
  });
});
