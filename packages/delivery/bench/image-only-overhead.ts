/**
 * Benchmark (not a test): what a deploy whose only change is the Prefect image costs beyond the
 * publish itself. Such a change (docker/prefect-base) makes `nx affected -t deploy` run
 * image-builder → infra → flows-deployer; what the delivery chain adds around the publish is
 *   1. Nx working out what is affected (project graph, `git diff`; `platform-deploy plan` asks the same),
 *   2. starting `platform-deploy step <project>` three times (one process per Nx deploy target),
 *   3. the infra step's decision: synthesizing the platform stack with the new digest and reading
 *      the last apply's record from S3 (here the AWS emulator), which finds the stack changed.
 * Not counted: the publish, the apply of the changed task definitions with the server release and
 * the flows' re-pin (the deploy of the new image itself), and the no-op publish of the unchanged
 * deployer image (image-builder's bench holds it to ≤ 1 s).
 *
 *   pnpm bench                                   # from the repo root: every benchmark, services started
 *   eval "$(scripts/test-services.sh up)"        # or only this one, from the repo root:
 *   (cd packages/delivery && pnpm exec projen compile && pnpm exec projen bench -- [rounds])
 *
 * Exit code 1 when the median overhead misses TARGET_SECONDS.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '@blog-data/config';
import { EXAMPLE_PLATFORM_OUTPUTS } from '@blog-data/test-support';
import { affectedDeployProjects, fingerprintOf, infraStepIo, planDeploy, recordLocation, runInfraStep } from '../src';
import { publishedImages } from '../test/published-images';
import { ScratchWorkspace, WORKSPACE } from '../test/scratch-workspace';

// The AWS SDK's Node-version advisory would land in the middle of the table (as in bin/platform-deploy.js).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The target: the chain adds at most this much to the publish of a new image (median of the rounds). */
const TARGET_SECONDS = 30;

const config = loadConfig({ env: 'dev', environ: {} });
const digest = (seed: number) => `sha256:${seed.toString(16).padStart(64, '0')}`;

/** Wall time and CPU time (this process and the children it waited for) of one part. */
interface Sample {
  readonly wall: number;
  readonly cpu: number;
}

/** CPU seconds used so far by this process and its waited-for children (Linux: /proc/self/stat utime…cstime). */
function cpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 0, utime/stime/cutime/cstime are fields 11..14, in clock ticks (100 Hz).
  return fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100;
}

async function measure(fn: () => unknown): Promise<Sample> {
  const cpu = cpuSeconds();
  const start = process.hrtime.bigint();
  await fn();
  return { wall: Number(process.hrtime.bigint() - start) / 1e9, cpu: cpuSeconds() - cpu };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  if (!process.env.AWS_ENDPOINT_URL) {
    process.stderr.write('error: missing AWS_ENDPOINT_URL (bench environment): run eval "$(scripts/test-services.sh up)" first\n');
    process.exit(2);
  }
  const roundsArg = process.argv.slice(2).filter((a) => a !== '--')[0] ?? '3';
  if (!/^[1-9]\d*$/.test(roundsArg)) {
    process.stderr.write(`error: invalid rounds "${roundsArg}" (bench/image-only-overhead.ts): write a positive number, e.g. 3\n`);
    process.exit(2);
  }
  const s3 = new S3Client({ region: config.aws.region, forcePathStyle: true });
  const where = recordLocation(config);
  const bucket = { Bucket: where.bucket, CreateBucketConfiguration: { LocationConstraint: config.aws.region as never } };
  await s3.send(new CreateBucketCommand(bucket)).catch(() => undefined); // already there from an earlier run

  const scratch = ScratchWorkspace.create();
  const roots: string[] = [];
  const samples = { nx: [] as Sample[], starts: [] as Sample[], infra: [] as Sample[] };
  try {
    for (let round = 1; round <= Number(roundsArg); round++) {
      const head = scratch.change(['docker/prefect-base/Dockerfile']);
      let plan: string[] = [];
      samples.nx.push(await measure(() => {
        plan = planDeploy(affectedDeployProjects(scratch.root, [`--base=${scratch.base}`, `--head=${head}`])).map((s) => s.project);
      }));
      if (plan.join(' ') !== 'image-builder infra flows-deployer') throw new Error(`unexpected plan for an image-only change: ${plan.join(', ')}`);

      samples.starts.push(await measure(() => {
        for (let i = 0; i < plan.length; i++) execFileSync(process.execPath, [join(WORKSPACE, 'packages/delivery/bin/platform-deploy.js'), '--help'], { stdio: 'ignore' });
      }));

      // The last apply had the previous Prefect image; this round's publish gave a new digest.
      const before = publishedImages(config, digest(round * 2), digest(1));
      const after = publishedImages(config, digest(round * 2 + 1), digest(1));
      roots.push(before, after);
      const applied = fingerprintOf(await infraStepIo(before, config, {}).synth());
      const record = { fingerprint: applied, appliedAt: new Date().toISOString(), outputs: { ...EXAMPLE_PLATFORM_OUTPUTS } };
      await s3.send(new PutObjectCommand({ Bucket: where.bucket, Key: where.key, Body: JSON.stringify(record) }));
      let action = '';
      samples.infra.push(await measure(async () => {
        action = (await runInfraStep(after, config, infraStepIo(after, config, {}), { dryRun: true, log: () => {} })).action;
      }));
      if (action !== 'apply') throw new Error(`the infra step did not see the new image (${action})`);
      const last = (part: Sample[]) => `${part.at(-1)!.wall.toFixed(1)} s`;
      process.stderr.write(`  round ${round}: nx ${last(samples.nx)}, step starts ${last(samples.starts)}, infra decision ${last(samples.infra)}\n`);
    }
  } finally {
    scratch.remove();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
    s3.destroy();
  }

  const rows: [string, Sample[]][] = [
    ['nx: what is affected (project graph, git diff)', samples.nx],
    ['3 × platform-deploy step process start', samples.starts],
    ['infra: synth with the new digest + S3 record read', samples.infra],
  ];
  const wall = (part: Sample[]) => median(part.map((p) => p.wall));
  const cpu = (part: Sample[]) => median(part.map((p) => p.cpu));
  const total = rows.reduce((sum, [, part]) => sum + wall(part), 0);
  const totalCpu = rows.reduce((sum, [, part]) => sum + cpu(part), 0);
  const width = Math.max(...rows.map(([name]) => name.length));
  // CPU time is what an idle machine would need; wall time is what the target is about.
  process.stdout.write(`\nimage-only deploy: overhead beyond the publish (median of ${roundsArg} rounds, load ${loadavg()[0]!.toFixed(1)})\n`);
  process.stdout.write(`  ${'part'.padEnd(width)}   wall s   CPU s\n`);
  for (const [name, part] of rows) process.stdout.write(`  ${name.padEnd(width)}  ${wall(part).toFixed(1).padStart(6)}  ${cpu(part).toFixed(1).padStart(6)}\n`);
  process.stdout.write(`  ${'total'.padEnd(width)}  ${total.toFixed(1).padStart(6)}  ${totalCpu.toFixed(1).padStart(6)}  (target: wall ≤ ${TARGET_SECONDS} s)\n`);
  if (total > TARGET_SECONDS) {
    process.stderr.write(`error: target missed: image-only deploy overhead ${total.toFixed(1)} s > ${TARGET_SECONDS} s\n`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`error: benchmark failed (${err instanceof Error ? err.message : String(err)}): check the test services\n`);
  process.exit(1);
});
