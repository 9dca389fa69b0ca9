import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { messageOf, usageError, UserError } from '@blog-data/cli-kit';
import { compileIgnoreRules, IgnoreRule, isIgnored } from './prefectignore';

/**
 * Flow code for deployments without their own pull steps: the directories holding their
 * entrypoints are uploaded to the platform's flow-storage bucket under a content-addressed
 * folder, and each deployment gets a `pull_from_s3` step for it (what `prefect deploy` does
 * with an S3 push step). Same code → same folder → no upload and no deployment change.
 */

/** One file of the bundle. */
export interface FlowCodeFile {
  /** POSIX path relative to the manifest's directory (what entrypoints are relative to). */
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

/** The files to ship and their combined digest. */
export interface FlowCodeBundle {
  /** Absolute directory the paths are relative to. */
  readonly root: string;
  readonly files: readonly FlowCodeFile[];
  /** sha256 over the sorted `path\0sha256\n` lines. */
  readonly digest: string;
}

/** Where a bundle lives in S3. */
export interface FlowCodeLocation {
  readonly bucket: string;
  /** Key prefix without trailing slash, e.g. `blog-data/flow-code/3f2a…`. */
  readonly folder: string;
}

/** Written after every file, so a half-finished upload is never mistaken for a complete one. */
export const COMPLETE_MARKER = '.flows-deployer-bundle.json';

/** The prefect-aws pull step step name (prefect-aws ships in the flow-run image). */
export const PULL_FROM_S3 = 'prefect_aws.deployments.steps.pull_from_s3';

/**
 * Never shipped unless `.prefectignore` re-includes them (`!pattern`): dotfiles and dot-folders
 * (`.env`, `.git`, `.venv`, `.aws`…), Python caches, and files that usually hold secrets.
 * They are the first lines of the effective ignore list, so the project's `.prefectignore`
 * is applied after them with Prefect's last-match-wins rules.
 */
export const DEFAULT_IGNORE_PATTERNS: readonly string[] = [
  '.*',
  '__pycache__/',
  '*.py[cod]',
  '*$py.class',
  '*.env',
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  '*.jks',
  '*.keystore',
  '*.kdbx',
  '*.tfstate',
  '*.tfstate.*',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
];

/** The project's ignore file, read from the manifest's folder as `prefect deploy` reads it from its working directory. */
export const IGNORE_FILE = '.prefectignore';

/** Limits on what one deploy uploads. */
export interface FlowCodeLimits {
  /** Total bytes of shipped files; default 100 MiB. */
  readonly maxBytes?: number;
  /** Number of shipped files; default 10,000. */
  readonly maxFiles?: number;
}

export const DEFAULT_MAX_BYTES = 100 * 1024 * 1024;
export const DEFAULT_MAX_FILES = 10_000;

/** `FLOWS_DEPLOYER_MAX_CODE_MB` (MiB, default 100) as limits; a bad value is an error naming the variable. */
export function flowCodeLimitsFromEnv(environ: NodeJS.ProcessEnv): FlowCodeLimits {
  const raw = environ.FLOWS_DEPLOYER_MAX_CODE_MB?.trim();
  if (!raw) return {};
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) <= 0) {
    throw usageError(`FLOWS_DEPLOYER_MAX_CODE_MB must be a positive number of MiB, got ${JSON.stringify(raw)}`, 'FLOWS_DEPLOYER_MAX_CODE_MB', 'e.g. FLOWS_DEPLOYER_MAX_CODE_MB=200');
  }
  return { maxBytes: Math.floor(Number(raw) * 1024 * 1024) };
}

/** A deployment whose code is shipped. */
export interface FlowCodeSource {
  readonly name: string;
  /** `path/to/file.py:function`, relative to the root. */
  readonly entrypoint: string;
}

/**
 * Collects the top-level directories (or files) the entrypoints live in, relative to `root`,
 * without the ignored files. Refuses entrypoints and symlinks that lead outside `root` and
 * bundles over the limits.
 */
