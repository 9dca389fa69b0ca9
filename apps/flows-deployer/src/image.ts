import { readFileSync } from 'node:fs';
import { imageReference, PlatformConfig } from '@blog-data/config';
import { DeployerError } from './errors';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The image flow runs use, and why. */
export interface ResolvedImage {
  /** `<registry>/<repo>@sha256:…` or `<registry>/<repo>:<tag>`. */
  readonly reference: string;
  readonly source: '--image-digest' | '--image-result' | 'config digest' | 'config tag';
  /** Something the user should know (e.g. the result names another registry than infra's). */
  readonly warning?: string;
}

/**
 * Picks the flow-run image: an explicit digest, else the digest image-builder wrote
 * (`--image-result`), else config's digest, else the rolling tag. Pinning by digest makes a
 * deploy reproducible: a later push of the tag does not change running deployments.
 */
export function resolveImage(
  config: PlatformConfig,
  options: { readonly digest?: string; readonly imageResultFile?: string; readonly repositoryUrl?: string },
): ResolvedImage {
  let digest: string | undefined;
  let source: ResolvedImage['source'];
  if (options.digest) {
    if (!DIGEST.test(options.digest)) throw new DeployerError(`--image-digest "${options.digest}" is not sha256:<64 hex>`, '--image-digest');
    digest = options.digest;
    source = '--image-digest';
  } else if (options.imageResultFile) {
    const result = readImageResult(options.imageResultFile);
    if (result.reference) {
      // What image-builder actually pushed (registry/repository@digest) is the truth to pin.
      const repo = result.reference.slice(0, result.reference.lastIndexOf('@'));
      const expected = options.repositoryUrl;
      const warning =
        expected && repo !== expected
          ? `the image result's repository ${repo} is not infra's ecr_repository_url ${expected}; flow runs will pull from ${repo}`
          : undefined;
      return { reference: result.reference, source: '--image-result', warning };
    }
    digest = result.digest;
    source = '--image-result';
  } else if (config.image.digest) {
    digest = config.image.digest;
    source = 'config digest';
  } else {
    source = 'config tag';
  }
  if (options.repositoryUrl) {
    return { reference: digest ? `${options.repositoryUrl}@${digest}` : `${options.repositoryUrl}:${config.image.tag}`, source };
  }
  return { reference: imageReference(config, digest), source };
}

/** What image-builder's `publish --json/--output` file tells us. */
export interface ImageResultInfo {
  readonly digest: string;
  /** `registry/repository@sha256:…` when the result names it. */
  readonly reference?: string;
}

/**
 * Reads image-builder's publish result (`{image, repository, digest, reference, ...}`).
 * Refuses the deployer's own image: flow runs need the Prefect image.
 */
export function readImageResult(file: string): ImageResultInfo {
  const parsed = readJson(file);
  const obj = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (obj.image === 'flows-deployer') {
    throw new DeployerError('the image result is for the flows-deployer image, not the flow-run image', file, 'pass the result of the Prefect image (image-builder publish --image prefect-base)');
  }
  const digest = digestFromImageResult(file, parsed);
  const reference = typeof obj.reference === 'string' && obj.reference.endsWith(`@${digest}`) ? obj.reference : undefined;
  return { digest, reference };
}

/**
 * Reads the pushed digest from image-builder's `--json` result. Accepts `digest`,
 * `imageDigest` or a `…@sha256:` reference at the top level or one level down, so the
 * exact shape of that file can evolve without breaking this reader.
 */
export function digestFromImageResult(file: string, preParsed?: unknown): string {
  const parsed = preParsed ?? readJson(file);
  const found = findDigest(parsed, 0);
  if (!found) {
    throw new DeployerError(
      'no sha256 digest in the image result',
      file,
      'expected a "digest": "sha256:…" field; publish with a push (not --no-push/--dry-run) and pass its --output file',
    );
  }
  return found;
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DeployerError(`cannot read the image result: ${(err as Error).message}`, file, 'pass the file image-builder publish --output wrote');
  }
}

function findDigest(value: unknown, depth: number): string | undefined {
  if (typeof value !== 'object' || value === null || depth > 2) return undefined;
  const obj = value as Record<string, unknown>;
  for (const key of ['digest', 'imageDigest', 'manifestDigest']) {
    const v = obj[key];
    if (typeof v === 'string' && DIGEST.test(v)) return v;
  }
  for (const key of ['reference', 'imageUri', 'image', 'pinned']) {
    const v = obj[key];
    const m = typeof v === 'string' ? /@(sha256:[0-9a-f]{64})$/.exec(v) : null;
    if (m) return m[1];
  }
  for (const v of Object.values(obj)) {
    const nested = findDigest(v, depth + 1);
    if (nested) return nested;
  }
  return undefined;
}
