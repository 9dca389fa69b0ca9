import { execFile } from 'node:child_process';

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
 * Git facts for `dir`. The revision is the last commit touching a file the context sends (all
 * of `dir` when the sent files are not given), not HEAD: an unrelated commit must not change the
 * image's labels, or every commit would rebuild and re-push an identical image. That matters most
 * for a context that is the repository root with a .dockerignore allowlist (the deployer image):
 * "the last commit touching the directory" would be every commit. `sentFiles` may still be being
 * listed: the other git processes start at once and run while the context is read.
 */
export async function sourceInfo(dir: string, sentFiles?: readonly string[] | Promise<readonly string[]>): Promise<SourceInfo> {
  // Independent questions, asked at once: each git process costs a few tens of ms.
  const [log, dirty, remote] = await Promise.all([
    lastCommitTouching(dir, sentFiles),
    isDirty(dir, sentFiles),
    git(dir, ['config', '--get', 'remote.origin.url']),
  ]);
  if (!log) return {};
  const [sha, committedAt] = log.split(' ');
  return { revision: `${sha}${dirty ? '-dirty' : ''}`, committedAt, url: normaliseRemote(remote) };
}

/** `<sha> <ISO time>` of the last commit that changed one of the sent files (or anything under `dir`). */
async function lastCommitTouching(dir: string, sentFiles?: readonly string[] | Promise<readonly string[]>): Promise<string | undefined> {
  const files = sentFiles ? await sentFiles : undefined;
  // Literal pathspecs: a file named `*.py` or `:x` means that file. A file deleted since is not
  // among them; its deletion shows as -dirty until committed, and the content tag changes anyway.
  const paths = files && files.length ? ['--literal-pathspecs', 'log', '-1', '--format=%H %cI', '--', ...files] : ['log', '-1', '--format=%H %cI', '--', '.'];
  return git(dir, paths);
}

/**
 * Uncommitted changes that reach the image: edits to files the context sends,
 * or deletions. Edits to files .dockerignore keeps out do not count (they
 * cannot change the image, so they must not change its labels either).
 */
async function isDirty(dir: string, sentFiles?: readonly string[] | Promise<readonly string[]>): Promise<boolean> {
  const [status, prefix = ''] = await Promise.all([
    git(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.'], false),
    git(dir, ['rev-parse', '--show-prefix']),
  ]);
  if (!status) return false;
  if (!sentFiles) return true;
  const sent = new Set(await sentFiles);
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

/** A git command's stdout, or undefined when git fails (no repository, no git). */
function git(cwd: string, args: string[], trim = true): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, out) => {
      resolve(err ? undefined : (trim ? out.trim() : out) || undefined);
    });
  });
}
