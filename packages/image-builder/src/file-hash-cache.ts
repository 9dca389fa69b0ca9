import { createHash } from 'node:crypto';
import { BigIntStats, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readCacheFile, writeCacheFile } from './cache-file';
import { mapLimit } from './map-limit';

/** Cache format version; a change makes old caches be ignored (2: the cache-file envelope). */
const VERSION = 2;
/**
 * A file changed within this window of being hashed is not cached: its
 * timestamps could still equal those of a later edit (git's "racy clean" problem).
 */
const RACY_WINDOW_NS = 2_000_000_000n;

/**
 * What a file looked like when its content was read (size, inode, mtime and ctime in ns), and that
 * content as the context hash takes it: a file's sha256 (hex), or `link:<target>` for a symlink.
 */
type Entry = [size: string, ino: string, mtimeNs: string, ctimeNs: string, content: string];

/** Files stat-ed at once by the listing: a context can have thousands, each stat a thread-pool round trip. */
const STAT_CONCURRENCY = 32;

/**
 * Content hashes of the files of one directory, remembered by their stat
 * (as git's index does), so that a large unchanged build context is not read
 * again on every publish. ctime cannot be set by users (unlike mtime), so a
 * rewrite that keeps size and mtime still misses the cache.
 */
export class FileHashCache {
  /** Loads the cache file; a missing, unreadable or old-format file starts empty. Undefined `file`: no cache. */
  static async open(file: string | undefined): Promise<FileHashCache> {
    const cache = new FileHashCache(file);
    // No cache yet, or a broken one: hash everything.
    const entries = file ? await readCacheFile<Record<string, Entry>>(file, VERSION) : undefined;
    for (const [rel, entry] of Object.entries(entries ?? {})) cache.entries.set(rel, entry);
    return cache;
  }

  private readonly entries = new Map<string, Entry>();
  /** Each file's stat when {@link unknownBytes} listed it: taken before any read of the file. */
  private readonly listed = new Map<string, BigIntStats>();
  private changed = false;

  private constructor(private readonly file: string | undefined) {}

  /**
   * Bytes of the files whose stat matches no remembered entry: what hashing them reads (a link
   * counts its target path). Each file is `lstat`-ed here, once: hashing and the cache use that
   * stat, taken before any read of the file, so a file changed after it is read again next time.
   */
  async unknownBytes(root: string, files: readonly string[]): Promise<number> {
    const stats = await mapLimit(files, STAT_CONCURRENCY, (rel) => fs.lstat(path.join(root, rel), { bigint: true }).catch(() => undefined));
    let bytes = 0;
    files.forEach((rel, i) => {
      const st = stats[i];
      if (!st) return;
      this.listed.set(rel, st);
      if (!this.lookup(rel, st)) bytes += Number(st.size);
    });
    return bytes;
  }

  /** The stat {@link unknownBytes} took of `rel`, else a fresh `lstat` (a link is not followed). */
  async stat(rel: string, abs: string): Promise<BigIntStats> {
    return this.listed.get(rel) ?? fs.lstat(abs, { bigint: true });
  }

  /** `rel`'s content as the hash takes it (see {@link Entry}), from the cache when `st` is the remembered stat. */
  async content(rel: string, abs: string, st: BigIntStats): Promise<string> {
    const cached = this.lookup(rel, st);
    if (cached) return cached;
    const content = st.isSymbolicLink() ? `link:${await fs.readlink(abs)}` : await sha256OfFile(abs);
    this.remember(rel, st, content);
    return content;
  }

  /** The remembered content of `rel` when `st` is the stat it was remembered with. */
  private lookup(rel: string, st: BigIntStats): string | undefined {
    const cached = this.entries.get(rel);
    return cached && sameStat(cached, statKey(st)) ? cached[4] : undefined;
  }

  /**
   * Records a hash computed elsewhere (the Dockerfile, read with the listing) under the stat
   * {@link unknownBytes} took before that read: a file changed after it then no longer matches,
   * and is read again next time.
   */
  rememberListed(rel: string, sha: string): void {
    const st = this.listed.get(rel);
    // A linked Dockerfile is hashed as a link (its target path), not as the bytes read through it.
    if (st?.isFile()) this.remember(rel, st, sha);
  }

  private remember(rel: string, st: BigIntStats, content: string): void {
    const now = BigInt(Date.now()) * 1_000_000n;
    if (this.file && now - st.ctimeNs > RACY_WINDOW_NS && now - st.mtimeNs > RACY_WINDOW_NS) {
      const key = statKey(st);
      key[4] = content;
      this.entries.set(rel, key);
      this.changed = true;
    }
  }

  /** Writes the cache (only the files seen this time), atomically; failures only cost speed next time. */
  async save(seen: readonly string[]): Promise<void> {
    if (!this.file) return;
    const keep = new Set(seen);
    for (const rel of [...this.entries.keys()]) {
      if (!keep.has(rel)) {
        this.entries.delete(rel);
        this.changed = true;
      }
    }
    if (this.changed) await writeCacheFile(this.file, VERSION, Object.fromEntries(this.entries));
  }
}

/** Bytes per read when hashing a file. */
const HASH_READ_BYTES = 1024 * 1024;
/** Read buffers no hash is using: each is used again by the next file (at most one per file hashed at once). */
const idleReadBuffers: Buffer[] = [];

/**
 * sha256 (hex) of a file's content, read in chunks into a buffer used again for every chunk and
 * file. Fresh memory for each read (as `readFile` or a read stream allocate) made hashing here
 * ~3× slower than hashing memory already touched: 415 MB took ~1 s of CPU, ~0.3 s with reuse
 * (the benchmark's large fixture, measured).
 */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await fs.open(file, 'r');
  const buffer = idleReadBuffers.pop() ?? Buffer.allocUnsafeSlow(HASH_READ_BYTES);
  try {
    for (let read = 1; read > 0;) {
      ({ bytesRead: read } = await handle.read(buffer, 0, buffer.length, null));
      hash.update(buffer.subarray(0, read));
    }
  } finally {
    idleReadBuffers.push(buffer);
    await handle.close();
  }
  return hash.digest('hex');
}

function statKey(st: { size: bigint; ino: bigint; mtimeNs: bigint; ctimeNs: bigint }): Entry {
  return [String(st.size), String(st.ino), String(st.mtimeNs), String(st.ctimeNs), ''];
}

function sameStat(a: Entry, b: Entry): boolean {
  return a.slice(0, 4).every((v, i) => v === b[i]);
}