export function collectFlowCode(root: string, sources: readonly FlowCodeSource[], limits: FlowCodeLimits = {}): FlowCodeBundle {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxFiles = limits.maxFiles ?? DEFAULT_MAX_FILES;
  const realRoot = realpathSync(root);
  const tops = new Set<string>();
  for (const source of sources) {
    const file = source.entrypoint.slice(0, source.entrypoint.lastIndexOf(':'));
    const rel = path.posix.normalize(file.replace(/\\/g, '/'));
    if (path.posix.isAbsolute(rel) || rel === '..' || rel.startsWith('../')) {
      throw usageError(
        `the entrypoint of deployment ${source.name} (${source.entrypoint}) is outside the project folder`,
        root,
        'keep flow files inside the folder of prefect.yaml; only that folder is uploaded',
      );
    }
    tops.add(rel.split('/')[0]);
  }
  const rules = ignoreRules(root);
  const canPrune = rules.every((r) => r.ignore);
  const files: FlowCodeFile[] = [];
  let bytes = 0;
  const visit = (rel: string): void => {
    const abs = path.join(root, rel);
    let stat = lstatSync(abs);
    if (stat.isSymbolicLink()) {
      const target = realpathSync(abs);
      const inside = path.relative(realRoot, target);
      if (inside.startsWith('..') || path.isAbsolute(inside)) {
        throw usageError(`${rel} is a symlink to ${target}, outside the project folder`, root, `remove the link or add ${rel} to ${IGNORE_FILE}`);
      }
      stat = statSync(abs);
    }
    if (stat.isDirectory()) {
      // Without `!` patterns an ignored folder can hold nothing shipped: skip it whole (`.git`, `.venv`).
      if (canPrune && isIgnored(rules, `${rel}/`)) return;
      for (const name of readdirSync(abs).sort()) visit(`${rel}/${name}`);
      return;
    }
    if (!stat.isFile() || isIgnored(rules, rel)) return;
    bytes += stat.size;
    if (files.length + 1 > maxFiles || bytes > maxBytes) {
      throw usageError(
        `the flow code to upload is over the limit of ${maxFiles} files / ${formatBytes(maxBytes)} (reached at ${rel}: ${files.length + 1} files, ${formatBytes(bytes)} so far)`,
        root,
        `exclude what flows do not need in ${IGNORE_FILE} (gitignore syntax), or raise FLOWS_DEPLOYER_MAX_CODE_MB`,
      );
    }
    const body = readFileSync(abs);
    files.push({ path: rel, sha256: createHash('sha256').update(body).digest('hex'), size: body.length });
  };
  for (const top of [...tops].sort()) {
    if (!isIgnored(rules, top)) visit(top);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const digest = createHash('sha256')
    .update(files.map((f) => `${f.path}\0${f.sha256}\n`).join(''))
    .digest('hex');
  return { root, files, digest };
}

/** The default exclusions followed by the project's `.prefectignore` lines (stripped, as `push_to_s3` reads them). */
function ignoreRules(root: string): IgnoreRule[] {
  let own: string[] = [];
  try {
    own = readFileSync(path.join(root, IGNORE_FILE), 'utf8').split('\n').map((line) => line.trim());
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new UserError(`cannot read ${IGNORE_FILE}: ${messageOf(err)}`, root);
  }
  try {
    return compileIgnoreRules([...DEFAULT_IGNORE_PATTERNS, ...own]);
  } catch (err) {
    throw usageError(messageOf(err), path.join(root, IGNORE_FILE), 'fix the pattern (gitignore syntax)');
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

/** `<project>/flow-code/<first 16 hex of the digest>` in the flow-storage bucket. */
export function flowCodeLocation(bucket: string, project: string, bundle: FlowCodeBundle): FlowCodeLocation {
  return { bucket, folder: `${project}/flow-code/${bundle.digest.slice(0, 16)}` };
}

/** The pull steps a deployment gets for uploaded code (credentials: the flow-run task role). */
export function pullFromS3Steps(location: FlowCodeLocation): Record<string, unknown>[] {
  return [{ [PULL_FROM_S3]: { requires: 'prefect-aws>=0.5.0', bucket: location.bucket, folder: location.folder } }];
}

/** The object store; S3 in production, in memory in tests. */
export interface FlowCodeStore {
  /** `s3://bucket` etc., for messages. */
  readonly description: string;
  exists(key: string): Promise<boolean>;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
}

/** Flow storage in S3. Honours AWS_ENDPOINT_URL(_S3) (the emulator) with path-style addressing. */
export class S3FlowCodeStore implements FlowCodeStore {
  readonly description: string;
  private readonly client: S3Client;

  constructor(private readonly bucket: string, region: string, environ: NodeJS.ProcessEnv = process.env) {
    const endpoint = environ.AWS_ENDPOINT_URL_S3 || environ.AWS_ENDPOINT_URL || undefined;
    this.client = new S3Client({ region: environ.AWS_REGION || region, endpoint, forcePathStyle: Boolean(endpoint), maxAttempts: 5 });
    this.description = `s3://${bucket}`;
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 404) return false;
      throw new UserError(
        `cannot read flow storage: ${messageOf(err)}`,
        `s3://${this.bucket}/${key}`,
        status === 403
          ? 'the deployer\'s role needs s3:ListBucket and s3:GetObject on the flow-storage bucket'
          : 'check the flow_storage_bucket output and AWS credentials',
      );
    }
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
    } catch (err) {
      throw new UserError(
        `cannot upload flow code: ${messageOf(err)}`,
        `s3://${this.bucket}/${key}`,
        'the deployer\'s role needs s3:PutObject (and kms:GenerateDataKey for the bucket key) on the flow-storage bucket',
      );
    }
  }
}

