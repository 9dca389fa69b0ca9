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
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '@blog-data/config';
import { EXAMPLE_PLATFORM_OUTPUTS } from '@blog-data/test-support';
import { affectedDeployProjects, ARTIFACT_FILES, fingerprintOf, infraStepIo, planDeploy, recordLocation, runInfraStep, writeArtifact } from '../src';
import { ScratchWorkspace, WORKSPACE } from '../test/scratch-workspace';

/** The target: the chain adds at most this much to the publish of a new image (median of the rounds). */
const TARGET_SECONDS = 30;

const config = loadConfig({ env: 'dev', environ: {} });
const repository = `${config.aws.accountId}.dkr.ecr.${config.aws.region}.amazonaws.com/blog-data`;
const digest = (seed: number) => `sha256:${seed.toString(16).padStart(64, '0')}`;

/** A workspace-shaped root whose .deploy holds both publish results, as image-builder:deploy leaves them. */
function publishedImages(prefect: string, deployer: string): string {
  const root = mkdtempSync(join(tmpdir(), 'delivery-bench-'));
  symlinkSync(join(WORKSPACE, 'packages'), join(root, 'packages'));
  writeArtifact(root, ARTIFACT_FILES.image, { image: 'prefect-base', repository, digest: prefect, reference: `${repository}@${prefect}` });
  writeArtifact(root, ARTIFACT_FILES.deployerImage, { image: 'flows-deployer', repository, digest: deployer, reference: `${repository}@${deployer}` });
  return root;
}

async function seconds(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
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
  const samples = { nx: [] as number[], starts: [] as number[], infra: [] as number[] };
  try {
    for (let round = 1; round <= Number(roundsArg); round++) {
      const head = scratch.change(['docker/prefect-base/Dockerfile']);
      let plan: string[] = [];
      samples.nx.push(await seconds(() => {
        plan = planDeploy(affectedDeployProjects(scratch.root, [`--base=${scratch.base}`, `--head=${head}`])).map((s) => s.project);
      }));
      if (plan.join(' ') !== 'image-builder infra flows-deployer') throw new Error(`unexpected plan for an image-only change: ${plan.join(', ')}`);

      samples.starts.push(await seconds(() => {
        for (let i = 0; i < plan.length; i++) execFileSync(process.execPath, [join(WORKSPACE, 'packages/delivery/bin/platform-deploy.js'), '--help'], { stdio: 'ignore' });
      }));

      // The last apply had the previous Prefect image; this round's publish gave a new digest.
      const before = publishedImages(digest(round * 2), digest(1));
      const after = publishedImages(digest(round * 2 + 1), digest(1));
      roots.push(before, after);
      const applied = fingerprintOf(await infraStepIo(before, config, {}).synth());
      const record = { fingerprint: applied, appliedAt: new Date().toISOString(), outputs: { ...EXAMPLE_PLATFORM_OUTPUTS } };
      await s3.send(new PutObjectCommand({ Bucket: where.bucket, Key: where.key, Body: JSON.stringify(record) }));
      let action = '';
      samples.infra.push(await seconds(async () => {
        action = (await runInfraStep(after, config, infraStepIo(after, config, {}), { dryRun: true, log: () => {} })).action;
      }));
      if (action !== 'apply') throw new Error(`the infra step did not see the new image (${action})`);
      process.stderr.write(`  round ${round}: nx ${samples.nx.at(-1)!.toFixed(1)} s, step starts ${samples.starts.at(-1)!.toFixed(1)} s, infra decision ${samples.infra.at(-1)!.toFixed(1)} s\n`);
    }
  } finally {
    scratch.remove();
    for (const root of roots) rmSync(root, { recursive: true, force: true });
    s3.destroy();
  }

  const rows: [string, number][] = [
    ['nx: what is affected (project graph, git diff)', median(samples.nx)],
    ['3 × platform-deploy step process start', median(samples.starts)],
    ['infra: synth with the new digest + S3 record read', median(samples.infra)],
  ];
  const total = rows.reduce((sum, [, s]) => sum + s, 0);
  const width = Math.max(...rows.map(([name]) => name.length));
  process.stdout.write(`\nimage-only deploy: overhead beyond the publish (median of ${roundsArg} rounds)\n`);
  for (const [name, s] of rows) process.stdout.write(`  ${name.padEnd(width)}  ${s.toFixed(1).padStart(5)} s\n`);
  process.stdout.write(`  ${'total'.padEnd(width)}  ${total.toFixed(1).padStart(5)} s  (target ≤ ${TARGET_SECONDS} s)\n`);
  if (total > TARGET_SECONDS) {
    process.stderr.write(`error: target missed: image-only deploy overhead ${total.toFixed(1)} s > ${TARGET_SECONDS} s\n`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`error: benchmark failed (${err instanceof Error ? err.message : String(err)}): check the test services\n`);
  process.exit(1);
});
