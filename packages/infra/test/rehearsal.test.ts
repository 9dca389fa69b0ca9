import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseInfraOutputs } from '@blog-data/config';
import { requireService } from '@blog-data/test-support';
import { TEST_DIGEST_ENV } from './helpers';
import { offlineTerraformEnv } from './terraform';
import { CliOptions, CommandResult, parseArgs, runCommand } from '../src/cli';
import { platformOutputsSchema } from '../src/outputs';

/**
 * The local rehearsal of one environment against the AWS emulator (moto):
 * `platform-infra apply --backend local` of dev's bootstrap and platform
 * stacks, a second plan that must show no changes, then destroy.
 * Its own region keeps it apart from other tests sharing the emulator.
 */
describe('rehearsal against the AWS emulator', () => {
  const endpoint = requireService('AWS_ENDPOINT_URL', 'run `eval "$(scripts/test-services.sh env)"` (moto)');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-rehearsal-'));
  const tfEnv = endpoint ? offlineTerraformEnv(work) : undefined;
  const run = endpoint && tfEnv ? it : it.skip;

  const region = 'eu-north-1';
  const environ: NodeJS.ProcessEnv = {
    ...tfEnv,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    // The emulator's account; the config's ARNs must match what it creates.
    PLATFORM_AWS__ACCOUNT_ID: '123456789012',
    PLATFORM_AWS__REGION: region,
    // What image-builder publishes in the real flow (moto's ECR cannot take layer uploads).
    ...TEST_DIGEST_ENV,
  };
  const outdir = path.join(work, 'cdktf.out');
  const outputsFile = path.join(work, 'outputs.json');
  const options = (argv: string[]): CliOptions => ({
    ...parseArgs([...argv, '--env', 'dev', '--backend', 'local', '--outdir', outdir]),
    terraformOutput: 'capture',
  });
  /** Every file under a directory (state, plan and synthesized files), as text. */
  const filesUnder = (dir: string): [string, string][] =>
    fs.readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !e.parentPath.includes(`${path.sep}.terraform`))
      .map((e) => [path.join(e.parentPath, e.name), fs.readFileSync(path.join(e.parentPath, e.name), 'utf8')]);
  const explain = (r: CommandResult) => r.stacks.map((s) => `${s.stack} exit ${s.exitCode}\n${(s.log ?? '').slice(-3000)}`).join('\n');
  let applied = false;

  run('applies dev, then plans no changes, then destroys cleanly', async () => {
    const apply = await runCommand(options(['apply', '--auto-approve', '--outputs-file', outputsFile]), environ);
    applied = true;
    expect({ ok: apply.ok, log: apply.ok ? '' : explain(apply) }).toEqual({ ok: true, log: '' });
    expect(apply.emulator).toBe(true);

    const outputs = JSON.parse(fs.readFileSync(outputsFile, 'utf8')) as Record<string, { value: unknown; sensitive: boolean }>;
    // Every output but the scale-out mode's (dev rehearses the single server).
    const singleMode = Object.entries(platformOutputsSchema.shape).filter(([, field]) => !field.safeParse(undefined).success).map(([name]) => name);
    expect(Object.keys(outputs).sort()).toEqual(singleMode.sort());
    // What the emulator really produced satisfies the contract every consumer parses with.
    expect(() => parseInfraOutputs(platformOutputsSchema, outputs, outputsFile)).not.toThrow();
    expect(outputs.ecs_cluster_arn.value).toBe(`arn:aws:ecs:${region}:123456789012:cluster/prefect-dev`);
    expect(outputs.task_subnet_ids.value).toEqual([expect.stringMatching(/^subnet-/), expect.stringMatching(/^subnet-/)]);
    expect(outputs.assign_public_ip.value).toBe(true);
    // Dev's default endpoint is private: no load balancer, the server's Cloud Map name (moto has Cloud Map).
    expect(outputs.endpoint.value).toBe('private');
    expect(outputs.prefect_api_url.value).toBe('http://prefect-server.blog-data-dev.internal:4200/api');
    expect(outputs.api_auth_secret_arn.value).toMatch(new RegExp(`^arn:aws:secretsmanager:${region}:123456789012:secret:blog-data-dev/prefect-api-auth-`));
    expect(Object.values(outputs).every((o) => o.sensitive === false)).toBe(true);
    expect(fs.existsSync(path.join(outdir, 'state', 'blog-data-dev-platform.tfstate'))).toBe(true);

    // The TLS-only policy is in force on the bucket (the emulator stands for S3's HTTPS endpoint,
    // where it refuses nothing: packages/test-support/emulator/moto_server.py).
    const policy = await fetch(`${endpoint}/${outputs.flow_storage_bucket.value as string}?policy`);
    type Statement = { Effect: string; Action: string; Condition?: { Bool?: Record<string, unknown> } };
    const statements = (JSON.parse(await policy.text()) as { Statement: Statement[] }).Statement;
    const described = statements.map((st) => `${st.Effect} ${st.Action} SecureTransport=${String(st.Condition?.Bool?.['aws:SecureTransport'])}`);
    expect(described).toEqual(['Deny s3:* SecureTransport=false']);

    // The schedule that scales dev to zero at night is applied too (the emulator launcher adds
    // Application Auto Scaling's tagging calls, which moto lacks); moto never runs the actions.
    type StateResource = { type: string; instances: { attributes: Record<string, unknown> }[] };
    const state = JSON.parse(fs.readFileSync(path.join(outdir, 'state', 'blog-data-dev-platform.tfstate'), 'utf8')) as { resources: StateResource[] };
    const attributesOf = (type: string) => state.resources.filter((r) => r.type === type).flatMap((r) => r.instances.map((i) => i.attributes));
    expect(attributesOf('aws_appautoscaling_target').map((a) => a.resource_id).sort())
      .toEqual(['service/prefect-dev/prefect-server', 'service/prefect-dev/prefect-worker']);
    const actions = attributesOf('aws_appautoscaling_scheduled_action').map((a) => `${String(a.name)} ${String(a.timezone)}`).sort();
    expect(actions).toEqual(['server-start', 'server-stop', 'worker-start', 'worker-stop'].map((n) => `blog-data-dev-${n} Europe/London`));

    // What deploy-affected does when infra was not deployed: read the outputs back from the state.
    const reread = await runCommand(options(['output']), environ);
    expect(reread.outputs).toEqual(outputs);
    expect(reread.stacks.map((st) => st.stack)).toEqual(['blog-data-dev-platform']);

    const plan = await runCommand(options(['plan']), environ);
    expect({ ok: plan.ok, log: plan.ok ? '' : explain(plan) }).toEqual({ ok: true, log: '' });
    const drift = plan.stacks.filter((s) => s.changes).map((s) => `${s.stack}\n${s.log ?? ''}`);
    expect(drift).toEqual([]);
    expect(plan.stacks.map((s) => s.changes)).toEqual([false, false]);

    // The API password never appears in a plan, an apply log, the state or the outputs: read it
    // back from the emulator, then search every log and every file terraform wrote.
    const credentials = { accessKeyId: environ.AWS_ACCESS_KEY_ID!, secretAccessKey: environ.AWS_SECRET_ACCESS_KEY! };
    const secrets = new SecretsManagerClient({ endpoint, region, credentials });
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: outputs.api_auth_secret_arn.value as string }));
    const [user, password] = (secret.SecretString ?? '').split(':');
    expect(user).toBe('prefect');
    expect(password).toMatch(/^[A-Za-z0-9]{40}$/);
    const logs = [apply, plan].flatMap((r) => r.stacks.map((st): [string, string] => [`${r.command} ${st.stack}`, st.log ?? '']));
    expect(logs.map(([, log]) => log.length).every((n) => n > 0)).toBe(true);
    const written = [...filesUnder(outdir), [outputsFile, fs.readFileSync(outputsFile, 'utf8')] as [string, string]];
    expect(written.some(([file]) => file.endsWith('blog-data-dev-platform.tfstate'))).toBe(true);
    const leaks = [...logs, ...written].filter(([, text]) => text.includes(password)).map(([where]) => where);
    expect(leaks).toEqual([]);

    const destroy = await runCommand(options(['destroy', '--auto-approve']), environ);
    applied = !destroy.ok;
    expect({ ok: destroy.ok, log: destroy.ok ? '' : explain(destroy) }).toEqual({ ok: true, log: '' });
    expect(destroy.stacks.map((s) => s.stack)).toEqual(['blog-data-dev-platform', 'blog-data-dev-bootstrap']);
    // The teardown's log holds the password no more than the rest.
    expect(destroy.stacks.filter((st) => (st.log ?? '').includes(password)).map((st) => st.stack)).toEqual([]);
  }, 40 * 60_000);

  afterAll(async () => {
    // A failed run must not leave resources behind in the shared emulator.
    if (applied) await runCommand(options(['destroy', '--auto-approve']), environ).catch(() => undefined);
    fs.rmSync(work, { recursive: true, force: true });
  });
});
