/**
 * The warm re-run target of issue #16: after a kept rehearsal (`--keep`), a second one with nothing
 * changed reuses the built workspace, the running services and the emulator's stacks, and finishes
 * in under 60 s, printing under 60 lines with the verdict last. Runs README command 1 as written
 * (cold first, so the measured run is the second), then tears the kept rehearsal down.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..', '..');
const LIMIT_SECONDS = 60;
const LIMIT_LINES = 60;

function rehearse(...args: string[]): { seconds: number; lines: string[]; status: number } {
  const started = process.hrtime.bigint();
  const run = spawnSync('bash', ['scripts/rehearse.sh', ...args], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, lines: run.stdout.split('\n').filter((l) => l.length > 0), status: run.status ?? 1 };
}

const problems: string[] = [];
const first = rehearse('--keep');
console.log(`first (--keep):  ${first.seconds.toFixed(1)} s, ${first.lines.length} lines, exit ${first.status}`);
if (first.status !== 0) problems.push(`the first rehearsal failed:\n${first.lines.join('\n')}`);
const warm = first.status === 0 ? rehearse('--keep') : undefined;
if (warm) {
  console.log(`re-run (--keep): ${warm.seconds.toFixed(1)} s, ${warm.lines.length} lines, exit ${warm.status}`);
  console.log(warm.lines.map((l) => `  | ${l}`).join('\n'));
  if (warm.status !== 0) problems.push('the re-run failed');
  if (warm.seconds >= LIMIT_SECONDS) problems.push(`the re-run took ${warm.seconds.toFixed(1)} s (target < ${LIMIT_SECONDS} s)`);
  if (warm.lines.length >= LIMIT_LINES) problems.push(`the re-run printed ${warm.lines.length} lines (target < ${LIMIT_LINES})`);
  if (warm.lines[warm.lines.length - 1] !== 'rehearsal: ok') problems.push(`the last line is "${warm.lines[warm.lines.length - 1]}", not the verdict`);
}
const down = rehearse('--down');
console.log(`tear down (--down): ${down.seconds.toFixed(1)} s, exit ${down.status}`);
if (down.status !== 0) problems.push('--down failed');

if (problems.length > 0) {
  console.error(`rehearsal bench: FAILED\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`rehearsal bench: ok (re-run ${warm?.seconds.toFixed(1)} s < ${LIMIT_SECONDS} s)`);
