import { createHash } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import dockerignore from '@balena/dockerignore';
import { UserError } from '@blog-data/cli-kit';
import { FileHashCache } from './file-hash-cache';
import { mapLimit } from './map-limit';

/** A build context listed (what is sent is known) but not hashed yet. */
export interface ListedBuildContext extends Omit<BuildContext, 'filesHash'> {
  /** Bytes the hash must read: files whose stat the hash cache does not know (all of them without a cache). */
  readonly unhashedBytes: number;
  /** sha256 (hex) over every sent path, its mode and its content; reads only what the cache does not know. */
  hash(): Promise<string>;
}

/** A build context ready to send to the engine. */
export interface BuildContext {
  /** Absolute directory the context was read from. */
  readonly dir: string;
  /** Dockerfile path relative to `dir` (POSIX separators). */
  readonly dockerfile: string;
  /** The Dockerfile's text (read once, here). */
  readonly dockerfileText: string;
  /** The ignore file used (`.dockerignore` or `<Dockerfile>.dockerignore`), if any. */
  readonly ignoreFile?: string;
  /** Files and symlinks sent to the engine, relative POSIX paths, sorted. */
  readonly files: readonly string[];
  /** sha256 (hex) over every sent path, its mode and its content (or link target). */
  readonly filesHash: string;
  /** Returns a fresh tar stream of exactly `files` (each call packs again). */
  pack(): Readable;
}

/** Options for {@link readBuildContext}. */
export interface ReadBuildContextOptions {
  /** Dockerfile relative to the context directory; default `Dockerfile`. */
  readonly dockerfile?: string;
  /**
   * A file remembering content hashes by file stat (like git's index), so an
   * unchanged large context is not read again. Default: none, every file is read.
   */
  readonly hashCacheFile?: string;
}

// Every entry gets the same timestamp and owner, so packing the same files twice
// gives the same tar and the classic builder's COPY cache keys stay stable.
const FIXED_MTIME = new Date(0);

/**
 * Reads a build context directory the way `docker build` does: `.dockerignore`
 * rules (Go filepath.Match syntax with `**` and `!` exceptions, via
 * @balena/dockerignore) decide what is sent; the Dockerfile and `.dockerignore`
 * are always sent, as the Docker CLI does, even when a rule matches them.
 */
export async function readBuildContext(dir: string, options: ReadBuildContextOptions = {}): Promise<BuildContext> {
  const listed = await listBuildContext(dir, options);
  const { unhashedBytes: _unhashedBytes, hash, ...context } = listed;
  return { ...context, filesHash: await hash() };
}

/** {@link readBuildContext} in two steps: what is sent now, its hash when asked. */
export async function listBuildContext(dir: string, options: ReadBuildContextOptions = {}): Promise<ListedBuildContext> {
  const root = path.resolve(dir);
  const dockerfile = toPosix(options.dockerfile ?? 'Dockerfile');
  const dockerfilePath = path.join(root, dockerfile);
  const stat = await fs.stat(dockerfilePath).catch(() => undefined);
  if (!stat?.isFile()) {
    throw new UserError('Dockerfile missing', dockerfilePath,
      'create it, or pass --image with the name of a directory under docker/ that has one', { kind: 'dockerfile-missing' });
  }

  // BuildKit's rule, applied here for the classic builder too: `<Dockerfile>.dockerignore` next
  // to the Dockerfile replaces the context's `.dockerignore` (lets one context serve several images).
  const ignoreName = await pickIgnoreFile(root, dockerfile);
  const patterns = ignoreName ? parseDockerignore(await fs.readFile(path.join(root, ignoreName), 'utf8')) : [];
  const ignore = dockerignore({ ignorecase: false });
  ignore.add(patterns);
  const alwaysSent = new Set([dockerfile, ...(ignoreName ? [ignoreName] : [])]);
  const exceptionPrefixes = patterns.filter((p) => p.startsWith('!')).map((p) => literalPrefix(p.slice(1)));

  const skipDir = (sub: string) => ignore.ignores(sub)
    && !exceptionPrefixes.some((prefix) => mayHoldMatches(sub, prefix))
    && ![...alwaysSent].some((file) => file.startsWith(`${sub}/`));
  const all = await walk(root, '', skipDir);
  const files = all.filter((rel) => alwaysSent.has(rel) || !ignore.ignores(rel)).sort();
  const cache = await FileHashCache.open(options.hashCacheFile);
  const unhashedBytes = await cache.unknownBytes(root, files);
  const dockerfileBytes = await fs.readFile(dockerfilePath);
  const dockerfileText = dockerfileBytes.toString('utf8');
  const hash = async () => {
    // The Dockerfile's bytes are already in hand: it is read once per publish.
    const dockerfileSha = createHash('sha256').update(dockerfileBytes).digest('hex');
    // Remembered too: a changed Dockerfile counts as a change (see unhashedBytes).
    cache.rememberListed(dockerfile, dockerfileSha);
    const filesHash = await hashFiles(root, files, cache, new Map([[dockerfile, dockerfileSha]]));
    await cache.save(files);
    return filesHash;
  };

  return {
    dir: root,
    dockerfile,
    dockerfileText,
    ignoreFile: ignoreName,
    files,
    unhashedBytes,
    hash,
    // tar-fs is loaded only when something is built: a no-op publish never packs.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    pack: () => (require('tar-fs') as typeof import('tar-fs')).pack(root, {
      entries: files.map((f) => f.split('/').join(path.sep)),
      // tar-fs takes an `fs` to read with; its type definitions do not list the option.
      ...{ fs: LARGE_READS_FS },
      map: (header) => ({
        ...header,
        mode: normalisedMode(header.mode ?? 0o644),
        mtime: FIXED_MTIME,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
      }),
    }),
  };
}

