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
  const credentials = { accessKeyId: environ.AWS_ACCESS_KEY_ID!, secretAccessKey: environ.AWS_SECRET_ACCESS_KEY! };
  const secretsClient = () => new SecretsManagerClient({ endpoint, region, credentials });
  /** A Query API call's headers, signed only enough for moto to pick the service and region. */
  const queryHeaders = {
    'content-type': 'application/x-www-form-urlencoded',
    'authorization': `AWS4-HMAC-SHA256 Credential=test/20261129/${region}/elasticache/aws4_request, SignedHeaders=host, Signature=0`,
  };
  type Attributes = Record<string, unknown>;
  /** The platform stack's state: the attributes of every resource of a type. */
  const readState = () => {
    type StateResource = { type: string; instances: { attributes: Attributes }[] };
    const state = JSON.parse(fs.readFileSync(path.join(outdir, 'state', 'blog-data-dev-platform.tfstate'), 'utf8')) as { resources: StateResource[] };
    return (type: string) => state.resources.filter((r) => r.type === type).flatMap((r) => r.instances.map((i) => i.attributes));
  };

  /** What the scale-out apply created, from the state and from the emulator. */
  async function expectScaleOut(attributesOf: (type: string) => Attributes[], outputs: Record<string, { value: unknown }>) {
    // RBAC: the group's `default` user is off, Prefect connects as `prefect` with a password.
    const users = attributesOf('aws_elasticache_user').map((u) => `${String(u.user_name)} ${String(u.access_string)} ${String((u.authentication_mode as Attributes[])[0].type)}`);
    expect(users.sort()).toEqual(['default off -@all password', 'prefect on ~* &* +@all -@dangerous password']);
    const [group] = attributesOf('aws_elasticache_user_group');
    expect((group.user_ids as string[]).sort()).toEqual(['blog-data-dev-prefect-app', 'blog-data-dev-prefect-default']);
    // Dev's Redis is serverless (TLS only), encrypted with the platform key, in its own security group.
    const [cache] = attributesOf('aws_elasticache_serverless_cache');
    const [redisGroup] = attributesOf('aws_security_group').filter((g) => String(g.name).startsWith('blog-data-dev-redis-'));
    expect(cache).toMatchObject({ name: 'blog-data-dev-prefect', engine: 'valkey', status: 'available', user_group_id: group.user_group_id, security_group_ids: [redisGroup.id] });
    expect(cache.kms_key_id).toMatch(/^arn:aws:kms:/);
    // The group admits 6379 from the server and services tasks' groups, and nothing else.
    const groupIds = Object.fromEntries(attributesOf('aws_security_group').map((g) => [String(g.id), String(g.name).replace(/^blog-data-dev-|-[^-]+$/g, '')]));
    const admitted = attributesOf('aws_vpc_security_group_ingress_rule').filter((r) => r.security_group_id === redisGroup.id)
      .map((r) => `${String(r.from_port)} from ${groupIds[String(r.referenced_security_group_id)] ?? String(r.cidr_ipv4)}`);
    expect(admitted.sort()).toEqual(['6379 from server', '6379 from services']);
    // Docket's URL (a secret) names the cache's endpoint over TLS (rediss://), as prefect user.
    const [cacheEndpoint] = cache.endpoint as Attributes[];
    const docket = attributesOf('aws_secretsmanager_secret').find((sct) => String(sct.name).endsWith('/prefect-docket-url'))!;
    const url = (await secretsClient().send(new GetSecretValueCommand({ SecretId: String(docket.arn) }))).SecretString ?? '';
    expect(url.replace(/:[A-Za-z0-9]{64}@/, ':<password>@')).toBe(`rediss://prefect:<password>@${String(cacheEndpoint.address)}:6379/1`);
    // The background services run as their own service; the API servers track CPU (no ALB: no request target).
    // (Their task counts are the scalable targets' to set: the schedule's and the autoscaling's.)
    expect(attributesOf('aws_ecs_service').map((svc) => svc.name).sort()).toEqual(['prefect-server', 'prefect-services', 'prefect-worker']);
    expect(attributesOf('aws_appautoscaling_policy').map((pol) => pol.name)).toEqual(['blog-data-dev-api-cpu']);
    expect(attributesOf('aws_appautoscaling_target').map((t) => t.resource_id).sort())
      .toEqual(['server', 'services', 'worker'].map((svc) => `service/prefect-dev/prefect-${svc}`));
    // The schedule's morning action starts the API between its min and max replicas. (The targets'
    // own bounds are the schedule's to move, so terraform ignores them: a target made in the single
    // mode keeps 1-1 until that action runs.)
    const starts = attributesOf('aws_appautoscaling_scheduled_action').filter((a) => String(a.name).endsWith('-start'))
      .map((a) => { const [b] = a.scalable_target_action as Attributes[]; return `${String(a.name)} ${String(b.min_capacity)}-${String(b.max_capacity)}`; });
    expect(starts.sort()).toEqual(['blog-data-dev-server-start 2-4', 'blog-data-dev-services-start 1-1', 'blog-data-dev-worker-start 1-1']);
    // The emulator answers for the group as ElastiCache's Query API does.
    const described = await (await fetch(endpoint!, { method: 'POST', headers: queryHeaders, body: `Action=DescribeUserGroups&Version=2015-02-02&UserGroupId=${String(group.user_group_id)}` })).text();
    expect(described).toMatch(/<ServerlessCaches>\s*<member>blog-data-dev-prefect<\/member>\s*<\/ServerlessCaches>/);
    expect(described).toContain('<Status>active</Status>');
    expect(outputs.services_task_definition_arn?.value).toMatch(/:task-definition\/blog-data-dev-services:/);
  }

  run('applies dev, plans no changes, re-applies it scaled out, then destroys cleanly', async () => {
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
    const attributesOf = readState();
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
    const secrets = secretsClient();
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

    // The scale-out mode, as a team switches to it: the same platform stack re-applied with
    // PLATFORM_SCALE__MODE=scale-out (an update, not a second platform) adds Redis (the emulator
    // launcher adds ElastiCache's user groups and serverless caches, which moto lacks), the
    // background-services service and the API servers' autoscaling. (A real switch applies the
    // bootstrap stack first, for the deploy role's ElastiCache statements; moto evaluates no IAM.)
    const scaleOut = { ...environ, PLATFORM_SCALE__MODE: 'scale-out' };
    const scaled = await runCommand(options(['apply', '--auto-approve', '--stack', 'platform', '--outputs-file', outputsFile]), scaleOut);
    expect({ ok: scaled.ok, log: scaled.ok ? '' : explain(scaled) }).toEqual({ ok: true, log: '' });
    const scaledOutputs = JSON.parse(fs.readFileSync(outputsFile, 'utf8')) as Record<string, { value: unknown }>;
    expect(() => parseInfraOutputs(platformOutputsSchema, scaledOutputs, outputsFile)).not.toThrow();
    expect(scaledOutputs.services_service_name?.value).toBe('prefect-services');
    await expectScaleOut(readState(), scaledOutputs);
    expect(scaled.stacks.filter((st) => (st.log ?? '').includes(password)).map((st) => st.stack)).toEqual([]);

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
