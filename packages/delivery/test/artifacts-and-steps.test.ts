import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@blog-data/config';
import { EXAMPLE_PLATFORM_OUTPUTS } from '@blog-data/test-support';
import { ARTIFACT_FILES, flowsApplyRun, main, pushedImageSchema, readApiAuth, readArtifact, readInfraOutputs, runStep, StepContext } from '../src';

const config = loadConfig({ env: 'staging', environ: {} });
const scratch = () => mkdtempSync(join(tmpdir(), 'delivery-'));
const ctx = (root: string): StepContext => ({ root, config, dryRun: false, profiles: { deploy: 'blog-data-deploy' }, log: () => {} });
const digest = `sha256:${'a'.repeat(64)}`;

describe('artifacts between the steps', () => {
  it('says what to run when infra outputs are missing (a first deploy)', () => {
    expect(() => readInfraOutputs(scratch(), 'staging')).toThrow(
      '.deploy/infra-outputs.json does not exist (.deploy/infra-outputs.json): the platform stack has no outputs here yet: run `pnpm nx run infra:deploy --configuration=staging` first',
    );
  });

  it('names the file and the missing output', () => {
    const root = scratch();
    mkdirSync(join(root, '.deploy'));
    const some = Object.fromEntries(Object.entries(EXAMPLE_PLATFORM_OUTPUTS).filter(([n]) => n !== 'api_auth_secret_arn').map(([n, value]) => [n, { value, type: 'string' }]));
    writeFileSync(join(root, ARTIFACT_FILES.infraOutputs), JSON.stringify(some));
    expect(() => readInfraOutputs(root, 'staging')).toThrow(/^\.deploy\/infra-outputs\.json: api_auth_secret_arn /);
  });

  it('refuses an image result without a pushed digest', () => {
    const root = scratch();
    mkdirSync(join(root, '.deploy'));
    writeFileSync(join(root, ARTIFACT_FILES.image), JSON.stringify({ image: 'prefect-base', repository: 'r/blog-data' }));
    expect(() => readArtifact(root, ARTIFACT_FILES.image, pushedImageSchema, 'x')).toThrow(/^\.deploy\/image\.json: digest /);
    writeFileSync(join(root, ARTIFACT_FILES.image), JSON.stringify({ image: 'prefect-base', repository: 'r/blog-data', digest }));
    expect(readArtifact(root, ARTIFACT_FILES.image, pushedImageSchema, 'x').digest).toBe(digest);
  });
});

describe('the image step', () => {
  it('publishes both images with the ECR push profile, each to the artifact infra reads', async () => {
    const lines: string[] = [];
    await runStep('image-builder', { ...ctx(scratch()), dryRun: true, profiles: { deploy: 'blog-data-deploy', ecrPush: 'blog-data-ecr-push' }, log: (l) => lines.push(l) });
    expect(lines).toEqual([
      'image-builder: publish prefect-base and the flows-deployer image',
      '  would run: AWS_PROFILE=… node packages/image-builder/bin/image-builder.js publish --env staging --image prefect-base --output .deploy/image.json',
      '  would run: AWS_PROFILE=… node packages/image-builder/bin/image-builder.js publish --env staging --image flows-deployer --context . ' +
        '--dockerfile docker/flows-deployer/Dockerfile --output .deploy/deployer-image.json',
    ]);
  });
});

describe('the flows step', () => {
  it('passes the API secret to the deployer through its environment only', () => {
    const run = flowsApplyRun(ctx(scratch()), 'prefect:s3cr3t');
    expect(run.env).toEqual({ AWS_PROFILE: 'blog-data-deploy', PREFECT_API_AUTH_STRING: 'prefect:s3cr3t' });
    expect(run.args.join(' ')).not.toContain('s3cr3t');
    expect(run.args).toEqual(expect.arrayContaining(['apply', '--env', 'staging', '--prune', '--infra-outputs', '.deploy/infra-outputs.json']));
  });

  it('reads the secret with the SDK and never puts it in an error', async () => {
    const ok = { send: async () => ({ SecretString: 'prefect:s3cr3t' }) };
    await expect(readApiAuth(ok as never, 'arn:secret')).resolves.toBe('prefect:s3cr3t');
    const denied = { send: async () => { throw new Error('User is not authorized to perform secretsmanager:GetSecretValue'); } };
    await expect(readApiAuth(denied as never, 'arn:secret'))
      .rejects.toThrow(/cannot read the API auth secret: User is not authorized .*\(arn:secret\): check the deploy role/);
  });
});

describe('platform-deploy', () => {
  const run = async (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    let out = '';
    let err = '';
    const root = scratch();
    const io = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env, cwd: root, root };
    const code = await main(argv, io);
    return { code, out, err };
  };

  it('refuses placeholder identities outside the emulator, one line per field', async () => {
    const res = await run(['step', 'infra', '--env', 'prod']);
    expect(res.code).toBe(2);
    expect(res.err.trim().split('\n')).toHaveLength(4);
    expect(res.err).toContain('error: prod.circleci.projectId: "00000000-0000-0000-0000-000000000000" is a placeholder');
  });

  it('stops the flows step on a first deploy with what to run', async () => {
    const res = await run(['step', 'flows-deployer', '--env', 'dev', '--dry-run'], { AWS_ENDPOINT_URL: 'http://127.0.0.1:1' });
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^error: \.deploy\/infra-outputs\.json does not exist .*run `pnpm nx run infra:deploy --configuration=dev` first/);
  });

  it('refuses an unknown project', async () => {
    const res = await run(['step', 'ops', '--env', 'dev'], { AWS_ENDPOINT_URL: 'http://127.0.0.1:1' });
    expect(res).toMatchObject({ code: 2, err: 'error: unknown project "ops" (platform-deploy step): use one of image-builder, infra, flows-deployer\n' });
  });
});
