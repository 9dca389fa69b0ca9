import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { makeTestCertificates, startTlsServer } from './tls-server';

// The shipped CLI: bin/image-builder.js runs lib/cli.bundle.js, which the compile task bundles
// (scripts/bundle-cli.ts) with config, cli-kit and commander in bundles of their own.
const PACKAGE = path.join(__dirname, '..');
const BIN = path.join(PACKAGE, 'bin', 'image-builder.js');
// The command itself (package.json "bin"): a shell launcher that runs BIN.
const LAUNCHER = path.join(PACKAGE, 'bin', 'image-builder');
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

  describe('through its launcher, bin/image-builder', () => {
    const STARTUP_WARNING = 'Ignoring extra certs from `/nonexistent/ca.pem`';
    const missingCa = () => ({ ...env(), NODE_EXTRA_CA_CERTS: '/nonexistent/ca.pem' });

    it('keeps Node from reading NODE_EXTRA_CA_CERTS at start-up (a run without TLS never reads it)', () => {
      // Node itself warns about an unreadable file at start-up, before any JavaScript: so does `node bin/image-builder.js`.
      const direct = spawnSync(process.execPath, [BIN, 'publish', '--help'], { env: missingCa(), encoding: 'utf8' });
      expect(direct.stderr).toContain(STARTUP_WARNING);
      const launched = spawnSync(LAUNCHER, ['publish', '--help'], { env: missingCa(), encoding: 'utf8' });
      expect(launched.stderr).toBe('');
      expect(launched.status).toBe(0);
      expect(launched.stdout).toBe(direct.stdout);
    });

    it('runs through a link to it, as a global npm install links the command', () => {
      const link = path.join(home, 'image-builder');
      symlinkSync(LAUNCHER, link);
      const run = spawnSync(link, ['publish', '--help'], { env: env(), encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^Usage: image-builder publish \[options\]/);
    });

    it('still trusts the NODE_EXTRA_CA_CERTS certificates for the registry over TLS', async () => {
      const certificates = makeTestCertificates();
      const requests: string[] = [];
      // A registry that knows no repository (as a registry that creates repositories on push says before the first).
      const registry = await startTlsServer(certificates, (req, res) => {
        requests.push(`${req.method} ${req.url}`);
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] }));
      });
      const publish = (extra: NodeJS.ProcessEnv) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(LAUNCHER, ['publish', '--dry-run', '--json', '--context', FIXTURE, '--registry', registry.url],
          { env: { ...env(), IMAGE_REGISTRY_USERNAME: 'user', IMAGE_REGISTRY_PASSWORD: 'not-a-secret', ...extra } },
          (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }));
      });
      try {
        const untrusted = await publish({});
        expect(untrusted.code).not.toBe(0);
        expect(untrusted.stderr.replace(/src-[0-9a-f]{16}/, 'src-…')).toBe('error: the registry\'s TLS certificate is not trusted here '
          + `(UNABLE_TO_VERIFY_LEAF_SIGNATURE) (${registry.url}/v2/blog-data/manifests/src-…): if a proxy or a private CA signs it, `
          + 'name that CA\'s certificate file in NODE_EXTRA_CA_CERTS; else check the registry address (--registry / IMAGE_REGISTRY)\n');
        requests.length = 0;
        const trusted = await publish({ NODE_EXTRA_CA_CERTS: certificates.caFile });
        expect(trusted.stderr).toBe('');
        expect(trusted.code).toBe(0);
        expect(JSON.parse(trusted.stdout)).toMatchObject({ status: 'planned', pushed: false });
        expect(requests.length).toBeGreaterThan(0);
      } finally {
        await registry.close();
        certificates.remove();
      }
    });
  });
});
