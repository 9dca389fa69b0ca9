import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

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
 * listed: git is asked once they are.
 */
export async function sourceInfo(dir: string, sentFiles?: readonly string[] | Promise<readonly string[]>, env = process.env): Promise<SourceInfo> {
  const inRepository = mayBeInRepository(dir, env);
  const files = sentFiles ? await sentFiles : undefined;
  if (!(await inRepository)) return {};
  const answers = await askGit(dir, files, env);
  if (!answers) return {};
  const [log, prefix, remote, status] = answers;
  if (!log.trim()) return {};
  const [sha, committedAt] = log.trim().split(' ');
  const dirty = isDirty(status, prefix.trim(), files);
  return { revision: `${sha}${dirty ? '-dirty' : ''}`, committedAt, url: normaliseRemote(remote.trim() || undefined) };
}

/**
 * Whether git may find a repository for `dir`, as its discovery does: a `.git` (a directory, or
 * the file of a worktree or submodule) in it or a parent, or `GIT_DIR` set. Without one git is
 * not started at all: its processes cost ~35 ms before they say there is no repository.
 */
async function mayBeInRepository(dir: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (env.GIT_DIR) return true;
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    if (await fs.lstat(path.join(at, '.git')).then(() => true, () => false)) return true;
    if (path.dirname(at) === at) return false;
  }
}

/**
 * Separates the answers in the shell's output. The three text answers cannot hold a `\0`; the
 * status (`-z`) can hold anything a path can, so it comes last and is never split.
 */
const SECTION = '\0--source-info--\0';

type GitAnswers = [log: string, prefix: string, remote: string, status: string];

/**
 * The four git questions in one shell: Node starts each child process with a fork of itself,
 * which costs its (single) thread ~10 ms a time; the shell's own forks are cheap. Literal
 * pathspecs: a file named `*.py` or `:x` means that file. A file deleted since is not among the
 * sent files; its deletion shows as dirty until committed, and the content tag changes anyway.
 * Each answer is empty when git fails (no repository); undefined without a shell or git.
 */
function askGit(cwd: string, files: readonly string[] | undefined, env: NodeJS.ProcessEnv): Promise<GitAnswers | undefined> {
  const separator = `printf '${SECTION.replace(/\0/g, '\\000')}'`;
  const script = [
    files && files.length
      ? 'git --literal-pathspecs log -1 --format="%H %cI" -- "$@" 2>/dev/null'
      : 'git log -1 --format="%H %cI" -- . 2>/dev/null',
    separator,
    'git rev-parse --show-prefix 2>/dev/null',
    separator,
    'git config --get remote.origin.url 2>/dev/null',
    separator,
    'git status --porcelain=v1 -z --untracked-files=all -- . 2>/dev/null',
    'exit 0',
  ].join('\n');
  return new Promise((resolve) => {
    execFile('sh', ['-c', script, 'sh', ...(files ?? [])], { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (err, out) => {
      resolve(err ? undefined : splitAnswers(out));
    });
  });
}

/** The shell's output cut at the first three separators (the fourth part, the status, is kept whole). */
function splitAnswers(out: string): GitAnswers | undefined {
  const parts: string[] = [];
  let from = 0;
  for (let i = 0; i < 3; i++) {
    const at = out.indexOf(SECTION, from);
    if (at < 0) return undefined;
    parts.push(out.slice(from, at));
    from = at + SECTION.length;
  }
  return [parts[0], parts[1], parts[2], out.slice(from)];
}

/**
 * Uncommitted changes that reach the image: edits to files the context sends,
 * or deletions. Edits to files .dockerignore keeps out do not count (they
 * cannot change the image, so they must not change its labels either).
 */
function isDirty(status: string, prefix: string, sentFiles: readonly string[] | undefined): boolean {
  if (!status) return false;
  if (!sentFiles) return true;
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
