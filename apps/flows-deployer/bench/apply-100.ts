/**
 * Benchmark: 100 deployments against the in-process contract server.
 * Measures a first apply (everything created), a no-op re-run, and a run where one
 * schedule changed, with request and write counts from both the client and the server.
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

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flows-deployer-bench-'));
  const server = await PrefectContractServer.start({ authString: AUTH });
  try {
    writeFileSync(path.join(dir, 'outputs.json'), JSON.stringify(TERRAFORM_OUTPUTS));
    mkdirSync(path.join(dir, 'flows'));
    writeFileSync(path.join(dir, 'flows', 'bench.py'), flowsSource());
    const environ = { PLATFORM_ENV: 'dev', PREFECT_API_URL: server.apiUrl, PREFECT_API_AUTH_STRING: AUTH };
    // Flow code goes to an in-memory store; S3 itself is covered by test/flow-code-s3.integration.test.ts.
    const flowCodeStore = new MemoryFlowCodeStore();
    const apply = (): Promise<RunResult> =>
      run({ command: 'apply', manifest: path.join(dir, 'prefect.yaml'), infraOutputs: path.join(dir, 'outputs.json'), environ, flowCodeStore });

    const rows: string[][] = [];
    const measure = async (label: string): Promise<void> => {
      server.clearLog();
      const started = process.hrtime.bigint();
      const result = await apply();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const summary = result.plan.deployments.reduce<Record<string, number>>((acc, d) => ({ ...acc, [d.action]: (acc[d.action] ?? 0) + 1 }), {});
      rows.push([
        label,
        ms.toFixed(0),
        String(result.stats.requests),
        String(result.stats.writes),
        String(server.writes.length),
        Object.entries(summary).map(([k, v]) => `${k} ${v}`).join(', '),
      ]);
    };

    writeFileSync(path.join(dir, 'prefect.yaml'), manifest(() => 0));
    await measure('first apply (all create)');
    await measure('re-run, nothing changed');
    writeFileSync(path.join(dir, 'prefect.yaml'), manifest((i) => (i === 0 ? 30 : 0)));
    await measure('re-run, one schedule changed');

    const header = ['run', 'ms', 'requests', 'writes (client)', 'writes (server)', 'deployments'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
    console.log(`flows-deployer apply benchmark: ${COUNT} deployments, ${FLOWS} flows, contract server on 127.0.0.1`);
    console.log(line(header).trimEnd());
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows) console.log(line(r).trimEnd());
    // The targets: a re-run with nothing changed writes nothing; one change writes once.
    const [, noop, oneChange] = rows;
    if (noop[4] !== '0' || oneChange[4] !== '1') {
      console.error(`error: expected 0 writes on the no-op re-run and 1 after one change, got ${noop[4]} and ${oneChange[4]}`);
      process.exitCode = 1;
    }
    if (server.violations.length > 0) {
      console.error(`contract violations:\n${server.violations.join('\n')}`);
      process.exitCode = 1;
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
