import { RegistryClient, RegistryError } from '@blog-data/oci-registry';
import { TARGET_PLATFORM } from './build';
import type { RegistryState, TagState } from './plan';
import { judgeRemoteImage } from './verify';

/** How to read a repository the registry says it does not know (`NAME_UNKNOWN`). */
export interface ReadRegistryStateOptions {
  /**
   * True for a registry that creates a repository on its first push (GHCR, docker-registry, …):
   * an unknown one is empty. False for ECR, where infra creates it: the error stands. Default false.
   */
  readonly createdOnPush?: boolean;
}

/**
 * Reads what {@link planPublish} needs, every request at once: where each tag
 * points, and the content tag's image verified linux/amd64 from its config blob.
 * An index without a linux/amd64 entry under the content tag counts as absent
 * (a publish replaces it).
 */
export async function readRegistryState(
  registry: RegistryClient, repository: string, contentTag: string, tags: readonly string[], options: ReadRegistryStateOptions = {},
): Promise<RegistryState> {
  try {
    return await readTags(registry, repository, contentTag, tags);
  } catch (err) {
    if (!(options.createdOnPush && err instanceof RegistryError && err.kind === 'repository-unknown')) throw err;
    return { tags: Object.fromEntries(tags.map((tag) => [tag, undefined])) };
  }
}

async function readTags(registry: RegistryClient, repository: string, contentTag: string, tags: readonly string[]): Promise<RegistryState> {
  const [content, ...states] = await Promise.all([
    registry.resolvePlatform(repository, contentTag, TARGET_PLATFORM),
    ...tags.map((tag) => tag === contentTag ? Promise.resolve(undefined) : readTag(registry, repository, tag)),
  ]);
  const where = `${registry.baseUrl}/v2/${repository}/manifests/${contentTag}`;
  const verified = content?.image ? judgeRemoteImage(content, where) : undefined;
  const byTag: Record<string, TagState | undefined> = {};
  tags.forEach((tag, i) => {
    byTag[tag] = tag === contentTag
      ? content && { digest: content.manifest.digest, configDigest: content.image?.configDigest, imageDigest: content.image?.digest }
      : states[i];
  });
  return { tags: byTag, content: verified };
}

async function readTag(registry: RegistryClient, repository: string, tag: string): Promise<TagState | undefined> {
  const manifest = await registry.getManifest(repository, tag);
  if (!manifest) return undefined;
  if (manifest.kind === 'image') return { digest: manifest.digest, configDigest: manifest.configDigest, imageDigest: manifest.digest };
  const image = await registry.getImageManifest(repository, manifest.digest, TARGET_PLATFORM);
  return { digest: manifest.digest, configDigest: image?.configDigest, imageDigest: image?.digest };
}
