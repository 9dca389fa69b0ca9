import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** This repository's root (packages/delivery/test → ../../..). */
export const WORKSPACE = resolve(__dirname, '..', '..', '..');

/** The empty tree: the Nx base CircleCI's `deploy-all` sets for a first deploy (projenrc/circleci.ts). */
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** How {@link ScratchWorkspace.create} makes the copy. */
export interface ScratchOptions {
  /** Files (path relative to the root → content) that differ in the copy, committed in `base`. */
  readonly replace?: Readonly<Record<string, string>>;
  /** Also link each package's dependencies, so that the workspace's own CLIs (and Nx tasks) run in the copy. */
  readonly runnable?: boolean;
}

/**
 * A scratch git repository holding a copy of this workspace's files (node_modules linked, not
 * copied) with one `base` commit, on which a test makes one change and asks Nx what it affects.
 * Nx reads only the files, project.json/package.json and the lockfile, so its answers are the
 * ones it gives in the real repository for the same change.
 */
export class ScratchWorkspace {
  /**
   * Copies the workspace's tracked and new files into a fresh repository and commits them as `base`,
   * with `options.replace` (path → content) written over the copies first.
   */
  static create(options: ScratchOptions = {}): ScratchWorkspace {
    const root = mkdtempSync(join(tmpdir(), 'delivery-scratch-'));
    const files = git(WORKSPACE, ['ls-files', '-z', '--cached', '--others', '--exclude-standard']).split('\0').filter(Boolean);
    for (const file of new Set(files)) {
      const from = join(WORKSPACE, file);
      if (!existsSync(from)) continue; // deleted in the working tree, not yet committed
      mkdirSync(dirname(join(root, file)), { recursive: true });
      copyFileSync(from, join(root, file));
    }
    for (const [file, content] of Object.entries(options.replace ?? {})) writeFileSync(join(root, file), content);
    symlinkSync(join(WORKSPACE, 'node_modules'), join(root, 'node_modules'));
    if (options.runnable) {
      // pnpm's links are relative (packages/x/node_modules/@blog-data/config → ../../../config):
      // copied as links, they resolve to the copy's own packages, and third-party ones to the store.
      for (const dir of ['packages', 'apps'].flatMap((top) => readdirSync(join(WORKSPACE, top)).map((name) => join(top, name, 'node_modules')))) {
        if (existsSync(join(WORKSPACE, dir))) execFileSync('cp', ['-a', join(WORKSPACE, dir), join(root, dir)]);
      }
    }
    git(root, ['init', '-q', '-b', 'main']);
    git(root, ['add', '-A']);
    git(root, ['commit', '-q', '-m', 'base']);
    return new ScratchWorkspace(root, git(root, ['rev-parse', 'HEAD']).trim());
  }

  private constructor(
    /** The repository's root. */
    readonly root: string,
    /** The commit every change starts from. */
    readonly base: string,
  ) {}

  /** One commit on top of `base` that appends a line to each file; returns its sha. */
  change(files: readonly string[]): string {
    git(this.root, ['checkout', '-q', '--detach', this.base]);
    for (const file of files) {
      const path = join(this.root, file);
      if (!existsSync(path)) throw new Error(`${file} does not exist in the workspace: update the test's change`);
      const comment = /\.(py|sh|ya?ml)$|Dockerfile/.test(file) ? '#' : '//';
      appendFileSync(path, `${readFileSync(path, 'utf8').endsWith('\n') ? '' : '\n'}${comment} a change\n`);
    }
    git(this.root, ['commit', '-q', '-a', '-m', `change ${files.join(', ')}`]);
    return git(this.root, ['rev-parse', 'HEAD']).trim();
  }

  /** `nx <args>` in the repository (no daemon, no cloud), its stdout. */
  nx(args: readonly string[]): string {
    return execFileSync(process.execPath, [require.resolve('nx/bin/nx', { paths: [this.root] }), ...args], {
      cwd: this.root,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
    });
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

function git(cwd: string, args: readonly string[]): string {
  const identity = ['-c', 'user.name=delivery test', '-c', 'user.email=delivery@test.invalid', '-c', 'commit.gpgsign=false'];
  return execFileSync('git', [...identity, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}
