import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { loadConfig } from '@blog-data/config';
import { describeWithServices, EXAMPLE_PLATFORM_OUTPUTS, freeLoopbackPort } from '@blog-data/test-support';
import { ARTIFACT_FILES, writeArtifact } from '../src';

/** The workspace: its packages and apps (the deployer's bin) are linked into each scratch root. */
const workspace = resolve(__dirname, '..', '..', '..');
const PASSWORD = 'hunter2-in-the-url';
const API_SECRET = 'prefect:api-secret-from-secrets-manager';

/**
 * Issue 12 (7): `platform-deploy step flows-deployer` with credentials in the Prefect API URL (the
 * `prefect_api_url` output or PREFECT_API_URL) and the API secret read from the AWS emulator:
 * nothing the user sees — platform-deploy's own lines and the deployer's, which share its
 * terminal — carries the URL's password or the secret, when the server is unreachable.
 */
describeWithServices('platform-deploy with credentials in URLs', ['AWS_ENDPOINT_URL'], ({ AWS_ENDPOINT_URL }) => {
  const config = loadConfig({ env: 'dev', environ: {} });
  const deployerCli = join(workspace, 'apps', 'flows-deployer', 'lib', 'cli.js');
  let secretArn: string;

  beforeAll(async () => {
    // The deployer's bin runs its compiled lib: delivery's test target builds flows-deployer first (projenrc).
    if (!existsSync(deployerCli)) throw new Error(`${deployerCli} is missing: run \`pnpm nx build flows-deployer\` first`);
    const secrets = new SecretsManagerClient({ region: config.aws.region, endpoint: AWS_ENDPOINT_URL });
    const created = await secrets.send(new CreateSecretCommand({ Name: `blog-data-dev/prefect-api-auth-redaction-${Date.now()}`, SecretString: API_SECRET }));
    secretArn = created.ARN!;
  });

  /** Runs the step in a child (so the deployer's output, which it inherits, is captured too). */
  async function step(apiUrlOutput: string, environ: NodeJS.ProcessEnv = {}) {
    const root = mkdtempSync(join(tmpdir(), 'delivery-redaction-'));
    symlinkSync(join(workspace, 'packages'), join(root, 'packages'));
    symlinkSync(join(workspace, 'apps'), join(root, 'apps'));
    writeArtifact(root, ARTIFACT_FILES.infraOutputs, { ...EXAMPLE_PLATFORM_OUTPUTS, api_auth_secret_arn: secretArn, prefect_api_url: apiUrlOutput });
    const script = `require(${JSON.stringify(join(__dirname, '..', 'lib', 'cli.js'))}).main(['step', 'flows-deployer', '--env', 'dev'], { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), root: process.cwd() }).then((c) => { process.exitCode = c; })`;
    const child = spawnSync(process.execPath, ['-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        PATH: process.env.PATH,
        AWS_ENDPOINT_URL,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_REGION: config.aws.region,
        AWS_EC2_METADATA_DISABLED: 'true',
        PLATFORM_ENV: 'dev',
        FLOWS_DEPLOYER_HEALTH_TIMEOUT: '1',
        ...environ,
      },
    });
    return { code: child.status, stdout: child.stdout, stderr: child.stderr };
  }

  it('keeps the password of the prefect_api_url output and the API secret out of every line', async () => {
    const run = await step(`http://blog:${PASSWORD}@127.0.0.1:${await freeLoopbackPort()}/api`);
    expect(run.stderr).toMatch(/error: Prefect API not healthy after \d+s .*\(GET http:\/\/127\.0\.0\.1:\d+\/api\/health\)/);
    expect(run.stderr).toMatch(/error: apps\/flows-deployer\/bin\/flows-deployer\.js apply failed \(exit 1\)/);
    expect(run.code).toBe(1);
    for (const text of [run.stdout, run.stderr]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(API_SECRET);
    }
  });

  it('keeps the password of PREFECT_API_URL out of every line, also when the URL is invalid', async () => {
    const port = await freeLoopbackPort();
    for (const url of [`http://blog:${PASSWORD}@127.0.0.1:${port}/api`, `http://blog:${PASSWORD}@127.0.0.1:${port}/not-api`]) {
      const run = await step(`http://127.0.0.1:${port}/api`, { PREFECT_API_URL: url });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/error: (Prefect API not healthy|PREFECT_API_URL must end in \/api: "http:\/\/\*\*\*@127\.0\.0\.1)/);
      for (const text of [run.stdout, run.stderr]) {
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(API_SECRET);
      }
    }
  });
});
