import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * The content of a cache file written by {@link writeCacheFile} with this format `version`;
 * undefined when it is missing, unreadable, broken or of another version (a cache only saves time).
 */
export async function readCacheFile<T>(file: string, version: number): Promise<T | undefined> {
  try {
    const data = JSON.parse(await fs.readFile(file, 'utf8')) as { version?: number; data?: T };
    return data.version === version ? data.data : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a cache file atomically (rename); failures are ignored: a read-only cache directory must not fail a publish. */
export async function writeCacheFile(file: string, version: number, data: unknown): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify({ version, data }));
    await fs.rename(tmp, file);
  } catch {
    // Only speed is lost.
  }
}
