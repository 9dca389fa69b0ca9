/**
 * Benchmark: peak memory of the deployer applying 10,000 deployments (issue: the deployer task
 * must fit its memory). The deployer runs as the task runs it — `node bin/flows-deployer.js`,
 * compiled, with the task's heap cap — in its own process; the contract server runs in another,
 * so the peak RSS measured is the deployer's alone. Fails when a run exceeds the budget or does
 * not converge (first apply creates all, the re-run writes nothing).
 *
 *   cd apps/flows-deployer && npx ts-node --transpile-only -P bench/tsconfig.json bench/apply-10000-memory.ts [--count 10000]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ContractServerProcess } from './contract-server-process';
import { TERRAFORM_OUTPUTS } from '../test/support/workspace';

const AUTH = 'prefect:bench';
const APP_DIR = path.join(__dirname, '..');
const countArg = process.argv.indexOf('--count');
const COUNT = countArg > 0 ? Number(process.argv[countArg + 1]) : 10_000;
const FLOWS = 20;
/** The budget: 10,000 deployments within 256 MiB. */
const BUDGET_MIB = 256;
/** The heap cap the deployer task runs with (packages/config: deployer.heapMiB). */
const HEAP_MIB = 192;

function flowsSource(): string {
  const defs = Array.from(
    { length: FLOWS },
    (_, i) =>
      `@flow(name="mem-flow-${i}")\ndef mem_flow_${i}(batch_size: int = 100, dry_run: bool = False, source: str = "cms", tags: list[str] = []):\n    """Moves one batch."""\n    return batch_size\n`,
  );
  return `from prefect import flow\n\n\n${defs.join('\n\n')}`;
}

function manifest(): string {
  const lines = [
    'name: memory-bench',
    'pull:',
    '  - prefect.deployments.steps.set_working_directory:',
    '      directory: /opt/prefect/flows',
    'deployments:',
  ];
  for (let i = 0; i < COUNT; i++) {
    lines.push(
      `  - name: mem-${String(i).padStart(5, '0')}`,
      `    description: Deployment number ${i} of the memory benchmark.`,
      `    entrypoint: flows/mem.py:mem_flow_${i % FLOWS}`,
      '    tags: [bench, memory]',
      `    parameters: { batch_size: ${10 + i}, source: "cms-${i % 7}" }`,
      '    work_pool: { name: blog-data-pool, job_variables: { cpu: 512, memory: 1024 } }',
      '    schedules:',
      i % 3 === 0
        ? '      - cron: "0 3 * * *"\n        timezone: Europe/London'
        : i % 3 === 1
          ? `      - interval: ${600 + i}`
          : '      - rrule: "FREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=0"',
    );
  }
  return `${lines.join('\n')}\n`;
}

interface CliRun {
  readonly code: number | null;
  readonly peakRssMiB: number;
  readonly ms: number;
  readonly stderr: string;
  /** Pool and deployments the run found different, from its --json report. */
  readonly changed: string;
}

function changedItems(stdout: string): string {
  try {
    const report = JSON.parse(stdout) as {
      workPool: { action: string; changes: unknown[] };
      deployments: Array<{ name: string; action: string; changes: unknown[] }>;
    };
    const items = report.deployments.filter((d) => d.action !== 'unchanged').slice(0, 3);
    return JSON.stringify({ workPool: report.workPool.action === 'unchanged' ? 'unchanged' : report.workPool.changes, deployments: items });
  } catch {
    return stdout.slice(0, 300);
  }
}

/** One `flows-deployer <args>` run in its own process, as the ECS task runs it. */
function runDeployer(args: string[], environ: NodeJS.ProcessEnv): Promise<CliRun> {
  const started = Date.now();
  const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MIB}`, '-r', path.join(__dirname, 'peak-rss.js'), path.join(APP_DIR, 'bin', 'flows-deployer.js'), ...args], {
    env: environ,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  // Only what changed is kept from the --json report, to say why a run that should write nothing did.
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      const match = /peak-rss-kib (\d+)/.exec(stderr);
      resolve({
        code,
        peakRssMiB: match ? Number(match[1]) / 1024 : NaN,
        ms: Date.now() - started,
        stderr: stderr.replace(/\n?peak-rss-kib \d+\n?/, '').trim(),
        changed: changedItems(stdout),
      });
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'flows-deployer-mem-'));
  const server = await ContractServerProcess.start({ authString: AUTH });
  try {
    writeFileSync(path.join(dir, 'outputs.json'), JSON.stringify(TERRAFORM_OUTPUTS));
    mkdirSync(path.join(dir, 'flows'));
    writeFileSync(path.join(dir, 'flows', 'mem.py'), flowsSource());
    writeFileSync(path.join(dir, 'prefect.yaml'), manifest());
    const environ = { PATH: process.env.PATH, PLATFORM_ENV: 'dev', PREFECT_API_URL: server.apiUrl, PREFECT_API_AUTH_STRING: AUTH };
    const args = ['--manifest', path.join(dir, 'prefect.yaml'), '--infra-outputs', path.join(dir, 'outputs.json'), '--json'];

    const rows: Array<[string, CliRun, number]> = [];
    for (const [label, command] of [['first apply (all create)', 'apply'], ['re-run, nothing changed', 'apply'], ['plan --detailed-exitcode', 'plan']] as const) {
      await server.clearLog();
      const result = await runDeployer(command === 'plan' ? [command, ...args, '--detailed-exitcode'] : [command, ...args], environ);
      rows.push([label, result, (await server.stats()).writes]);
    }

    console.log(`flows-deployer memory benchmark: ${COUNT} deployments, ${FLOWS} flows, heap cap ${HEAP_MIB} MiB, budget ${BUDGET_MIB} MiB peak RSS`);
    console.log('run                         exit  ms      peak RSS MiB  writes (server)');
    for (const [label, r, writes] of rows) {
      console.log(`${label.padEnd(28)}${String(r.code).padEnd(6)}${String(r.ms).padEnd(8)}${r.peakRssMiB.toFixed(1).padEnd(14)}${writes}`);
    }
    const failures: string[] = [];
    const [first, rerun, plan] = rows;
    for (const [label, r] of rows) {
      if (!(r.peakRssMiB <= BUDGET_MIB)) failures.push(`${label}: peak RSS ${r.peakRssMiB.toFixed(1)} MiB > ${BUDGET_MIB} MiB`);
    }
    if (first[1].code !== 0) failures.push(`first apply exited ${first[1].code}: ${first[1].stderr.slice(0, 500)}`);
    if (rerun[1].code !== 0 || rerun[2] !== 0) failures.push(`re-run exited ${rerun[1].code} with ${rerun[2]} writes (want 0 and 0): ${rerun[1].changed}`);
    if (plan[1].code !== 0) failures.push(`plan --detailed-exitcode exited ${plan[1].code} (want 0)`);
    const { deployments, violations } = await server.stats();
    if (deployments !== COUNT) failures.push(`server holds ${deployments} deployments, want ${COUNT}`);
    if (violations.length > 0) failures.push(`contract violations:\n${violations.join('\n')}`);
    if (failures.length > 0) {
      console.error(`error: ${failures.join('\nerror: ')}`);
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
