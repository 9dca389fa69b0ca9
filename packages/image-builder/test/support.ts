import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import * as tar from 'tar-fs';
import { RegistryProxy } from './registry-proxy';
import type { EngineClient } from '../src/engine-api';
import { readEngineEvents } from '../src/events';

/** Copies a fixture to a temporary directory (tests may edit it) and returns the copy's path. */
export function copyFixture(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `ib-${name}-`));
  cpSync(path.join(__dirname, 'fixtures', name), dir, { recursive: true });
  return dir;
}

/** Makes `dir` a git repository with one commit, so the builder has a revision to label. Returns the sha. */
export function commitAll(dir: string): string {
  const git = (...args: string[]) => execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' },
  }).trim();
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'fixture');
  return git('rev-parse', 'HEAD');
}

async function drain(stream: Readable): Promise<void> {
  for await (const event of readEngineEvents(stream)) {
    if (event.error || event.errorDetail) throw new Error(event.errorDetail?.message ?? event.error);
  }
}

/**
 * Loads a copy of `base` whose config says linux/arm64: `docker save`, rewrite
 * the config's architecture (and its content-addressed file name), `docker load`.
 * (`docker import --platform linux/arm64` does not work on engines that ignore
 * the import platform, e.g. 20.10, so this is the portable way.)
 */
export async function loadArm64Copy(docker: EngineClient, base: string, tag: string): Promise<string> {
  const work = mkdtempSync(path.join(tmpdir(), 'ib-arm64-'));
  try {
    const saved = await docker.saveImage(base);
    await new Promise<void>((resolve, reject) => {
      const extract = tar.extract(work);
      extract.on('finish', resolve);
      extract.on('error', reject);
      saved.pipe(extract);
    });
    const manifestPath = path.join(work, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { Config: string; RepoTags: string[] }[];
    const config = JSON.parse(readFileSync(path.join(work, manifest[0].Config), 'utf8')) as Record<string, unknown>;
    config.architecture = 'arm64';
    const body = JSON.stringify(config);
    const name = `${createHash('sha256').update(body).digest('hex')}.json`;
    rmSync(path.join(work, manifest[0].Config));
    writeFileSync(path.join(work, name), body);
    manifest[0].Config = name;
    manifest[0].RepoTags = [tag];
    writeFileSync(manifestPath, JSON.stringify(manifest));
    rmSync(path.join(work, 'repositories'), { force: true });
    await drain(await docker.loadImage(tar.pack(work)));
    return (await docker.inspectImage(tag)).Id;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Builds a directory with the engine's classic builder (for stand-in base images). */
export async function buildPlain(docker: EngineClient, dir: string, tag: string, buildargs: Record<string, string>): Promise<void> {
  await drain(await docker.build(tar.pack(dir), { t: tag, buildargs, dockerfile: 'Dockerfile', platform: 'linux/amd64', labels: {} }));
}

/** Removes images by id or name; ignores ones already gone. */
export async function removeImages(docker: EngineClient, refs: Iterable<string>): Promise<void> {
  for (const ref of refs) {
    await docker.removeImage(ref, { force: true }).catch(() => undefined);
  }
}

/** A file from a container (via the archive endpoint): its tar mode and its text. */
export async function readContainerFile(docker: EngineClient, container: string, file: string): Promise<{ mode: number; text: string }> {
  const work = mkdtempSync(path.join(tmpdir(), 'ib-archive-'));
  try {
    let mode = -1;
    const archive = await docker.containerArchive(container, file);
    await new Promise<void>((resolve, reject) => {
      const extract = tar.extract(work, {
        map: (header) => {
          mode = header.mode ?? -1;
          return header;
        },
      });
      extract.on('finish', resolve);
      extract.on('error', reject);
      archive.pipe(extract);
    });
    return { mode, text: readFileSync(path.join(work, path.basename(file)), 'utf8') };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Every image (intermediate ones too) built from a test fixture: they carry the blog-data.test-fixture label. Newest first. */
export async function fixtureImages(docker: EngineClient): Promise<string[]> {
  const found = await docker.listImages({ label: ['blog-data.test-fixture'] }, true);
  return found.sort((a, b) => b.Created - a.Created).map((i) => i.Id);
}

/**
 * A pass-through HTTP proxy in front of a registry that drops the connection of
 * the next `failures` manifest PUTs (the last request of a push), to play a
 * network failure during a push. Layer uploads are not touched: the engine
 * retries those itself, for about a minute.
 */
export class FlakyRegistryProxy extends RegistryProxy {
  failures = 0;
  dropped = 0;
  /** Answer the next N requests that carry credentials with ECR's "token expired" 401. */
  expireTokens = 0;

  protected handle(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'PUT' && /\/manifests\//.test(req.url ?? '') && this.failures > 0) {
      this.failures -= 1;
      this.dropped += 1;
      req.socket.destroy();
      return;
    }
    if (req.headers.authorization && this.expireTokens > 0) {
      this.expireTokens -= 1;
      res.writeHead(401, { 'Content-Type': 'application/json' })
        .end('{"errors":[{"code":"DENIED","message":"Your authorization token has expired. Reauthenticate and try again."}]}');
      return;
    }
    this.forward(req, res);
  }
}
