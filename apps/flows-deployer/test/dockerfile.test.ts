import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The deployer image cannot be built in this sandbox (no Docker Hub), so these checks pin the
 * properties that matter: pinned base, production-only dependencies, non-root, CLI entrypoint,
 * and COPY sources that exist and survive the build context's ignore file.
 */
const REPO = path.join(__dirname, '..', '..', '..');
const DOCKER_DIR = path.join(REPO, 'docker', 'flows-deployer');
const dockerfile = readFileSync(path.join(DOCKER_DIR, 'Dockerfile'), 'utf8');
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

/** Minimal .dockerignore semantics: last matching pattern wins, `!` re-includes, `**` spans dirs. */
function ignored(file: string, patterns: string[]): boolean {
  let result = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = negate ? raw.slice(1) : raw;
    const re = new RegExp(
      '^' +
        pattern
          .split('**')
          .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
          .join('.*') +
        '(/.*)?$',
    );
    if (re.test(file)) result = !negate;
  }
  return result;
}

describe('docker/flows-deployer', () => {
  const ignorePatterns = readFileSync(path.join(DOCKER_DIR, 'Dockerfile.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('builds from Node 20 slim pinned to an exact version, in two stages', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim$/m);
    expect(instructions.filter((l) => l.startsWith('FROM '))).toEqual(['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE} AS runtime']);
  });

  it('ships production dependencies only, runs as a non-root user and enters the CLI', () => {
    expect(dockerfile).toMatch(/pnpm --filter @blog-data\/flows-deployer deploy --prod --legacy \/out/);
    expect(instructions).toContain('COPY --from=build --chown=node:node /out /app');
    expect(instructions).toContain('USER node');
    expect(instructions).toContain('ENTRYPOINT ["node", "/app/bin/flows-deployer.js"]');
    expect(instructions).toContain('CMD ["apply", "--manifest", "/app/prefect.yaml"]');
    expect(existsSync(path.join(REPO, 'apps', 'flows-deployer', 'bin', 'flows-deployer.js'))).toBe(true);
    expect(instructions.join('\n')).not.toMatch(/RUN --mount|COPY --chmod/); // the classic builder lacks both
  });

  it('copies only sources that exist and that the ignore file lets through', () => {
    const sources = instructions
      .filter((l) => l.startsWith('COPY ') && !l.includes('--from='))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      const clean = source.replace(/\/$/, '');
      expect(existsSync(path.join(REPO, clean))).toBe(true);
      expect({ source, ignored: ignored(statSync(path.join(REPO, clean)).isDirectory() ? `${clean}/package.json` : clean, ignorePatterns) }).toEqual({ source, ignored: false });
    }
    // What the runtime reads must reach the build; build outputs and dependencies must not.
    for (const needed of ['apps/flows-deployer/src/cli.ts', 'apps/flows-deployer/templates/ecs-base-job-template-3.8.3.json', 'apps/flows-deployer/prefect.yaml', 'apps/flows-deployer/flows/blog_data/ingest.py', 'packages/config/src/index.ts', 'packages/prefect-api/src/index.ts', 'packages/prefect-api/src/generated/prefect-3.8.3.ts']) {
      expect({ needed, ignored: ignored(needed, ignorePatterns) }).toEqual({ needed, ignored: false });
    }
    for (const excluded of ['node_modules/x', 'apps/flows-deployer/node_modules/zod/index.js', 'apps/flows-deployer/lib/cli.js', 'packages/infra/src/main.ts', '.git/HEAD']) {
      expect({ excluded, ignored: ignored(excluded, ignorePatterns) }).toEqual({ excluded, ignored: true });
    }
  });
});
