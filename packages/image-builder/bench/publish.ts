/**
 * Benchmark (not a test): image-builder publish vs `docker build` + `docker push`.
 *
 *   eval "$(scripts/test-services.sh up)"            # from the repo root
 *   cd packages/image-builder && npx projen compile && npx ts-node bench/publish.ts [rounds]
 *
 * Each round builds the busybox-app fixture with fresh content (a unique file,
 * so every step from the COPY on misses the cache) both ways, and times:
 * - image-builder full publish (CLI process: context, ECR login, lookup, build, push, verify, tag),
 * - image-builder no-op publish (same content again),
 * - docker CLI: `docker build` (classic builder, as the image-builder uses) + `docker push`.
 * Prints the median of each and the full-publish ratio.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateRepositoryCommand, DeleteRepositoryCommand, ECRClient } from '@aws-sdk/client-ecr';

const REQUIRED = ['DOCKER_HOST', 'TEST_REGISTRY', 'TEST_BUSYBOX_IMAGE', 'AWS_ENDPOINT_URL'];
const FIXTURE = path.join(__dirname, '..', 'test', 'fixtures', 'busybox-app');
const CLI = path.join(__dirname, '..', 'bin', 'image-builder.js');

function timed(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function freshContext(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ib-bench-'));
  cpSync(FIXTURE, dir, { recursive: true });
  writeFileSync(path.join(dir, 'app', 'round.txt'), randomBytes(16).toString('hex'));
  return dir;
}

async function main(): Promise<void> {
  const missing = REQUIRED.filter((n) => !process.env[n]);
  if (missing.length) {
    process.stderr.write(`error: missing ${missing.join(', ')} (bench environment): run eval "$(scripts/test-services.sh up)" first\n`);
    process.exit(2);
  }
  const rounds = Number(process.argv[2] ?? 3);
  const registry = process.env.TEST_REGISTRY as string;
  const base = process.env.TEST_BUSYBOX_IMAGE as string;
  const account = process.env.TEST_AWS_ACCOUNT_ID ?? '123456789012';
  const repository = `ib-bench-${randomBytes(4).toString('hex')}`;
  const ecr = new ECRClient({ region: process.env.AWS_REGION ?? 'eu-west-1' });
  await ecr.send(new CreateRepositoryCommand({ repositoryName: repository }));
  const dockerConfig = mkdtempSync(path.join(tmpdir(), 'ib-bench-docker-'));
  const env = {
    ...process.env,
    PLATFORM_AWS__ACCOUNT_ID: account,
    PLATFORM_IMAGE__REPOSITORY: repository,
    DOCKER_CONFIG: dockerConfig,
    DOCKER_BUILDKIT: '0',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const run = (cmd: string, args: string[], input?: string) =>
    execFileSync(cmd, args, { env, input, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  run('docker', ['login', '-u', process.env.TEST_REGISTRY_USER ?? 'AWS', '--password-stdin', registry],
    process.env.TEST_REGISTRY_PASSWORD ?? `${account}-auth-token`);

  const samples = { full: [] as number[], noop: [] as number[], cli: [] as number[] };
  const dirs: string[] = [];
  const imageIds = new Set<string>();
  try {
    for (let round = 1; round <= rounds; round++) {
      const ours = freshContext();
      dirs.push(ours);
      const publish = ['publish', '--context', ours, '--registry', registry, '--build-arg', `BASE_IMAGE=${base}`, '--json'];
      let output = '';
      samples.full.push(timed(() => {
        output = run('node', [CLI, ...publish]);
      }));
      const first = JSON.parse(output) as { status: string; imageId: string };
      if (first.status !== 'pushed') throw new Error(`round ${round}: expected a full publish, got ${first.status}`);
      imageIds.add(first.imageId);
      samples.noop.push(timed(() => {
        output = run('node', [CLI, ...publish]);
      }));
      const again = JSON.parse(output) as { status: string };
      if (again.status !== 'noop') throw new Error(`round ${round}: expected a no-op, got ${again.status}`);

      const theirs = freshContext();
      dirs.push(theirs);
      const ref = `${registry}/${repository}:cli-${round}`;
      samples.cli.push(timed(() => {
        run('docker', ['build', '-q', '--build-arg', `BASE_IMAGE=${base}`, '-t', ref, theirs]);
        run('docker', ['push', '-q', ref]);
      }));
      imageIds.add(run('docker', ['image', 'inspect', '-f', '{{.Id}}', ref]).trim());
      process.stderr.write(`round ${round}/${rounds}: full ${samples.full.at(-1)!.toFixed(0)} ms, no-op ${samples.noop.at(-1)!.toFixed(0)} ms, docker CLI ${samples.cli.at(-1)!.toFixed(0)} ms\n`);
    }
  } finally {
    for (const id of imageIds) {
      try {
        run('docker', ['rmi', '-f', id]);
      } catch {
        // already gone
      }
    }
    for (const dir of [...dirs, dockerConfig]) rmSync(dir, { recursive: true, force: true });
    await ecr.send(new DeleteRepositoryCommand({ repositoryName: repository, force: true })).catch(() => undefined);
    ecr.destroy();
  }

  const full = median(samples.full);
  const cli = median(samples.cli);
  const rows: [string, string, string][] = [
    ['scenario', `median of ${rounds} (ms)`, 'vs docker CLI'],
    ['image-builder publish, no-op', median(samples.noop).toFixed(0), (median(samples.noop) / cli).toFixed(2)],
    ['image-builder publish, full', full.toFixed(0), (full / cli).toFixed(2)],
    ['docker build + docker push', cli.toFixed(0), '1.00'],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  process.stdout.write(`${line(rows[0])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.slice(1).map(line).join('\n')}\n`);
  process.stdout.write('\nfull publish also verifies the manifest and config in the registry and tags two tags; the CLI pair does neither.\n');
  // The target: a no-op publish takes at most 3 s.
  const NOOP_LIMIT_MS = 3000;
  if (median(samples.noop) > NOOP_LIMIT_MS) {
    process.stderr.write(`error: no-op publish took ${median(samples.noop).toFixed(0)} ms, over the ${NOOP_LIMIT_MS} ms target\n`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`error: benchmark failed (${err instanceof Error ? err.message : String(err)}): check the test services\n`);
  process.exit(1);
});
