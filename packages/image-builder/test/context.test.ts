import * as crypto from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, promises, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar-fs';
import { listBuildContext, ListedBuildContext, parseDockerignore, readBuildContext } from '../src/context';

let dir: string;

function write(rel: string, body = rel, mode?: number) {
  const file = path.join(dir, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, body);
  if (mode !== undefined) chmodSync(file, mode);
}

/** Unpacks a tar stream and returns each entry's header (name, mode, mtime, uid). */
async function headersOf(stream: NodeJS.ReadableStream): Promise<{ name: string; mode: number; mtime: Date; uid: number }[]> {
  const out = mkdtempSync(path.join(tmpdir(), 'ib-untar-'));
  const headers: { name: string; mode: number; mtime: Date; uid: number }[] = [];
  await new Promise<void>((resolve, reject) => {
    const extract = tar.extract(out, {
      map: (h) => {
        headers.push({ name: h.name, mode: h.mode ?? 0, mtime: h.mtime ?? new Date(), uid: h.uid ?? -1 });
        return h;
      },
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
    stream.pipe(extract);
  });
  rmSync(out, { recursive: true, force: true });
  return headers.sort((a, b) => (a.name < b.name ? -1 : 1));
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ib-context-'));
  write('Dockerfile', 'FROM scratch\nCOPY . /\n');
  write('.dockerignore', [
    '# build outputs and secrets never reach the engine',
    'node_modules',
    '**/*.log',
    '*.md',
    '!README.md',
    'secrets/',
    'Dockerfile',
    '',
  ].join('\n'));
  write('app/main.py', 'print(1)');
  write('app/debug.log');
  write('deep/a/b/trace.log');
  write('node_modules/x/index.js');
  write('README.md');
  // Like Go's filepath.Match, `*.md` matches at the top level only.
  write('docs/guide.md');
  write('NOTES.md');
  write('secrets/key.pem');
  write('run.sh', '#!/bin/sh\n', 0o700);
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('build context', () => {
  it('sends exactly what .dockerignore leaves, plus the Dockerfile and .dockerignore themselves', async () => {
    const context = await readBuildContext(dir);
    const expected = ['.dockerignore', 'Dockerfile', 'README.md', 'app/main.py', 'docs/guide.md', 'run.sh'];
    expect(context.files).toEqual(expected);
    expect((await headersOf(context.pack())).map((h) => h.name)).toEqual(expected);
  });

  it('packs with fixed times and owners and normalised modes, so the same files give the same tar', async () => {
    const headers = await headersOf((await readBuildContext(dir)).pack());
    for (const h of headers) {
      expect(h.mtime.getTime()).toBe(0);
      expect(h.uid).toBe(0);
    }
    // eslint-disable-next-line no-bitwise
    expect(headers.find((h) => h.name === 'run.sh')!.mode & 0o777).toBe(0o755);
    // eslint-disable-next-line no-bitwise
    expect(headers.find((h) => h.name === 'README.md')!.mode & 0o777).toBe(0o644);
  });

  it('hashes what is sent: ignored files do not change the hash, sent ones and their exec bit do', async () => {
    const before = (await readBuildContext(dir)).filesHash;
    expect((await readBuildContext(dir)).filesHash).toBe(before);
    write('node_modules/x/index.js', 'changed');
    write('NOTES.md', 'changed');
    expect((await readBuildContext(dir)).filesHash).toBe(before);
    write('app/main.py', 'print(2)');
    const edited = (await readBuildContext(dir)).filesHash;
    expect(edited).not.toBe(before);
    chmodSync(path.join(dir, 'app/main.py'), 0o755);
    expect((await readBuildContext(dir)).filesHash).not.toBe(edited);
  });

  it('reads a Dockerfile with another name and fails clearly when it is missing', async () => {
    write('build/Dockerfile.worker', 'FROM scratch\n');
    expect((await readBuildContext(dir, { dockerfile: 'build/Dockerfile.worker' })).files).toContain('build/Dockerfile.worker');
    await expect(readBuildContext(dir, { dockerfile: 'Dockerfile.nope' })).rejects.toMatchObject({
      kind: 'dockerfile-missing',
      message: expect.stringContaining(`Dockerfile missing (${path.join(dir, 'Dockerfile.nope')})`),
    });
  });

  it('uses <Dockerfile>.dockerignore instead of .dockerignore, as BuildKit does, for a repository-root context', async () => {
    write('docker/app/Dockerfile', 'FROM scratch\n');
    write('docker/app/Dockerfile.dockerignore', ['**', '!package.json', '!packages/config/**', '**/node_modules'].join('\n'));
    write('package.json', '{}');
    write('packages/config/src/index.ts');
    write('packages/config/node_modules/dep/index.js');
    write('packages/other/src/index.ts');
    const context = await readBuildContext(dir, { dockerfile: 'docker/app/Dockerfile' });
    expect(context.ignoreFile).toBe('docker/app/Dockerfile.dockerignore');
    expect(context.files).toEqual(['docker/app/Dockerfile', 'docker/app/Dockerfile.dockerignore', 'package.json', 'packages/config/src/index.ts']);
  });

  it('reads .dockerignore lines without comments and blanks', () => {
    expect(parseDockerignore('# c\n\n  node_modules  \r\n!keep\n')).toEqual(['node_modules', '!keep']);
  });
});

/** A context of two 100 kB files (`a.bin` and `second`): its hash read directly, and the same context listed. */
/** The context's hash, and which files it read to get it. */
async function hashCountingOpens(listed: ListedBuildContext): Promise<{ hash: string; opened: string[] }> {
  const opens = jest.spyOn(promises, 'open');
  try {
    const hash = await listed.hash();
    return { hash, opened: opens.mock.calls.map(([file]) => path.relative(dir, String(file))).sort() };
  } finally {
    opens.mockRestore();
  }
}

describe('context hashes remembered by file stat', () => {
  const settle = () => new Promise((r) => setTimeout(r, 2100));
  // Beside the context, not in it: the cache file is not part of what is sent.
  let cacheFile: string;
  beforeEach(() => {
    cacheFile = path.join(dir, '..', `${path.basename(dir)}-hashes.json`);
  });
  afterEach(() => rmSync(cacheFile, { force: true }));

  it('reuses a remembered hash for an unchanged file, and rehashes one rewritten with the same size and mtime', async () => {
    write('Dockerfile', 'FROM scratch\nCOPY data /data\n');
    write('data', 'aaaa');
    await settle();
    expect((await listBuildContext(dir, { hashCacheFile: cacheFile })).unhashedBytes).toBeGreaterThanOrEqual(4 + 'FROM scratch\nCOPY data /data\n'.length);
    const first = await readBuildContext(dir, { hashCacheFile: cacheFile });
    // The Dockerfile (hashed from the text read with the listing) is remembered too: nothing is new.
    expect((await listBuildContext(dir, { hashCacheFile: cacheFile })).unhashedBytes).toBe(0);
    const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as { data: Record<string, string[]> };
    expect(Object.keys(cached.data)).toEqual(expect.arrayContaining(['data', 'Dockerfile']));
    expect((await readBuildContext(dir, { hashCacheFile: cacheFile })).filesHash).toBe(first.filesHash);

    // The cache is what is read for an unchanged stat: a planted hash shows up in the result.
    cached.data.data[4] = '0'.repeat(64);
    writeFileSync(cacheFile, JSON.stringify(cached));
    expect((await readBuildContext(dir, { hashCacheFile: cacheFile })).filesHash).not.toBe(first.filesHash);

    // Same size, mtime put back: ctime still changed, so the file is read again.
    const before = statSync(path.join(dir, 'data'));
    writeFileSync(path.join(dir, 'data'), 'bbbb');
    utimesSync(path.join(dir, 'data'), before.atime, before.mtime);
    const rewritten = await readBuildContext(dir, { hashCacheFile: cacheFile });
    expect(rewritten.filesHash).toBe((await readBuildContext(dir)).filesHash);
    expect(rewritten.filesHash).not.toBe(first.filesHash);
  });

  it('counts a changed Dockerfile as new content (a build is likely)', async () => {
    write('Dockerfile', 'FROM scratch\n');
    await settle();
    await readBuildContext(dir, { hashCacheFile: cacheFile });
    write('Dockerfile', 'FROM scratch\nCOPY x /x\n');
    expect((await listBuildContext(dir, { hashCacheFile: cacheFile })).unhashedBytes).toBe('FROM scratch\nCOPY x /x\n'.length);
  });

  it('reads only the files the cache does not know (a one-file change in a large context reads one file)', async () => {
    write('Dockerfile', 'FROM scratch\nCOPY . /\n');
    write('big.bin', 'b'.repeat(1_000_000));
    write('app.txt', 'v1');
    await settle();
    await readBuildContext(dir, { hashCacheFile: cacheFile });
    write('app.txt', 'v2');
    const listed = await listBuildContext(dir, { hashCacheFile: cacheFile });
    expect(listed.unhashedBytes).toBe(2);
    expect(await hashCountingOpens(listed)).toEqual({ hash: (await readBuildContext(dir)).filesHash, opened: ['app.txt'] });
  });

  it('does not read the files while packing them: the hash reads them when asked, and packing does not change it', async () => {
    write('Dockerfile', 'FROM scratch\nCOPY . /\n');
    write('a.bin', 'a'.repeat(100_000));
    write('z.bin', 'z'.repeat(3 * 1024 * 1024 + 17));
    const expected = (await readBuildContext(dir)).filesHash;
    const listed = await listBuildContext(dir);
    const updates = jest.spyOn(crypto.Hash.prototype, 'update');
    try {
      await headersOf(listed.pack());
      expect(updates).not.toHaveBeenCalled();
    } finally {
      updates.mockRestore();
    }
    expect(await listed.hash()).toBe(expected);
  });

  it('counts nothing new for an unchanged context with symlinks, and a re-pointed link as a change', async () => {
    // Before: the listing followed links (stat) and hashing never remembered them, so every listing
    // counted each link's target as unhashed: a no-op publish of such a context started a build.
    write('Dockerfile', 'FROM scratch\nCOPY . /\n');
    write('data/big.bin', 'b'.repeat(100_000));
    write('data/other.bin', 'o'.repeat(50_000));
    symlinkSync('data/big.bin', path.join(dir, 'current'));
    symlinkSync('data', path.join(dir, 'data-dir'));
    await settle();
    const first = await readBuildContext(dir, { hashCacheFile: cacheFile });
    const again = await listBuildContext(dir, { hashCacheFile: cacheFile });
    expect(again.unhashedBytes).toBe(0);
    expect((await hashCountingOpens(again)).opened).toEqual([]);
    expect(await again.hash()).toBe(first.filesHash);

    // A link is hashed by its target path: pointing it elsewhere changes the hash, and reads no file.
    rmSync(path.join(dir, 'current'));
    symlinkSync('data/other.bin', path.join(dir, 'current'));
    const repointed = await listBuildContext(dir, { hashCacheFile: cacheFile });
    const { hash, opened } = await hashCountingOpens(repointed);
    expect(opened).toEqual([]);
    expect(hash).not.toBe(first.filesHash);
    expect(hash).toBe((await readBuildContext(dir)).filesHash);
  });

  it('stats each file once: the listing\'s stat serves the hash and the cache', async () => {
    // Before: up to three times (the listing, the hash's lstat, the cache's stat); the Dockerfile and
    // the ignore file are also looked up once before the listing, to fail early or pick the rules.
    write('Dockerfile', 'FROM scratch\nCOPY . /\n');
    write('a.txt', 'a');
    write('b/c.txt', 'c');
    const stats = jest.spyOn(promises, 'stat');
    const lstats = jest.spyOn(promises, 'lstat');
    try {
      const listed = await listBuildContext(dir, { hashCacheFile: cacheFile });
      await listed.hash();
      const perFile = (file: string) => [...stats.mock.calls, ...lstats.mock.calls].filter(([p]) => String(p) === path.join(dir, file)).length;
      const foundFirst = new Set(['Dockerfile', '.dockerignore']);
      expect(listed.files.length).toBeGreaterThan(foundFirst.size + 2);
      expect(listed.files.map(perFile)).toEqual(listed.files.map((f) => (foundFirst.has(f) ? 2 : 1)));
    } finally {
      stats.mockRestore();
      lstats.mockRestore();
    }
  });

  it('reads the Dockerfile text once, with the context', async () => {
    write('Dockerfile', 'FROM scratch\n');
    expect((await readBuildContext(dir)).dockerfileText).toBe('FROM scratch\n');
  });
});
