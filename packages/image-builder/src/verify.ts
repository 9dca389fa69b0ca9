import { UserError } from '@blog-data/cli-kit';
import type { RegistryClient, ResolvedPlatform, ServedManifest } from '@blog-data/oci-registry';
import { TARGET_PLATFORM } from './build';
import type { LocalImageInfo } from './engine';
import { namesBuiltImage } from './image-id';

/** What the registry serves for a pushed image, as verified. */
export interface VerifiedImage {
  /** Digest of the linux/amd64 image manifest: what tasks run, and what publish reports and infra pins. */
  readonly digest: string;
  readonly mediaType: string;
  readonly configDigest: string;
  readonly os: string;
  readonly architecture: string;
  readonly labels: Readonly<Record<string, string>>;
  /**
   * What the verified reference names, as served: the image manifest, or the index holding it (an
   * engine with the containerd image store pushes one). Tags name this, so they are compared with
   * its digest and pointed at exactly these bytes.
   */
  readonly manifest: ServedManifest;
}

const PLATFORM = `${TARGET_PLATFORM.os}/${TARGET_PLATFORM.architecture}`;

/**
 * Refuses a local image that is not linux/amd64, before anything is tagged or
 * pushed. The classic builder ignores the requested platform when the base
 * image is already present locally, so an arm64 base silently gives an arm64
 * image that fails on Fargate with `exec format error`.
 */
export function assertLocalPlatform(image: LocalImageInfo, where: string): void {
  if (image.os === TARGET_PLATFORM.os && image.architecture === TARGET_PLATFORM.architecture) return;
  throw new UserError(`built image is ${image.os}/${image.architecture}, not ${PLATFORM}`, where,
    `Fargate runs ${PLATFORM}: make the base image amd64 (pin its amd64 digest, or \`docker pull --platform ${PLATFORM}\` it) and publish again; nothing was pushed`, { kind: 'wrong-platform' });
}

/**
 * Reads the pushed image back over the registry API and checks it is the image
 * that was built (the engine's id for it, when given: see {@link namesBuiltImage}) and
 * that its config says linux/amd64. An index is followed to its linux/amd64 entry.
 */
export async function verifyRemoteImage(
  registry: RegistryClient, repository: string, reference: string, builtImageId?: string,
): Promise<VerifiedImage> {
  const where = `${registry.baseUrl}/v2/${repository}/manifests/${reference}`;
  // On the classic image store the id is the config digest, which is then read with the manifest.
  const resolved = await registry.resolvePlatform(repository, reference, TARGET_PLATFORM, { configDigest: builtImageId });
  return judgeRemoteImage(resolved, where, builtImageId);
}

/** The checks of {@link verifyRemoteImage} on what the registry returned (pure, for tests). */
export function judgeRemoteImage(resolved: ResolvedPlatform | undefined, where: string, builtImageId?: string): VerifiedImage {
  if (!resolved) {
    throw new UserError('pushed image not found in the registry', where,
      'the push reported success but the registry has no manifest; check that --registry is the registry the engine pushed to', { kind: 'verify-failed' });
  }
  const { image, config, index, manifest } = resolved;
  if (!image || !config) {
    const platforms = (index?.manifests ?? []).map((m) => `${m.platform?.os}/${m.platform?.architecture}`).join(', ');
    throw new UserError(`registry index has no ${PLATFORM} image (has ${platforms || 'none'})`, where,
      'publish a linux/amd64 image', { kind: 'verify-failed' });
  }
  if (builtImageId && !namesBuiltImage(builtImageId, image.configDigest, image.digest, manifest.digest)) {
    throw new UserError(`registry holds a different image (config ${image.configDigest}, manifest ${image.digest}; built ${builtImageId})`, where,
      'another publish raced this one; run it again', { kind: 'verify-failed' });
  }
  if (config.os !== TARGET_PLATFORM.os || config.architecture !== TARGET_PLATFORM.architecture) {
    throw new UserError(`registry image is ${config.os}/${config.architecture}, not ${PLATFORM}`, where,
      `Fargate cannot run it: rebuild from a ${PLATFORM} base and publish again`, { kind: 'verify-failed' });
  }
  return {
    digest: image.digest,
    mediaType: image.mediaType,
    configDigest: image.configDigest,
    os: config.os,
    architecture: config.architecture,
    labels: config.config?.Labels ?? {},
    manifest,
  };
}
