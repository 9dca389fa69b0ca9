import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { REAL_IDENTITY_ENV } from './helpers';
import { parseArgs, runCommand } from '../src/cli';

/**
 * A stand-in `terraform` on PATH: `version` and `init` succeed, `destroy` fails the first time
 * it runs in a stack directory (as moto's InvalidPermission.NotFound race does) and then succeeds.
 */
function fakeTerraform(dir: string): string {
  const script = path.join(dir, 'terraform');
  writeFileSync(
    script,
    `#!/usr/bin/env bash
case "$1" in
  version) echo '{"terraform_version":"1.11.4"}' ;;
  init) exit 0 ;;
  destroy)
    echo "destroy $(basename "$PWD")" >> "${dir}/calls"
    if [ ! -f .failed-once ]; then touch .failed-once; echo "Error: InvalidPermission.NotFound" >&2; exit 1; fi ;;
esac
`,
  );
  chmodSync(script, 0o755);
  return dir;
}

describe('destroy against the AWS emulator', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'infra-destroy-'));
    fakeTerraform(dir);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const destroy = (environ: NodeJS.ProcessEnv) =>
    runCommand(
      { ...parseArgs(['destroy', '--env', 'dev', '--backend', 'local', '--auto-approve', '--outdir', path.join(dir, 'out')]), terraformOutput: 'capture' },
      { PATH: `${dir}:${process.env.PATH}`, ...environ },
    );
  const calls = () => readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');

  it("retries a failed destroy once, since moto's rule race is not a real failure", async () => {
    const result = await destroy({ AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
    expect(result.ok).toBe(true);
    expect(calls()).toEqual([
      'destroy blog-data-dev-platform',
      'destroy blog-data-dev-platform',
      'destroy blog-data-dev-bootstrap',
      'destroy blog-data-dev-bootstrap',
    ]);
  });

  it('never retries against real AWS: the first failure stops the command', async () => {
    const result = await destroy({ ...REAL_IDENTITY_ENV });
    expect(result.ok).toBe(false);
    expect(calls()).toEqual(['destroy blog-data-dev-platform']);
  });
});
