import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '..', 'bin', 'platform-config.js');

/** Runs the built CLI (the test target depends on build) with only the given PLATFORM_* vars. */
function run(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PLATFORM_')));
  return spawnSync(process.execPath, [BIN, ...args], { env: { ...clean, ...env }, encoding: 'utf8' });
}

describe('platform-config CLI', () => {
  it('shows the selected environment as JSON', () => {
    const out = execFileSync(process.execPath, [BIN, 'show', '--env', 'staging', '--json'], { encoding: 'utf8' });
    expect(JSON.parse(out)).toMatchObject({ env: 'staging', prefect: { workPool: 'blog-data-pool' } });
  });

  it('prints a readable summary', () => {
    const res = run(['show', '--env', 'prod']);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/Aurora\s+PostgreSQL 15\.13, 0\.5–1 ACU/);
  });

  it('exits 1 with one error line per problem', () => {
    const res = run(['show'], { PLATFORM_ENV: 'prod', PLATFORM_AURORA__MIN_ACU: '2' });
    expect(res.status).toBe(1);
    expect(res.stderr.trim().split('\n')).toEqual(['error: prod.aurora.maxAcu: must be ≥ minAcu (2)']);
  });

  it('validate checks every environment', () => {
    expect(run(['validate']).stdout).toBe('ok: dev, staging, prod are valid\n');
    expect(run(['validate'], { PLATFORM_AWS__REGION: 'x' }).status).toBe(1);
  });

  it('exits 2 with usage on an unknown command', () => {
    const res = run(['frobnicate']);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('usage: platform-config');
  });
});
