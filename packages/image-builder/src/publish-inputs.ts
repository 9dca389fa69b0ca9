import { TARGET_PLATFORM } from './build';
import { BuildContext, readBuildContext } from './context';
import { sourceInfo } from './git';
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

/** The build context and everything derived from it: build args, labels, the content tag. */
export interface PublishInputs {
  readonly context: BuildContext;
  readonly buildArgs: Readonly<Record<string, string>>;
  /** Every label the image carries. */
  readonly labels: Readonly<Record<string, string>>;
  /**
   * The labels sent through the API: the classic builder turns each into one more committed
   * step, so the ones the Dockerfile sets itself (from the same build args) are left to it.
   */
  readonly apiLabels: Readonly<Record<string, string>>;
  /** `src-<hash of context, Dockerfile, platform, build args, labels>`. */
  readonly contentTag: string;
  /** Rolling tag, content tag, extra tags. */
  readonly tags: readonly string[];
}

/** Reads the context (and the Dockerfile, once) and names the build. */
export async function readPublishInputs(options: PublishInputsOptions): Promise<PublishInputs> {
  const context = await readBuildContext(options.contextDir, { dockerfile: options.dockerfile, hashCacheFile: options.hashCacheFile });
  const { buildArgs, labels } = buildMetadata({
    image: options.image,
    rollingTag: options.rollingTag,
    dockerfileText: context.dockerfileText,
    source: await sourceInfo(context.dir, context.files),
    sourceDateEpoch: options.sourceDateEpoch,
    buildArgs: options.buildArgs,
    labels: options.labels,
  });
  // No label carries the content tag: then a change that does not change the image (a comment in
  // the Dockerfile) rebuilds from cache to the same image id, and only a tag moves.
  const content = contentTag(buildInputsHash({
    filesHash: context.filesHash,
    dockerfile: context.dockerfile,
    platform: `${TARGET_PLATFORM.os}/${TARGET_PLATFORM.architecture}`,
    buildArgs,
    labels,
  }));
  return {
    context,
    buildArgs,
    labels,
    apiLabels: withoutKeys(labels, labelsSetIn(context.dockerfileText)),
    contentTag: content,
    tags: publishTags(options.rollingTag, content, options.extraTags),
  };
}
