import { usageError } from '@blog-data/cli-kit';
import { IMAGE_DIGEST, imageReference, imageResultSchema, PlatformConfig, readImageResultFile } from '@blog-data/config';
import { z } from 'zod';

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
    if (!IMAGE_DIGEST.test(options.digest)) throw usageError(`--image-digest "${options.digest}" is not sha256:<64 hex>`, '--image-digest', 'pass the digest image-builder publish printed');
    digest = options.digest;
    source = '--image-digest';
  } else if (options.imageResultFile) {
    const result = readImageResult(options.imageResultFile);
    // What image-builder actually pushed (registry/repository@digest) is the truth to pin.
    const repo = result.reference.slice(0, result.reference.lastIndexOf('@'));
    const expected = options.repositoryUrl;
    const warning =
      expected && repo !== expected
        ? `the image result's repository ${repo} is not infra's ecr_repository_url ${expected}; flow runs will pull from ${repo}`
        : undefined;
    return { reference: result.reference, source: '--image-result', ...(warning ? { warning } : {}) };
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

/** The fields of image-builder's publish result (config's `imageResultSchema`) the deployer reads. */
const imageResultFields = imageResultSchema.pick({ image: true, digest: true, reference: true });

/** What the deployer reads from image-builder's `publish --output` file. */
export type ImageResultInfo = z.output<typeof imageResultFields>;

/**
 * Reads image-builder's publish result through the contract schema (a missing or mistyped field
 * is a usage error naming the file and the field). Refuses the deployer's own image: flow runs
 * need the Prefect image.
 */
export function readImageResult(file: string): ImageResultInfo {
  const result = readImageResultFile(imageResultFields, file);
  if (result.image === 'flows-deployer') {
    throw usageError('the image result is for the flows-deployer image, not the flow-run image', file, 'pass the result of the Prefect image (image-builder publish --image prefect-base)');
  }
  if (!result.reference.endsWith(`@${result.digest}`)) {
    throw usageError(`reference ${result.reference} does not pin digest ${result.digest}`, file, 'pass the file image-builder publish --output wrote, unedited');
  }
  return result;
}