/** Bytes per read when packing: fs streams read 64 KiB at a time, and per read (not per byte) cost most of the pack. */
const PACK_READ_BYTES = 1024 * 1024;

/**
 * `node:fs` whose read streams read {@link PACK_READ_BYTES} at a time: packing a 400 MB context
 * takes a third of the CPU time it takes with 64 KiB reads (measured on the benchmark's fixture),
 * which the engine, building at the same time on the same cores, gets instead.
 */
const LARGE_READS_FS: typeof nodeFs = {
  ...nodeFs,
  createReadStream: ((file: nodeFs.PathLike, options?: Parameters<typeof nodeFs.createReadStream>[1]) =>
    nodeFs.createReadStream(file, { ...(typeof options === 'object' ? options : { encoding: options }), highWaterMark: PACK_READ_BYTES })) as typeof nodeFs.createReadStream,
};

/** `.dockerignore` lines without comments and blanks, as the Docker CLI reads them. */
export function parseDockerignore(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
}

/**
 * Every file and symlink under `root`, relative POSIX paths (directories are
 * implied by their files). `skipDir` prunes directories nothing can be sent
 * from, so a repository-root context does not walk node_modules or .git.
 */
async function walk(root: string, rel: string, skipDir: (rel: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  const subdirs: string[] = [];
  const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
  for (const entry of entries) {
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      if (!skipDir(child)) subdirs.push(child);
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      out.push(child);
    }
  }
  // Sibling directories are read at once (the caller sorts): read one after another, each waited
  // for its own thread-pool round trip (a 3000-file context listed in 75 ms, 61 ms at once).
  for (const files of await Promise.all(subdirs.map((sub) => walk(root, sub, skipDir)))) out.push(...files);
  return out;
}

/** `<dockerfile>.dockerignore` when it exists, else `.dockerignore` when it exists. */
async function pickIgnoreFile(root: string, dockerfile: string): Promise<string | undefined> {
  for (const candidate of [`${dockerfile}.dockerignore`, '.dockerignore']) {
    if ((await fs.stat(path.join(root, candidate)).catch(() => undefined))?.isFile()) return candidate;
  }
  return undefined;
}

/** The part of a pattern before its first wildcard: `packages/config/**` → `packages/config/`. */
function literalPrefix(pattern: string): string {
  const clean = pattern.replace(/^\/+/, '');
  const wildcard = clean.search(/[*?[\\]/);
  return wildcard < 0 ? clean : clean.slice(0, wildcard);
}

/** Could an exception pattern with this literal prefix match something under `dir`? */
function mayHoldMatches(dir: string, prefix: string): boolean {
  const slashed = `${dir}/`;
  return prefix.startsWith(slashed) || slashed.startsWith(prefix) || prefix === dir;
}

/**
 * One line per sent file: its path, mode and content (a file's sha256, a link's target). Each
 * file's stat is the one the listing took (see {@link FileHashCache.unknownBytes}).
 */
async function hashFiles(root: string, files: readonly string[], cache: FileHashCache, known: ReadonlyMap<string, string>): Promise<string> {
  // Several files at once: most are small, and the waits overlap.
  const lines = await mapLimit(files, 16, async (rel) => {
    const abs = path.join(root, rel);
    const st = await cache.stat(rel, abs);
    const mode = normalisedMode(Number(st.mode)).toString(8);
    const body = (!st.isSymbolicLink() && known.get(rel)) || await cache.content(rel, abs, st);
    return `${rel}\0${mode}\0${body}\n`;
  });
  const hash = createHash('sha256');
  for (const line of lines) hash.update(line);
  return hash.digest('hex');
}

/** 0755 when any executable bit is set, else 0644: the umask of the machine that checked out the repo must not change the image. */
function normalisedMode(mode: number): number {
  // eslint-disable-next-line no-bitwise
  return (mode & 0o111) !== 0 ? 0o755 : 0o644;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
