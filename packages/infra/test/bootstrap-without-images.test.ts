import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureIo } from '@blog-data/cli-kit';
import { main } from '../src/cli';

/**
 * An admin's first bootstrap of an account (README, "Deploy to AWS for real", step 2) comes before
 * any image can be published (the ECR repository is in the bootstrap stack): `--stack bootstrap`
 * must not ask for image digests, while anything that would register task definitions still does.
 */
describe('platform-infra --stack bootstrap before any image exists', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-bootstrap-'));
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  // No PLATFORM_IMAGE__* digests and no --image-result: the state of a new account.
  const synth = async (...extra: string[]) => {
    const io = { ...captureIo({}), cwd: work };
    const code = await main(['synth', '--env', 'prod', '--outdir', path.join(work, 'cdktf.out'), ...extra], io);
    return { code, stderr: io.stderr.text };
  };

  it('synthesizes the bootstrap stack without digests', async () => {
    const result = await synth('--stack', 'bootstrap');
    expect({ code: result.code, errors: result.stderr.split('\n').filter((line) => line.startsWith('error')) }).toEqual({ code: 0, errors: [] });
    expect(fs.existsSync(path.join(work, 'cdktf.out', 'stacks', 'blog-data-prod-bootstrap', 'cdk.tf.json'))).toBe(true);
  });

  it('still refuses the platform stack without digests, naming the setting', async () => {
    const result = await synth('--stack', 'platform');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: prod\.image\.digest: task definitions run images by digest only/m);
  });
});
