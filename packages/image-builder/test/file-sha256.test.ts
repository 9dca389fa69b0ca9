import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { sha256OfFile } from '../src/file-hash-cache';

describe('sha256 of a file, read in chunks into reused memory', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ib-sha-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each([0, 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 17])('is the sha256 of all %i bytes', async (size) => {
    const bytes = Buffer.alloc(size);
    for (let i = 0; i < size; i++) bytes[i] = (i * 31 + Math.floor(i / 1024)) % 251;
    const file = path.join(dir, `f${size}`);
    writeFileSync(file, bytes);
    expect(await sha256OfFile(file)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('gives each of several files read at once its own hash (no buffer is shared between two)', async () => {
    const files = Array.from({ length: 6 }, (_, i) => {
      const file = path.join(dir, `c${i}`);
      writeFileSync(file, Buffer.alloc(2 * 1024 * 1024 + i, i + 1));
      return file;
    });
    const hashes = await Promise.all(files.map(sha256OfFile));
    hashes.forEach((hash, i) => expect(hash).toBe(createHash('sha256').update(Buffer.alloc(2 * 1024 * 1024 + i, i + 1)).digest('hex')));
  });
});
