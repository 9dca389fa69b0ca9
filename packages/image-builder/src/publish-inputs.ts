import * as path from 'node:path';
import { TARGET_PLATFORM } from './build';
import { listBuildContext, ListedBuildContext } from './context';
import { SourceInfo, sourceInfo } from './git';
import { buildMetadata, labelsSetIn, withoutKeys } from './metadata';
import { buildInputsHash, contentTag, publishTags } from './tags';

/** What {@link readPublishInputs} reads; every input explicit. */
export interface PublishInputsOptions {
  readonly image: string;
  readonly contextDir: string;
  readonly dockerfile?: string;
  readonly rollingTag: string;
  readonly extraTags?: readonly string[];
  readonly buildArgs?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
  /** `SOURCE_DATE_EPOCH`, when set. */
  readonly sourceDateEpoch?: string;
  /** See {@link ReadBuildContextOptions.hashCacheFile}. */
  readonly hashCacheFile?: string;
}

/** What a build needs: the listed context, build args and labels (the content is not hashed yet). */
export interface PreparedBuild {
  readonly context: ListedBuildContext;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Every label the image carries. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * The labels sent through the API: the classic builder turns each into one more committed
   * step, so the ones the Dockerfile sets itself (from the same build args) are left to it.
   */
  readonly apiLabels: Readonly<Record<string, string>>;
}

/** The build context and everything derived from it: build args, labels, the content tag. */
export interface PublishInputs extends PreparedBuild {
  /** `src-<hash of context, Dockerfile, platform, build args, labels>`. */
  readonly contentTag: string;
  /** Rolling tag, content tag, extra tags. */
  readonly tags: readonly string[];
}

/** The context listed (the Dockerfile read, once) and what git says about it: no config needed. */
export interface ContextRead {
  readonly context: ListedBuildContext;
  readonly source: SourceInfo;
}

/** A context being read: its listing (soon), and the listing with git's answers (later). */
export interface ContextReading {
  readonly listed: Promise<ListedBuildContext>;
  readonly read: Promise<ContextRead>;
}

/**
 * Lists the context and asks git about it (git's questions need the list of sent files).
 * The CLI starts this first, so the file reads and git processes run while it loads the rest.
 */
export function readContext(options: Pick<PublishInputsOptions, 'contextDir' | 'dockerfile' | 'hashCacheFile'>): ContextReading {
  const listing = listBuildContext(options.contextDir, { dockerfile: options.dockerfile, hashCacheFile: options.hashCacheFile });
  const files = listing.then((c) => c.files);
  const source = sourceInfo(path.resolve(options.contextDir), files);
  // A failed listing (no Dockerfile) is the one error reported, through `listing`.
  files.catch(() => undefined);
  source.catch(() => undefined);
  return { listed: listing, read: Promise.all([listing, source]).then(([context, facts]) => ({ context, source: facts })) };
}

/** The read context plus build args and labels: enough to start a build. */
export async function prepareBuild(options: PublishInputsOptions, read: Promise<ContextRead> = readContext(options).read): Promise<PreparedBuild> {
  const { context, source } = await read;
  const { buildArgs, labels } = buildMetadata({
    image: options.image,
    rollingTag: options.rollingTag,
    dockerfileText: context.dockerfileText,
    source,
    sourceDateEpoch: options.sourceDateEpoch,
    buildArgs: options.buildArgs,
    labels: options.labels,
  });
  return { context, buildArgs, labels, apiLabels: withoutKeys(labels, labelsSetIn(context.dockerfileText)) };
}

/** Hashes the prepared context into the content tag and lists the tags. */
export async function nameBuild(prepared: PreparedBuild, options: Pick<PublishInputsOptions, 'rollingTag' | 'extraTags'>): Promise<PublishInputs> {
  // No label carries the content tag: then a change that does not change the image (a comment in
  // the Dockerfile) rebuilds from cache to the same image id, and only a tag moves.
  const content = contentTag(buildInputsHash({
    filesHash: await prepared.context.hash(),
    dockerfile: prepared.context.dockerfile,
    platform: `${TARGET_PLATFORM.os}/${TARGET_PLATFORM.architecture}`,
    buildArgs: prepared.buildArgs,
    labels: prepared.labels,
  }));
  return { ...prepared, contentTag: content, tags: publishTags(options.rollingTag, content, options.extraTags) };
}