/** What happens to the flow code. */
export interface FlowCodePlan {
  /** `upload` also when offline (not checked). */
  readonly action: 'upload' | 'unchanged';
  readonly location: FlowCodeLocation;
  readonly files: number;
  readonly bytes: number;
  readonly digest: string;
  /** False when offline: the bucket was not looked at. */
  readonly checked: boolean;
}

/** One HEAD request: is this exact bundle already complete in storage? */
export async function planFlowCode(store: FlowCodeStore | undefined, bundle: FlowCodeBundle, location: FlowCodeLocation): Promise<FlowCodePlan> {
  const base = { location, files: bundle.files.length, bytes: bundle.files.reduce((n, f) => n + f.size, 0), digest: bundle.digest };
  if (!store) return { ...base, action: 'upload', checked: false };
  const present = await store.exists(`${location.folder}/${COMPLETE_MARKER}`);
  return { ...base, action: present ? 'unchanged' : 'upload', checked: true };
}

/** Uploads every file, then the marker; returns the number of objects written. */
export async function uploadFlowCode(store: FlowCodeStore, bundle: FlowCodeBundle, location: FlowCodeLocation): Promise<number> {
  for (const file of bundle.files) {
    const body = readFileSync(path.join(bundle.root, file.path));
    // The bundle is content-addressed: a file changed since collection would poison the folder.
    if (createHash('sha256').update(body).digest('hex') !== file.sha256) {
      throw new UserError(`${file.path} changed while deploying`, bundle.root, 'rerun the deploy');
    }
    await store.put(`${location.folder}/${file.path}`, body, file.path.endsWith('.py') ? 'text/x-python' : 'application/octet-stream');
  }
  const marker = { digest: bundle.digest, files: bundle.files, uploadedBy: 'flows-deployer' };
  await store.put(`${location.folder}/${COMPLETE_MARKER}`, Buffer.from(JSON.stringify(marker, null, 2)), 'application/json');
  return bundle.files.length + 1;
}
