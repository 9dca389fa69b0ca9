/**
 * Benchmark: 100 deployments against the in-process contract server, once per database the
 * Prefect server can sit on. Each write transaction takes WRITE_MS, as an upsert does on a real
 * server; on the SQLite-like server an overlapping write is answered 503 (`database is locked`).
 * - Aurora-like (writes overlap), default concurrency: first apply, no-op re-run, one change.
 * - SQLite-like, default concurrency: the first apply must converge in one run; re-run writes 0.
 * - Serial, one request at a time — the way `prefect deploy --all` works (it deploys one
 *   deployment after another, src/prefect/cli/deploy/_core.py L522-547 at tag 3.8.3, with more
 *   requests per deployment than this), as the baseline for both.
 * Fails when a target is missed: 0 writes on a no-op re-run, 1 after one change, SQLite in one
 * run and within SQLITE_VS_SERIAL × the serial time, Aurora at least AURORA_SPEEDUP × faster than serial.
 *
 *   cd apps/flows-deployer && npx ts-node -P bench/tsconfig.json bench/apply-100.ts [--count 100]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PrefectContractServer } from '@blog-data/prefect-api/testing';
import { run, RunResult } from '../src/run';
import { MemoryFlowCodeStore } from '../test/support/memory-flow-code-store';
import { TERRAFORM_OUTPUTS } from '../test/support/workspace';

const AUTH = 'prefect:bench';
const countArg = process.argv.indexOf('--count');
const COUNT = countArg > 0 ? Number(process.argv[countArg + 1]) : 100;
const FLOWS = 10;
/** One write transaction on the server (a deployment upsert with its schedules, behind the ALB), in ms. */
const WRITE_MS = 50;
/** The concurrent apply must beat the serial one at least this much on an Aurora-like server. */
const AURORA_SPEEDUP = 2;
/** SQLite serializes writes anyway; backing off from its 503s may cost at most this factor over serial. */
const SQLITE_VS_SERIAL = 2;

function flowsSource(): string {
  const defs = Array.from(
    { length: FLOWS },
    (_, i) => `@flow(name="bench-flow-${i}")\ndef bench_flow_${i}(batch_size: int = 100, dry_run: bool = False):\n    return batch_size\n`,
  );
  return `from prefect import flow\n\n\n${defs.join('\n\n')}`;
}

