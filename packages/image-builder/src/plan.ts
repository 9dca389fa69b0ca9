import { namesBuiltImage } from './image-id';
import type { VerifiedImage } from './verify';

/** What the user asked for: a real publish, a look at the registry only, or a local build only. */
export type PublishMode = 'publish' | 'dry-run' | 'no-push';

/** The inputs of a decision that do not come from the registry. */
export interface PlanContext {
  readonly mode: PublishMode;
  /** `--force`: build and push even when the registry holds the content tag. */
  readonly force: boolean;
  /** The immutable tag (`src-…`) of these build inputs. */
  readonly contentTag: string;
  /**
   * Every tag the image should have, the content tag included. Whether an existing tag may move
   * (ECR immutable tags) is not known here: the registry says so when asked to move it.
   */
  readonly tags: readonly string[];
}

/** Where one tag points in the registry (its linux/amd64 image when it names an index). */
export interface TagState {
  /** Digest of the manifest the tag names. */
  readonly digest: string;
  /** Config digest (the local image id on the classic image store) of the linux/amd64 image it resolves to, when there is one. */
  readonly configDigest?: string;
  /**
   * Digest of that linux/amd64 image manifest: `digest` itself, or the entry's when the tag names an
   * index (the local image id of that image on the containerd image store).
   */
  readonly imageDigest?: string;
}

/** What the registry holds, read once before deciding. */
export interface RegistryState {
  /** Each wanted tag → where it points; absent when the tag does not exist. */
  readonly tags: Readonly<Record<string, TagState | undefined>>;
  /** The image under the content tag, read back and verified linux/amd64; absent when the tag does not exist. */
  readonly content?: VerifiedImage;
}

/** The decision: nothing to do, move tags only, or build (and push). */
export type PublishPlan =
  /** `--no-push`: build, check the platform, tag locally; the registry is not contacted. */
  | { readonly kind: 'build-local' }
  /** The registry holds this build under every tag. */
  | { readonly kind: 'noop'; readonly image: VerifiedImage }
  /** The registry holds this build under the content tag; `move` lists the tags to point at it. */
  | { readonly kind: 'retag'; readonly image: VerifiedImage; readonly move: readonly string[]; readonly dryRun: boolean }
  /** Build, then push unless the registry already holds the built image (see {@link planUpload}). */
  | { readonly kind: 'build-push'; readonly reason: 'new-content' | 'forced'; readonly dryRun: boolean };

/**
 * Decides what a publish does from its inputs and what the registry holds.
 * Pure: the executor reads the registry, calls this, then does what it says.
 */
export function planPublish(context: PlanContext, registry: RegistryState | undefined): PublishPlan {
  if (context.mode === 'no-push') return { kind: 'build-local' };
  if (!registry) throw new Error('planPublish needs the registry state unless the mode is no-push');
  const dryRun = context.mode === 'dry-run';
  if (context.force) return { kind: 'build-push', reason: 'forced', dryRun };
  if (!registry.content) return { kind: 'build-push', reason: 'new-content', dryRun };
  const move = tagsToMove(context, registry, registry.content);
  if (move.length === 0) return { kind: 'noop', image: registry.content };
  return { kind: 'retag', image: registry.content, move, dryRun };
}

/** After a build: push it, or reuse the manifest a tag already has for the same image id (a rebuild from cache). */
export type UploadPlan =
  | { readonly kind: 'push' }
  | { readonly kind: 'reuse'; readonly tag: string; readonly digest: string };

/**
 * A change that does not change the image (a comment in the Dockerfile) gives
 * a new content tag but the same image id: the registry has it, nothing is uploaded.
 * The id is the config digest, or on the containerd image store the manifest's (see {@link namesBuiltImage}).
 */
export function planUpload(context: PlanContext, registry: RegistryState, builtImageId: string): UploadPlan {
  if (context.force) return { kind: 'push' };
  for (const tag of context.tags) {
    const state = registry.tags[tag];
    if (state && namesBuiltImage(builtImageId, state.configDigest, state.digest, ...(state.imageDigest ? [state.imageDigest] : []))) {
      return { kind: 'reuse', tag, digest: state.digest };
    }
  }
  return { kind: 'push' };
}

/**
 * The tags that do not name `image` yet (its manifest as tagged: the index, when it came in one),
 * in the order given.
 */
export function tagsToMove(
  context: Pick<PlanContext, 'tags'>, registry: RegistryState, image: Pick<VerifiedImage, 'manifest'>, alreadyThere: readonly string[] = [],
): string[] {
  return context.tags.filter((tag) => !alreadyThere.includes(tag) && registry.tags[tag]?.digest !== image.manifest.digest);
}

/** One sentence per plan, for `--dry-run` and the notes of a result. */
export function describePlan(plan: PublishPlan, where: { repository: string; contentTag: string; tags: readonly string[] }): string {
  switch (plan.kind) {
    case 'build-local':
      return `build ${where.tags.join(', ')} locally (--no-push)`;
    case 'noop':
      return `no-op: ${where.repository} already holds this build (${where.contentTag} = ${plan.image.manifest.digest}); nothing built or pushed`;
    case 'retag':
      return plan.dryRun
        ? `dry run: would point ${plan.move.join(', ')} at ${plan.image.manifest.digest} (already in the registry as ${where.contentTag}; `
          + 'a repository with immutable tags keeps an existing tag where it is)'
        : `retagged: ${plan.move.join(', ')} → ${plan.image.manifest.digest} (the image was already in the registry as ${where.contentTag}; nothing built or uploaded)`;
    case 'build-push': {
      const why = plan.reason === 'forced' ? '--force' : `${where.repository} has no ${where.contentTag}`;
      return plan.dryRun
        ? `dry run: ${why}; a publish would build and push ${where.tags.join(', ')}`
        : `${why}: build and push ${where.tags.join(', ')}`;
    }
  }
}
