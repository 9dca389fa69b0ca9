import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { mayRaisePriority } from '../src/yield-to-engine';

/** Priorities seen by a process that yields and restores, run as `uid` (this user when undefined). */
function yieldInProcess(uid?: number): { before: number; during: number; after: number } {
  const script = `
    const os = require('node:os');
    const { yieldToEngine } = require('./src/yield-to-engine');
    const before = os.getPriority();
    const restore = yieldToEngine();
    const during = os.getPriority();
    restore();
    process.stdout.write(JSON.stringify({ before, during, after: os.getPriority() }));`;
  const run = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
    cwd: path.join(__dirname, '..'), encoding: 'utf8', ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  if (run.status !== 0) throw new Error(`child failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { before: number; during: number; after: number };
}

describe('yielding the CPU to the engine while it builds', () => {
  const root = process.getuid?.() === 0;

  it('takes the lowest priority and gives the old one back, when allowed to', () => {
    const seen = yieldInProcess();
    if (root) expect(seen).toEqual({ before: seen.before, during: 19, after: seen.before });
    else expect(seen.after).toBe(seen.before);
  });

  it('leaves the priority alone for a user that could not raise it again (the rest of the publish ran at nice 19)', () => {
    // nobody: no capabilities, RLIMIT_NICE 0. Run as this user when not root (the same case).
    const seen = yieldInProcess(root ? 65534 : undefined);
    expect(seen).toEqual({ before: seen.before, during: seen.before, after: seen.before });
  });

  it('knows who may raise a priority: root, CAP_SYS_NICE, or an RLIMIT_NICE that reaches it', () => {
    expect(mayRaisePriority(0, { uid: 0 })).toBe(true);
    expect(mayRaisePriority(0, { uid: 1000, effectiveCapabilities: 2n ** 23n })).toBe(true);
    expect(mayRaisePriority(0, { uid: 1000, effectiveCapabilities: 0x3fffffn, niceLimit: 0 })).toBe(false);
    expect(mayRaisePriority(0, { uid: 1000, niceLimit: 20 })).toBe(true);
    expect(mayRaisePriority(0, { uid: 1000, niceLimit: 15 })).toBe(false);
    expect(mayRaisePriority(5, { uid: 1000, niceLimit: 15 })).toBe(true);
    expect(mayRaisePriority(0, {})).toBe(false);
  });
});
