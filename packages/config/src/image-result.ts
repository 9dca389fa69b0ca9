import { z } from 'zod';

/** `sha256:<64 hex>`: an image manifest digest. */
export const IMAGE_DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * The contract of image-builder's publish result (`publish --output FILE` / `--json`): which image,
 * where it lives and the digest the registry verified. infra pins task definitions to `digest`,
 * the flows-deployer the flow-run image. Fields beyond these pass through untouched.
 */
export const imageResultSchema = z.looseObject({
  /** Image name: the folder under docker/ (`prefect-base`, `flows-deployer`, …). */
  image: z.string().min(1),
  /** `host/repository`. */
  repository: z.string().min(1),
  /** Manifest digest in the registry; absent for --no-push / --dry-run of a new build. */
  digest: z.string().regex(IMAGE_DIGEST, 'must be sha256:<64 hex>').optional(),
  /** `host/repository@digest`. */
  reference: z.string().optional(),
});

/** A parsed publish result. */
export type ImageResult = z.output<typeof imageResultSchema>;
