import { usageError } from '@blog-data/cli-kit';
import { flattenTerraformOutputs, IMAGE_DIGEST, imageReference, imageResultSchema, PlatformConfig, readImageResultFile } from '@blog-data/config';

/** What infra reads of an image result: which image, and the digest the registry verified. */
const pinnedFields = imageResultSchema.pick({ image: true, digest: true });

/** Stands in for a missing digest in stacks that are only read or destroyed, never applied. */
export const NEVER_APPLIED_DIGEST = `sha256:${'0'.repeat(64)}`;

/** Image name (folder under docker/) of the one-off deployer task; every other result is the Prefect image. */
export const DEPLOYER_IMAGE = 'flows-deployer';

/**
 * Reads image-builder's publish results (`publish --output FILE`) and returns the settings with the
 * digests the registry verified: the deployer image's into `image.deployerDigest`, the Prefect
 * image's into `image.digest`. Task definitions are then pinned to exactly what was pushed.
 */
export function withPublishedDigests(config: PlatformConfig, files: readonly string[]): PlatformConfig {
  const digests: { digest?: string; deployerDigest?: string } = {};
  for (const file of files) {
    const { image, digest } = readImageResultFile(pinnedFields, file);
    const slot = image === DEPLOYER_IMAGE ? 'deployerDigest' : 'digest';
    if (digests[slot]) {
      throw usageError(`a second result for the ${image === DEPLOYER_IMAGE ? 'deployer' : 'Prefect'} image`, `--image-result ${file}`, 'pass one result per image');
    }
    digests[slot] = digest;
  }
  return { ...config, image: { ...config.image, ...digests } };
}

/**
 * The images task definitions run, as `repository@sha256:…`, never a tag: a tag can be re-pointed
 * (and ECR's are immutable here, so there is no rolling tag to follow). Throws, naming the setting
 * and the fix, when a digest is missing.
 */
export function pinnedImages(
  config: PlatformConfig, options: { readonly forApply?: boolean } = {},
): { readonly prefect: string; readonly deployer: string } {
  const pin = (digest: string | undefined, setting: 'digest' | 'deployerDigest', image: string, variable: string) => {
    // `output` reads state and `destroy` removes: their task definitions are never registered.
    if (!digest && options.forApply === false) return imageReference(config, NEVER_APPLIED_DIGEST);
    if (!digest) {
      throw usageError(
        `${config.env}.image.${setting}: task definitions run images by digest only`,
        undefined,
        `pass --image-result with the result of \`image-builder publish --image ${image} --output FILE\`, or set ${variable}=sha256:…`,
      );
    }
    return imageReference(config, digest);
  };
  return {
    prefect: pin(config.image.digest, 'digest', 'prefect-base', 'PLATFORM_IMAGE__DIGEST'),
    deployer: pin(config.image.deployerDigest, 'deployerDigest', DEPLOYER_IMAGE, 'PLATFORM_IMAGE__DEPLOYER_DIGEST'),
  };
}

/**
 * Fills the digests still missing from what the environment runs now: the platform stack's
 * `prefect_image` / `deployer_image` outputs (`repository@sha256:…`). A deploy without a new image
 * thus keeps the images in place instead of needing one; before the first apply there is nothing to
 * keep and {@link pinnedImages} asks for a publish result.
 */
export function withRunningDigests(config: PlatformConfig, outputs: unknown): PlatformConfig {
  if (outputs === undefined) return config;
  const flat = flattenTerraformOutputs(outputs);
  const digestOf = (name: string) => {
    const value = flat[name];
    const digest = typeof value === 'string' ? value.slice(value.lastIndexOf('@') + 1) : undefined;
    return digest && IMAGE_DIGEST.test(digest) && digest !== NEVER_APPLIED_DIGEST ? digest : undefined;
  };
  return {
    ...config,
    image: {
      ...config.image,
      digest: config.image.digest ?? digestOf('prefect_image'),
      deployerDigest: config.image.deployerDigest ?? digestOf('deployer_image'),
    },
  };
}
