import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DeployerError, messageOf } from './errors';

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

const IGNORED = [/(^|\/)__pycache__(\/|$)/, /\.py[cod]$/, /(^|\/)\.DS_Store$/, /(^|\/)\.(pytest_cache|mypy_cache|ruff_cache|venv|git)(\/|$)/];

/** Collects the directories (or files) the entrypoints live in, relative to `root`. */
export function collectFlowCode(root: string, entrypoints: readonly string[]): FlowCodeBundle {
  const tops = [...new Set(entrypoints.map((e) => e.slice(0, e.lastIndexOf(':')).split('/')[0]))].sort();
  const files: FlowCodeFile[] = [];
  const visit = (rel: string): void => {
    if (IGNORED.some((re) => re.test(rel))) return;
    const abs = path.join(root, rel);
    const stat = statSync(abs);
    if (stat.isDirectory()) {
      for (const name of readdirSync(abs).sort()) visit(`${rel}/${name}`);
    } else if (stat.isFile()) {
      const body = readFileSync(abs);
      files.push({ path: rel, sha256: createHash('sha256').update(body).digest('hex'), size: body.length });
    }
  };
  for (const top of tops) visit(top);
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const digest = createHash('sha256')
    .update(files.map((f) => `${f.path}\0${f.sha256}\n`).join(''))
    .digest('hex');
  return { root, files, digest };
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
      throw new DeployerError(
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
      throw new DeployerError(
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
      throw new DeployerError(`${file.path} changed while deploying`, bundle.root, 'rerun the deploy');
    }
    await store.put(`${location.folder}/${file.path}`, body, file.path.endsWith('.py') ? 'text/x-python' : 'application/octet-stream');
  }
  const marker = { digest: bundle.digest, files: bundle.files, uploadedBy: 'flows-deployer' };
  await store.put(`${location.folder}/${COMPLETE_MARKER}`, Buffer.from(JSON.stringify(marker, null, 2)), 'application/json');
  return bundle.files.length + 1;
}
