import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { normaliseRemote, sourceInfo } from '../src/git';
import { declaredBuildArgs, labelsSetIn } from '../src/metadata';

describe('Dockerfile reading', () => {
  it('finds the ARGs a Dockerfile declares (only those build args are sent)', () => {
    expect([...declaredBuildArgs('ARG BASE_IMAGE=x\nFROM ${BASE_IMAGE}\n  arg VCS_REF=""\nRUN echo ARG NOT_ME\n')]).toEqual(['BASE_IMAGE', 'VCS_REF']);
  });

  it('finds the label keys LABEL instructions set, across continuations and quoting', () => {
    const dockerfile = 'FROM x\nLABEL a=b "c.d"="e f" \\\n      g="h=i" j="k \\" l=m"\nlabel x=1\nRUN echo LABEL=no\n';
    expect([...labelsSetIn(dockerfile)]).toEqual(['a', 'c.d', 'g', 'j', 'x']);
  });
});

describe('source revision for the labels', () => {
  let repo: string;
  const git = (...args: string[]) => execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e.x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e.x' },
  }).trim();

  beforeEach(() => {
    repo = mkdtempSync(path.join(tmpdir(), 'ib-git-'));
    mkdirSync(path.join(repo, 'docker', 'app'), { recursive: true });
    writeFileSync(path.join(repo, 'docker', 'app', 'Dockerfile'), 'FROM x\n');
    writeFileSync(path.join(repo, 'docker', 'app', 'notes.md'), 'not sent\n');
    writeFileSync(path.join(repo, 'other.txt'), '1');
    git('init', '-q');
    git('remote', 'add', 'origin', 'https://user:secret@github.com/acme/platform.git');
    git('add', '-A');
    git('commit', '-q', '-m', 'one');
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));

  const sent = ['Dockerfile'];
  const dir = () => path.join(repo, 'docker', 'app');

  it('is the last commit that touched the directory, not HEAD', async () => {
    const touched = git('rev-parse', 'HEAD');
    writeFileSync(path.join(repo, 'other.txt'), '2');
    git('commit', '-q', '-am', 'unrelated');
    expect(await sourceInfo(dir(), sent)).toMatchObject({ revision: touched, url: 'https://github.com/acme/platform' });
  });

  it('is the last commit that touched a file the context sends: files it leaves out do not count (a root context with an allowlist)', async () => {
    const touched = git('rev-parse', 'HEAD');
    writeFileSync(path.join(dir(), 'notes.md'), 'left out by .dockerignore\n');
    git('commit', '-q', '-am', 'notes only');
    expect((await sourceInfo(dir(), sent)).revision).toBe(touched);
    writeFileSync(path.join(dir(), 'Dockerfile'), 'FROM y\n');
    git('commit', '-q', '-am', 'the Dockerfile');
    expect((await sourceInfo(dir(), sent)).revision).toBe(git('rev-parse', 'HEAD'));
  });

  it('is marked dirty for uncommitted changes to sent files or deletions, not for files the context leaves out', async () => {
    const sha = git('rev-parse', 'HEAD');
    writeFileSync(path.join(dir(), 'notes.md'), 'edited\n');
    expect((await sourceInfo(dir(), sent)).revision).toBe(sha);
    writeFileSync(path.join(dir(), 'Dockerfile'), 'FROM y\n');
    expect((await sourceInfo(dir(), sent)).revision).toBe(`${sha}-dirty`);
    git('checkout', '-q', '--', 'docker/app/Dockerfile');
    unlinkSync(path.join(dir(), 'notes.md'));
    expect((await sourceInfo(dir(), sent)).revision).toBe(`${sha}-dirty`);
  });

  it('reads the status whatever its paths hold (a rename from a file named like the answers\' separator)', async () => {
    // The last commit touching a sent file: other.txt's (renamed.txt is not committed yet).
    const sha = git('rev-parse', 'HEAD');
    writeFileSync(path.join(repo, '--source-info--'), 'x');
    git('add', '-A');
    git('commit', '-q', '-m', 'odd name');
    git('mv', '--', '--source-info--', 'renamed.txt');
    expect((await sourceInfo(repo, ['renamed.txt', 'other.txt'])).revision).toBe(`${sha}-dirty`);
  });

  it('gives nothing outside a git repository', async () => {
    const plain = mkdtempSync(path.join(tmpdir(), 'ib-nogit-'));
    expect(await sourceInfo(plain, [])).toEqual({});
    rmSync(plain, { recursive: true, force: true });
  });

  it('finds the repository of a worktree (a .git file) and the one GIT_DIR names', async () => {
    const sha = git('rev-parse', 'HEAD');
    const worktree = `${repo}-wt`;
    git('worktree', 'add', '-q', worktree);
    try {
      expect((await sourceInfo(path.join(worktree, 'docker', 'app'), sent)).revision).toBe(sha);
    } finally {
      rmSync(worktree, { recursive: true, force: true });
    }
    const plain = mkdtempSync(path.join(tmpdir(), 'ib-gitdir-'));
    try {
      writeFileSync(path.join(plain, 'other.txt'), '1');
      const env = { ...process.env, GIT_DIR: path.join(repo, '.git'), GIT_WORK_TREE: plain };
      // That work tree lacks the repository's other files: deleted, so dirty.
      expect((await sourceInfo(plain, ['other.txt'], env)).revision).toBe(`${sha}-dirty`);
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });

  it('turns remotes into https URLs without credentials', () => {
    expect(normaliseRemote('git@github.com:acme/platform.git')).toBe('https://github.com/acme/platform');
    expect(normaliseRemote('https://x-access-token:abc@github.com/acme/platform.git')).toBe('https://github.com/acme/platform');
    expect(normaliseRemote(undefined)).toBeUndefined();
  });
});
