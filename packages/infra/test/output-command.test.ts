import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureIo } from '@blog-data/cli-kit';
import { EXAMPLE_PLATFORM_OUTPUTS } from '@blog-data/test-support';
import { offlineTerraformEnv } from './terraform';
import { main } from '../src/cli';

/** A complete set of platform outputs as the contract wants them. */
const OUTPUTS: Record<string, unknown> = { ...EXAMPLE_PLATFORM_OUTPUTS };

/** A local-backend state file holding these outputs, where `--backend local` looks for it. */
function writeState(outdir: string, outputs: Record<string, unknown>): void {
  const file = path.join(outdir, 'state', 'blog-data-dev-platform.tfstate');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const typed = Object.fromEntries(
    Object.entries(outputs).map(([k, value]) => [k, { value, type: Array.isArray(value) ? ['list', 'string'] : typeof value === 'boolean' ? 'bool' : 'string' }]),
  );
  fs.writeFileSync(file, JSON.stringify({ version: 4, terraform_version: '1.11.4', serial: 1, lineage: 'test', outputs: typed, resources: [], check_results: null }));
}

describe('platform-infra output (real terraform, offline)', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-output-'));
  const env = offlineTerraformEnv(work);
  const run = env ? it : it.skip;
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  async function output(outdir: string, ...extra: string[]) {
    const io = { ...captureIo(env!), cwd: work };
    const code = await main(['output', '--env', 'dev', '--backend', 'local', '--outdir', outdir, ...extra], io);
    return { code, stdout: io.stdout.text, stderr: io.stderr.text };
  }

  run('with no state: fails with one clear line, non-zero, and nothing on stdout', async () => {
    const result = await output(path.join(work, 'empty'));
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toEqual([
      `error: no outputs in the state of blog-data-dev-platform (${path.join(work, 'empty', 'state', 'blog-data-dev-platform.tfstate')}): apply it first (platform-infra apply --env dev), or check --env and --backend`,
    ]);
  });

  run('prints only the outputs JSON on stdout (terraform init chatter stays off it)', async () => {
    const outdir = path.join(work, 'full');
    writeState(outdir, OUTPUTS);
    const result = await output(outdir);
    expect({ code: result.code, error: result.stderr.match(/^error: .*/m)?.[0] }).toEqual({ code: 0, error: undefined });
    // stderr holds only the settings' warnings (dev's alarms reach nobody), never terraform's chatter.
    expect(result.stderr.trim().split('\n').filter((line) => !line.startsWith('warning: '))).toEqual([]);
    const parsed = JSON.parse(result.stdout) as Record<string, { value: unknown }>;
    expect(Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v.value]))).toEqual(OUTPUTS);
  });

  run('refuses outputs that break the contract, naming the field', async () => {
    const outdir = path.join(work, 'broken');
    writeState(outdir, { ...OUTPUTS, vpc_id: 'not-a-vpc' });
    const result = await output(outdir, '--outputs-file', path.join(work, 'out.json'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: vpc_id: must be a vpc-… id \(blog-data-dev-platform outputs/);
    expect(fs.existsSync(path.join(work, 'out.json'))).toBe(false);
  });
});
