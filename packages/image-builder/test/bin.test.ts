import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

// The shipped CLI: bin/image-builder.js runs lib/cli.bundle.js, which the compile task bundles
// (scripts/bundle-cli.ts) with config, cli-kit and commander in bundles of their own.
const PACKAGE = path.join(__dirname, '..');
const BIN = path.join(PACKAGE, 'bin', 'image-builder.js');
const FIXTURE = path.join(__dirname, 'fixtures', 'busybox-app');

describe('the bundled CLI', () => {
  let home: string;
  beforeAll(() => {
    home = mkdtempSync(path.join(tmpdir(), 'ib-bin-'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const env = () => ({ PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: path.join(home, 'cache') });

  it('loads config (and zod) only when config is first read, not before a build can start', () => {
    const loaded = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(PACKAGE, 'lib', 'cli.bundle.js'))});`
      + 'process.stdout.write(JSON.stringify(Object.keys(require.cache).map((f) => require("path").basename(f))))'], { env: env(), encoding: 'utf8' });
    expect(loaded.stderr).toBe('');
    expect(JSON.parse(loaded.stdout).sort()).toEqual(['cli-kit.bundle.js', 'cli.bundle.js', 'commander.bundle.js']);
  });

  it('ends --help with exit 0: the CLI and cli-kit share commander (its help ends in a CommanderError)', () => {
    const run = spawnSync(process.execPath, [BIN, 'publish', '--help'], { env: env(), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: image-builder publish \[options\]/);
  });

  it("reports config's error as the CLI's one line and exit 2: both bundles share cli-kit's error classes", () => {
    const run = spawnSync(process.execPath, [BIN, 'publish', '--env', 'nosuch', '--no-push', '--json', '--context', FIXTURE], { env: env(), encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('error: unknown environment "nosuch" (--env): pass --env dev|staging|prod\n');
  });

  it("keeps zod's English messages and leaves its other languages out of the config bundle", () => {
    const run = spawnSync(process.execPath, [BIN, 'publish', '--no-push', '--json', '--context', FIXTURE],
      { env: { ...env(), PLATFORM_NETWORK__NAT_GATEWAY: 'maybe' }, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('error: dev.network.natGateway: Invalid input: expected boolean, received string '
      + '(from PLATFORM_NETWORK__NAT_GATEWAY): change or unset PLATFORM_NETWORK__NAT_GATEWAY\n');
    const bundled = readFileSync(path.join(PACKAGE, 'lib', 'config.bundle.js'), 'utf8');
    expect(bundled).toContain('zod/v4/locales/en.cjs');
    expect(bundled).not.toMatch(/zod\/v4\/locales\/(de|fr|ja)\.cjs/);
  });
});
