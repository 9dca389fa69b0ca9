import { RegistryClient, RegistryError, ServedManifest } from '@blog-data/oci-registry';

/** What moving tags did. */
export interface MovedTags {
  /** Tags that now name the manifest. */
  readonly moved: readonly string[];
  /** Tags the registry kept where they were because they are immutable. */
  readonly frozen: readonly string[];
}

/**
 * Points each tag at `manifest` with the registry client's tag copy, one tag at a time. A tag the registry
 * refuses to move because it is immutable stays where it is: the registry decides, as it does for
 * ECR's `IMMUTABLE` repositories and for the tags an exclusion filter makes immutable in a
 * `MUTABLE_WITH_EXCLUSION` or `IMMUTABLE_WITH_EXCLUSION` one, which a setting read
 * beforehand could not tell apart. Any other refusal fails.
 */
export async function moveTags(registry: RegistryClient, repository: string, manifest: ServedManifest, tags: readonly string[]): Promise<MovedTags> {
  const outcomes = await Promise.all(tags.map(async (tag) => {
    try {
      await registry.copyTags(repository, manifest, [tag]);
      return 'moved' as const;
    } catch (err) {
      if (!(err instanceof RegistryError && err.kind === 'tag-immutable')) throw err;
      // Already there (an attempt before a token refresh moved it): ECR may refuse even the same bytes.
      return await registry.headManifest(repository, tag) === manifest.digest ? 'moved' as const : 'frozen' as const;
    }
  }));
  return {
    moved: tags.filter((_, i) => outcomes[i] === 'moved'),
    frozen: tags.filter((_, i) => outcomes[i] === 'frozen'),
  };
}