function manifest(cronMinute: (i: number) => number): string {
  const lines = ['deployments:'];
  for (let i = 0; i < COUNT; i++) {
    lines.push(
      `  - name: bench-${String(i).padStart(3, '0')}`,
      `    entrypoint: flows/bench.py:bench_flow_${i % FLOWS}`,
      '    tags: [bench]',
      `    parameters: { batch_size: ${10 + i} }`,
      '    schedules:',
      i % 2 === 0 ? `      - cron: "${cronMinute(i)} 3 * * *"\n        timezone: Europe/London` : `      - interval: ${600 + i}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

interface Row {
  readonly label: string;
  readonly ms: number;
  readonly requests: number;
  readonly clientWrites: number;
  readonly serverWrites: number;
  readonly locked: number;
  readonly retries: number;
  readonly summary: string;
  readonly error?: string;
}

/** A fresh server and project; runs `steps` against them and returns one row per step. */
async function scenario(
  name: string,
  options: { readonly database: 'sqlite' | 'postgres'; readonly concurrency?: number },
  steps: ReadonlyArray<readonly [string, (t: string) => string]>,
): Promise<{ rows: Row[]; violations: string[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flows-deployer-bench-'));
  const server = await PrefectContractServer.start({ authString: AUTH, database: options.database, writeLatencyMs: WRITE_MS });
  const rows: Row[] = [];
  try {
    writeFileSync(path.join(dir, 'outputs.json'), JSON.stringify(TERRAFORM_OUTPUTS));
    mkdirSync(path.join(dir, 'flows'));
    writeFileSync(path.join(dir, 'flows', 'bench.py'), flowsSource());
    const environ: NodeJS.ProcessEnv = { PLATFORM_ENV: 'dev', PREFECT_API_URL: server.apiUrl, PREFECT_API_AUTH_STRING: AUTH };
    if (options.concurrency) environ.FLOWS_DEPLOYER_CONCURRENCY = String(options.concurrency);
    // Flow code goes to an in-memory store; S3 itself is covered by test/flow-code-s3.integration.test.ts.
    const flowCodeStore = new MemoryFlowCodeStore();
    for (const [label, manifestText] of steps) {
      writeFileSync(path.join(dir, 'prefect.yaml'), manifestText(label));
      server.clearLog();
      server.lockedWrites = 0;
      const started = process.hrtime.bigint();
      let result: RunResult | undefined;
      let error: string | undefined;
      try {
        result = await run({ command: 'apply', manifest: path.join(dir, 'prefect.yaml'), infraOutputs: path.join(dir, 'outputs.json'), environ, flowCodeStore });
      } catch (err) {
        error = (err as Error).message.split('\n')[0];
      }
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const summary: Record<string, number> = {};
      for (const d of result?.plan.deployments ?? []) summary[d.action] = (summary[d.action] ?? 0) + 1;
      rows.push({
        label: `${name}: ${label}`,
        ms,
        requests: result?.stats.requests ?? NaN,
        clientWrites: result?.stats.writes ?? NaN,
        serverWrites: server.writes.filter((w) => w.status < 300).length,
        locked: server.lockedWrites,
        retries: result?.stats.retries ?? NaN,
        summary: error ? `FAILED: ${error}` : Object.entries(summary).map(([k, v]) => `${k} ${v}`).join(', '),
        error,
      });
    }
    return { rows, violations: [...server.violations] };
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const base = manifest(() => 0);
  const changed = manifest((i) => (i === 0 ? 30 : 0));
  // Warm-up, not reported: the first run in a process also pays for compiling the contract's validators.
  await scenario('warm-up', { database: 'postgres' }, [['first apply', () => base]]);
  const aurora = await scenario('aurora', { database: 'postgres' }, [['first apply', () => base], ['no-op re-run', () => base], ['one schedule changed', () => changed]]);
  const sqlite = await scenario('sqlite', { database: 'sqlite' }, [['first apply', () => base], ['no-op re-run', () => base]]);
  const serial = await scenario('serial (as prefect deploy)', { database: 'postgres', concurrency: 1 }, [['first apply', () => base]]);
  const rows = [...aurora.rows, ...sqlite.rows, ...serial.rows];

  const header = ['run', 'ms', 'requests', 'retries', '503 locked', 'writes (client)', 'writes (server)', 'deployments'];
  const cells = rows.map((r) => [
    r.label, r.ms.toFixed(0), String(r.requests), String(r.retries), String(r.locked), String(r.clientWrites), String(r.serverWrites), r.summary,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (c: string[]): string => c.map((x, i) => x.padEnd(widths[i])).join('  ');
  console.log(`flows-deployer apply benchmark: ${COUNT} deployments, ${FLOWS} flows, ${WRITE_MS} ms per write transaction, contract server on 127.0.0.1`);
  console.log(line(header).trimEnd());
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c).trimEnd());

  const failures: string[] = [];
  const [auroraFirst, auroraNoop, auroraOne] = aurora.rows;
  const [sqliteFirst, sqliteNoop] = sqlite.rows;
  const [serialFirst] = serial.rows;
  for (const r of rows) if (r.error) failures.push(`${r.label} failed: ${r.error}`);
  if (auroraNoop.serverWrites !== 0 || auroraOne.serverWrites !== 1) {
    failures.push(`expected 0 writes on the no-op re-run and 1 after one change, got ${auroraNoop.serverWrites} and ${auroraOne.serverWrites}`);
  }
  if (sqliteNoop.serverWrites !== 0) failures.push(`SQLite re-run wrote ${sqliteNoop.serverWrites} times, want 0 (the first apply did not converge in one run)`);
  if (auroraFirst.ms * AURORA_SPEEDUP > serialFirst.ms) {
    failures.push(`Aurora first apply took ${auroraFirst.ms.toFixed(0)} ms, not ${AURORA_SPEEDUP}× faster than serial (${serialFirst.ms.toFixed(0)} ms)`);
  }
  if (sqliteFirst.ms > SQLITE_VS_SERIAL * serialFirst.ms) {
    failures.push(`SQLite first apply took ${sqliteFirst.ms.toFixed(0)} ms, over ${SQLITE_VS_SERIAL}× the serial ${serialFirst.ms.toFixed(0)} ms`);
  }
  const violations = [...aurora.violations, ...sqlite.violations, ...serial.violations];
  if (violations.length > 0) failures.push(`contract violations:\n${violations.join('\n')}`);
  if (failures.length > 0) {
    console.error(`error: ${failures.join('\nerror: ')}`);
    process.exitCode = 1;
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
