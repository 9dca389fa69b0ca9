import { execFileSync } from 'node:child_process';

/** What git knows about a build context directory, for the OCI labels. */
export interface SourceInfo {
  /** Commit that last changed the directory; `-dirty` appended when it has uncommitted changes. */
  readonly revision?: string;
  /** ISO time of that commit (used as `created`, so the same source gives the same image). */
  readonly committedAt?: string;
  /** The repository's `origin` URL as https, without credentials. */
  readonly url?: string;
}

/**
 * Git facts for `dir`. The revision is the last commit touching the directory,
 * not HEAD: an unrelated commit must not change the image's labels, or every
 * commit would rebuild and re-push an identical image.
 */
export function sourceInfo(dir: string): SourceInfo {
  const log = git(dir, ['log', '-1', '--format=%H %cI', '--', '.']);
  if (!log) return {};
  const [sha, committedAt] = log.split(' ');
  const dirty = git(dir, ['status', '--porcelain', '--', '.']) ? '-dirty' : '';
  return { revision: `${sha}${dirty}`, committedAt, url: normaliseRemote(git(dir, ['config', '--get', 'remote.origin.url'])) };
}

/** `git@github.com:o/r.git` → `https://github.com/o/r`; credentials dropped. */
export function normaliseRemote(remote: string | undefined): string | undefined {
  if (!remote) return undefined;
  const scp = /^[\w.-]+@([\w.-]+):(.+)$/.exec(remote);
  let url = scp ? `https://${scp[1]}/${scp[2]}` : remote;
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    url = parsed.toString();
  } catch {
    return undefined;
  }
  return url.replace(/\.git$/, '').replace(/\/$/, '');
}

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}
