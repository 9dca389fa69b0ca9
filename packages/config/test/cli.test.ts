import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BIN = join(__dirname, '..', 'bin', 'platform-config.js');

/** Runs the built CLI (the test target depends on build) with only the given PLATFORM_* vars. */
function run(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PLATFORM_') && k !== 'FORCE_COLOR'));
  return spawnSync(process.execPath, [BIN, ...args], { env: { ...clean, ...env }, encoding: 'utf8' });
}

describe('platform-config CLI', () => {
  it('shows the selected environment as JSON', () => {
    const res = run(['show', '--env', 'staging', '--json']);
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ env: 'staging', prefect: { workPool: 'blog-data-pool' } });
  });

  it('prints a readable summary', () => {
    const res = run(['show', '--env', 'prod']);
    expect(res.status).toBe(0);
    expect(res.stdout).toMatch(/Aurora\s+PostgreSQL 15\.13, 0\.5–1 ACU/);
  });

  it('exits 2 with one error line per problem, naming the override of a cross-field rule (README example)', () => {
    const res = run(['show'], { PLATFORM_ENV: 'prod', PLATFORM_AURORA__MIN_ACU: '2' });
    expect(res.status).toBe(2);
    expect(res.stderr.trim().split('\n')).toEqual([
      'error: prod.aurora.maxAcu: must be ≥ minAcu (2) (from PLATFORM_AURORA__MIN_ACU): change or unset PLATFORM_AURORA__MIN_ACU',
    ]);
  });

  it('says malformed JSON in an override is not JSON', () => {
    const res = run(['show'], { PLATFORM_NETWORK: "{'mode': 'existing'}" });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/^error: dev\.network: not valid JSON \(.+\) \(from PLATFORM_NETWORK\): write the object as JSON/);
    expect(res.stderr).not.toContain('expected object, received string');
  });

  it('validate checks every environment', () => {
    expect(run(['validate']).stdout).toBe('ok: dev, staging, prod are valid\n');
    expect(run(['validate'], { PLATFORM_AWS__REGION: 'x' }).status).toBe(2);
  });

  it('--help exits 0 and lists the commands', () => {
    for (const args of [['--help'], ['show', '--help']]) {
      const res = run(args);
      expect(res.status).toBe(0);
      expect(res.stdout).toContain('Usage: platform-config');
    }
  });

  it('a mistyped environment is a usage error (exit 2) listing the valid ones', () => {
    const res = run(['show', '--env', 'prd']);
    expect(res.status).toBe(2);
    expect(res.stderr).toBe('error: unknown environment "prd" (--env): pass --env dev|staging|prod\n');
  });

  it('--env without a value is a usage error, not the default environment', () => {
    const res = run(['show', '--env']);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/^error: option '--env <env>' argument missing \(command line\)/);
    expect(res.stdout).toBe('');
  });

  it('exits 2 on an unknown command', () => {
    const res = run(['frobnicate']);
    expect(res.status).toBe(2);
    expect(res.stderr).toBe("error: unknown command 'frobnicate' (command line): see `platform-config --help`\n");
  });
});
