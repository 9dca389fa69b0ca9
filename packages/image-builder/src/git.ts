import { execFileSync } from 'node:child_process';

/** What git knows about a build context directory, for the OCI labels. */
export interface SourceInfo {
  /** Commit that last changed the directory; `-dirty` appended when a file sent to the engine has uncommitted changes. */
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
export function sourceInfo(dir: string, sentFiles?: readonly string[]): SourceInfo {
  const log = git(dir, ['log', '-1', '--format=%H %cI', '--', '.']);
  if (!log) return {};
  const [sha, committedAt] = log.split(' ');
  const dirty = isDirty(dir, sentFiles) ? '-dirty' : '';
  return { revision: `${sha}${dirty}`, committedAt, url: normaliseRemote(git(dir, ['config', '--get', 'remote.origin.url'])) };
}

/**
 * Uncommitted changes that reach the image: edits to files the context sends,
 * or deletions. Edits to files .dockerignore keeps out do not count (they
 * cannot change the image, so they must not change its labels either).
 */
function isDirty(dir: string, sentFiles?: readonly string[]): boolean {
  const status = git(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.'], false);
  if (!status) return false;
  if (!sentFiles) return true;
  const prefix = git(dir, ['rev-parse', '--show-prefix']) ?? '';
  const sent = new Set(sentFiles);
  const entries = status.split('\0').filter(Boolean);
  for (let i = 0; i < entries.length; i++) {
    const code = entries[i].slice(0, 2);
    const file = entries[i].slice(3);
    // A rename entry is followed by its source path.
    if (code.startsWith('R') || code.startsWith('C')) i += 1;
    const rel = file.startsWith(prefix) ? file.slice(prefix.length) : file;
    if (code.includes('D') || sent.has(rel)) return true;
  }
  return false;
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

function git(cwd: string, args: string[], trim = true): string | undefined {
  try {
    const out = execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return (trim ? out.trim() : out) || undefined;
  } catch {
    return undefined;
  }
}
