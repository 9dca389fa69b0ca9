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

/**
 * Writes a cache file atomically (rename); failures are ignored: a read-only cache directory must
 * not fail a publish. `private`: readable by its owner only (it holds a credential), from its creation.
 */
export async function writeCacheFile(file: string, version: number, data: unknown, options: { private?: boolean } = {}): Promise<void> {
  try {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify({ version, data }), { mode: options.private ? 0o600 : 0o666 });
    await fs.rename(tmp, file);
  } catch {
    // Only speed is lost.
  }
}
