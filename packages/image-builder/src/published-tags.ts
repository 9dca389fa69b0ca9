import { readCacheFile, writeCacheFile } from './cache-file';

/** File format version; a change makes old files be ignored. */
const VERSION = 1;
/** Content tags remembered per repository, newest first. */
const KEEP = 20;

/**
 * The content tags one build context published to each repository from this machine (a hint, not
 * a truth: the registry decides). A small change whose content tag is among them is most likely a
 * change undone, or a file only touched: publish then looks up the registry before it builds.
 */
export class PublishedTags {
  /** Loads the file; a missing, unreadable or old-format file starts empty. Undefined `file`: remembers nothing. */
  static async open(file: string | undefined): Promise<PublishedTags> {
    const tags = new PublishedTags(file);
    // Nothing published from here yet, or a broken file: build as usual.
    const repositories = file ? await readCacheFile<Record<string, unknown>>(file, VERSION) : undefined;
    for (const [repository, list] of Object.entries(repositories ?? {})) {
      if (Array.isArray(list)) tags.byRepository.set(repository, list.filter((t): t is string => typeof t === 'string'));
    }
    return tags;
  }

  private readonly byRepository = new Map<string, string[]>();

  private constructor(private readonly file: string | undefined) {}

  /** Whether there is a file to remember in (without one, nothing is ever known). */
  get enabled(): boolean {
    return this.file !== undefined;
  }

  has(repository: string, contentTag: string): boolean {
    return this.byRepository.get(repository)?.includes(contentTag) ?? false;
  }

  /**
   * Whether this context published the content tag to any repository: when not, it did not
   * publish it to the one at hand either, which can be told without knowing which one that is.
   */
  publishedAnywhere(contentTag: string): boolean {
    return [...this.byRepository.values()].some((tags) => tags.includes(contentTag));
  }

  /** Records a content tag the registry holds now. */
  async remember(repository: string, contentTag: string): Promise<void> {
    if (!this.file) return;
    const list = [contentTag, ...(this.byRepository.get(repository) ?? []).filter((t) => t !== contentTag)].slice(0, KEEP);
    this.byRepository.set(repository, list);
    await writeCacheFile(this.file, VERSION, Object.fromEntries(this.byRepository));
  }
}
