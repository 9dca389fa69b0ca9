/**
 * Benchmark (not a test): synthesizing every stack of every environment, in a
 * fresh Node process and including module loading, against merely loading
 * `@cdktf/provider-aws`'s barrel index in a fresh process. The deep imports
 * are what keep synth cheap; synth must take at most half the barrel's time.
 *
 * Run: `pnpm --filter @blog-data/infra bench` (after `nx build infra`, it runs lib/).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const PACKAGE_DIR = path.resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MAX_RATIO = 0.5;

/** Runs `code` in a fresh node process that prints its own elapsed milliseconds. */
function timeInFreshProcess(code: string): number {
  const script = `const t0 = process.hrtime.bigint(); ${code}; process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));`;
  const r = spawnSync(process.execPath, ['-e', script], { cwd: PACKAGE_DIR, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`benchmark process failed: ${r.stderr}`);
  return Number(r.stdout.trim());
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function main(): number {
  if (!fs.existsSync(path.join(PACKAGE_DIR, 'lib', 'app.js'))) {
    process.stderr.write('error: lib/app.js is missing (bench): run `pnpm nx build infra` first\n');
    return 1;
  }
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-bench-'));
  const synthCode = [
    "const { ENVIRONMENTS } = require('@blog-data/config')",
    "const { buildApp } = require('./lib/app')",
    `for (const env of ENVIRONMENTS) buildApp({ env, environ: { PLATFORM_IMAGE__DIGEST: 'sha256:' + 'a'.repeat(64), PLATFORM_IMAGE__DEPLOYER_DIGEST: 'sha256:' + 'd'.repeat(64) }, outdir: ${JSON.stringify(outdir)} + '/' + env }).app.synth()`,
  ].join('; ');
  const barrelCode = "require('@cdktf/provider-aws')";

  const synth: number[] = [];
  const barrel: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    synth.push(timeInFreshProcess(synthCode));
    barrel.push(timeInFreshProcess(barrelCode));
  }
  fs.rmSync(outdir, { recursive: true, force: true });

  const s = median(synth);
  const b = median(barrel);
  const ratio = s / b;
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  process.stdout.write(
    [
      `synth of all stacks (3 environments × 2 stacks, fresh process): ${ms(s)}  (runs: ${synth.map(ms).join(', ')})`,
      `require('@cdktf/provider-aws') barrel (fresh process):          ${ms(b)}  (runs: ${barrel.map(ms).join(', ')})`,
      `ratio synth / barrel: ${(ratio * 100).toFixed(1)} % (limit ${MAX_RATIO * 100} %)`,
    ].join('\n') + '\n',
  );
  if (ratio > MAX_RATIO) {
    process.stderr.write(`error: synth takes ${(ratio * 100).toFixed(1)} % of the barrel load (bench): keep provider imports deep (@cdktf/provider-aws/lib/<resource>)\n`);
    return 1;
  }
  return 0;
}

process.exitCode = main();
