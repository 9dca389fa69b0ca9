import { readFileSync } from 'node:fs';
import { imageReference, PlatformConfig } from '@blog-data/config';
import { DeployerError } from './errors';

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** The image flow runs use, and why. */
export interface ResolvedImage {
  /** `<registry>/<repo>@sha256:…` or `<registry>/<repo>:<tag>`. */
  readonly reference: string;
  readonly source: '--image-digest' | '--image-result' | 'config digest' | 'config tag';
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
    digest = digestFromImageResult(options.imageResultFile);
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

/**
 * Reads the pushed digest from image-builder's `--json` result. Accepts `digest`,
 * `imageDigest` or a `…@sha256:` reference at the top level or one level down, so the
 * exact shape of that file can evolve without breaking this reader.
 */
export function digestFromImageResult(file: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new DeployerError(`cannot read the image result: ${(err as Error).message}`, file, 'pass the JSON image-builder publish --json wrote');
  }
  const found = findDigest(parsed, 0);
  if (!found) {
    throw new DeployerError('no sha256 digest in the image result', file, 'expected a "digest": "sha256:…" field (image-builder publish --json)');
  }
  return found;
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
