import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { captureIo } from '@blog-data/cli-kit';
import { ConfigError, loadConfig } from '@blog-data/config';
import { App, TerraformStack } from 'cdktf';
import { TEST_DIGEST_ENV, configFor } from './helpers';
import { buildApp } from '../src/app';
import { main } from '../src/cli';
import { Alarms } from '../src/constructs/alarms';
import { ApiAuthSecret } from '../src/constructs/api-auth';
import { containerDefinitions } from '../src/constructs/container';
import { Database } from '../src/constructs/database';
import { FargateTask } from '../src/constructs/fargate-task';
import { EncryptionKey } from '../src/constructs/kms-key';
import { LoadBalancer } from '../src/constructs/load-balancer';
import { LogGroups } from '../src/constructs/log-groups';
import { Network } from '../src/constructs/network';
import { SecurityGroups } from '../src/constructs/security-groups';

function scope(): TerraformStack {
  return new TerraformStack(new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'infra-v-')) }), 'test');
}

async function runCli(argv: string[], environ: NodeJS.ProcessEnv = {}) {
  // Published digests unless a test says otherwise (task definitions need them).
  const merged = Object.entries({ ...TEST_DIGEST_ENV, ...environ }).filter(([, value]) => value !== undefined);
  const io = captureIo(Object.fromEntries(merged));
  const code = await main(argv, io);
  return { code, out: io.stdout.text, err: io.stderr.text };
}

describe('bad settings', () => {
  it('rejects a domain without a hosted zone', () => {
    expect(() => configFor('dev', { domain: { name: 'prefect.example.com' } as never })).toThrow(/dev\.domain\.hostedZoneId/);
  });

  it('rejects an ACU max below the min', () => {
    expect(() => configFor('dev', { aurora: { minAcu: 2, maxAcu: 1 } })).toThrow('dev.aurora.maxAcu: must be ≥ minAcu (2)');
  });

  it('rejects an unknown environment', () => {
    expect(() => buildApp({ env: 'qa', environ: {} })).toThrow(ConfigError);
    expect(() => buildApp({ env: 'qa', environ: {} })).toThrow('unknown environment "qa" (--env): pass --env dev|staging|prod');
  });
});

describe('platform-infra CLI on bad input', () => {
  const outdir = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'infra-cli-')), 'out');

  it.each([
    [['synth', '--env', 'qa'], 'unknown environment "qa" (--env)'],
    [['synth'], 'dev.aurora.maxAcu: must be ≥ minAcu (4)', { PLATFORM_AURORA__MIN_ACU: '4' }],
    [['synth'], 'dev.domain.hostedZoneId', { PLATFORM_DOMAIN__NAME: 'prefect.example.com' }],
    [['synth', '--env', 'staging'], 'staging.endpoint: staging serves the API over HTTPS only', { PLATFORM_ENDPOINT: 'insecure-http' }],
    [['synth', '--env', 'prod'], 'prod.endpoint: prod serves the API over HTTPS only', { PLATFORM_ENDPOINT: 'insecure-http' }],
    [['synth', '--env', 'prod'], 'prod.aurora.deletionProtection: false in prod needs', { PLATFORM_AURORA__DELETION_PROTECTION: 'false' }],
    [['synth'], 'dev.server.cpu: must be a plain decimal number (got "0x100")', { PLATFORM_SERVER__CPU: '0x100' }],
  ] as [string[], string, NodeJS.ProcessEnv?][])('%j with %s: one clear line, exit 2, nothing synthesized', async (argv, message, environ = {}) => {
    const dir = outdir();
    const { code, err, out } = await runCli([...argv, '--outdir', dir], environ);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^error: /);
    expect(err).toContain(message);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('says out loud when dev serves plain HTTP, and stays quiet over HTTPS', async () => {
    // With an alarm subscriber, so that the only warning is the one under test.
    const subscribed = { PLATFORM_ALARMS__EMAIL: 'ops@example.com' };
    const http = await runCli(['synth', '--outdir', outdir()], { ...subscribed, PLATFORM_ENDPOINT: 'insecure-http' });
    expect(http.code).toBe(0);
    expect(http.err).toBe(
      'warning: dev serves the Prefect API over plain HTTP (endpoint: insecure-http): the basic-auth password crosses the network in clear text\n',
    );
    expect((await runCli(['synth', '--outdir', outdir()], subscribed)).err).toBe('');
  });

  it('warns on every run of an environment whose alarms reach nobody', async () => {
    expect((await runCli(['synth', '--outdir', outdir()])).err).toBe(
      'warning: dev alarms reach nobody: set alarms.email or alarms.webhookSecretName in packages/config/src/environments/dev.ts\n',
    );
  });

  it('refuses to synthesize a task definition without a digest, naming the setting and the fix', async () => {
    const dir = outdir();
    // (A local backend without a state: there is nothing running whose digests could be kept.)
    const { code, err } = await runCli(['synth', '--env', 'prod', '--backend', 'local', '--outdir', dir], { PLATFORM_IMAGE__DIGEST: undefined });
    expect(code).toBe(2);
    expect(err.trim().split('\n')).toEqual([
      expect.stringMatching(/^error: prod\.image\.digest: task definitions run images by digest only: pass --image-result .* or set PLATFORM_IMAGE__DIGEST=sha256:…$/),
    ]);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('pins the digests of image-builder\'s publish results (--image-result)', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-images-'));
    const result = (image: string, digest: string | undefined) => {
      const file = path.join(work, `${image}.json`);
      fs.writeFileSync(file, JSON.stringify({ image, repository: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/blog-data', digest, status: 'pushed' }));
      return file;
    };
    const prefect = result('prefect-base', `sha256:${'1'.repeat(64)}`);
    const deployer = result('flows-deployer', `sha256:${'2'.repeat(64)}`);
    const dir = outdir();
    const ok = await runCli(['synth', '--image-result', prefect, '--image-result', deployer, '--outdir', dir], { PLATFORM_IMAGE__DIGEST: undefined, PLATFORM_IMAGE__DEPLOYER_DIGEST: undefined, PLATFORM_ALARMS__EMAIL: 'ops@example.com' });
    expect(ok).toMatchObject({ code: 0, err: '' });
    const stack = fs.readFileSync(path.join(dir, 'stacks', 'blog-data-dev-platform', 'cdk.tf.json'), 'utf8');
    expect(stack).toContain(`blog-data@sha256:${'1'.repeat(64)}`);
    expect(stack).toContain(`blog-data@sha256:${'2'.repeat(64)}`);

    const unpushed = await runCli(['synth', '--image-result', result('prefect-base', undefined), '--outdir', outdir()]);
    expect(unpushed).toMatchObject({ code: 2, err: expect.stringMatching(/^error: digest: missing \(.*prefect-base.json\): pass the file `image-builder publish --output FILE` wrote after a push\n$/) });
    const garbage = path.join(work, 'garbage.json');
    fs.writeFileSync(garbage, '{"image": 3}');
    expect((await runCli(['synth', '--image-result', garbage, '--outdir', outdir()])).err).toMatch(/^error: image: Invalid input: expected string, received number \(.*garbage\.json\)/);
  });

  it('rejects unknown commands and options with usage, exit 2', async () => {
    expect((await runCli(['frob'])).code).toBe(2);
    const misplaced = await runCli(['plan', '--outputs-file', 'x.json']);
    expect(misplaced).toMatchObject({ code: 2, err: expect.stringContaining("error: unknown option '--outputs-file' (command line)") });
    expect((await runCli(['output', '--stack', 'all'])).err).toContain("argument 'all' is invalid. Allowed choices are bootstrap, platform.");
    const bad = await runCli(['synth', '--backend', 'ftp']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe("error: option '--backend <kind>' argument 'ftp' is invalid. Allowed choices are s3, local. (command line): see `platform-infra synth --help`\n");
  });

  it('--help exits 0 with usage on stdout, for the program and each command', async () => {
    for (const argv of [['--help'], ['apply', '--help'], ['help', 'output']]) {
      const { code, out, err } = await runCli(argv);
      expect({ argv, code, err }).toEqual({ argv, code: 0, err: '' });
      expect(out).toContain('Usage: platform-infra');
    }
  });

  it('a mistyped environment is a usage error listing the valid ones, not an override hint', async () => {
    const { code, err } = await runCli(['synth', '--env', 'prd']);
    expect(code).toBe(2);
    expect(err).toBe('error: unknown environment "prd" (--env): pass --env dev|staging|prod\n');
  });

  it('synthesizes both stacks of an environment into the outdir', async () => {
    const dir = outdir();
    const { code, out } = await runCli(['synth', '--env', 'staging', '--json', '--outdir', dir]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ command: 'synth', env: 'staging', ok: true, emulator: false });
    for (const stack of ['blog-data-staging-bootstrap', 'blog-data-staging-platform']) {
      expect(fs.existsSync(path.join(dir, 'stacks', stack, 'cdk.tf.json'))).toBe(true);
    }
  });

  it('refuses to apply unattended without --auto-approve', async () => {
    const dir = outdir();
    const { code, err } = await runCli(['apply', '--outdir', dir], { PATH: process.env.PATH });
    expect(code).toBe(2);
    expect(err).toContain('error: apply asks for confirmation (stdin is not a terminal): pass --auto-approve when not on a terminal');
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('refuses the committed placeholder identities on real AWS, one line per field, before writing anything', async () => {
    const dir = outdir();
    const { code, err } = await runCli(['plan', '--env', 'prod', '--outdir', dir], { PATH: process.env.PATH });
    expect(code).toBe(2);
    expect(err.split('\n').filter((l) => l.includes('is a placeholder'))).toHaveLength(4);
    expect(err).toContain('error: prod.aws.accountId: "333333333333" is a placeholder (packages/config/src/environments/identities.ts): set IDENTITIES.aws.prod.accountId');
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe('construct props are validated', () => {
  const dev = loadConfig({ env: 'dev', environ: {} });

  it('Network: azCount and existing subnets', () => {
    expect(() => new Network(scope(), 'n', { network: { ...(dev.network as any), azCount: 1 }, namePrefix: 'x', region: 'eu-west-1' })).toThrow(
      'Network.network.azCount: 1 must be 2 or 3',
    );
    expect(
      () =>
        new Network(scope(), 'n', {
          network: { mode: 'existing', vpcId: 'vpc-12345678', publicSubnetIds: ['subnet-12345678'], privateSubnetIds: [] },
          namePrefix: 'x',
          region: 'eu-west-1',
        }),
    ).toThrow('Network.network.publicSubnetIds: needs at least 2 subnets (got 1)');
  });

  it('SecurityGroups: listener ports', () => {
    expect(() => new SecurityGroups(scope(), 's', { vpcId: 'vpc-1', namePrefix: 'x', listenerPorts: [8080] })).toThrow(
      'SecurityGroups.listenerPorts: [8080] must be a non-empty subset of [80, 443]',
    );
  });

  it('Database: ACU range, engine and subnets', () => {
    const base = { namePrefix: 'x', clusterIdentifier: 'x-prefect', aurora: dev.aurora, subnetIds: ['a', 'b'], securityGroupId: 'sg', kmsKeyArn: 'k' };
    expect(() => new Database(scope(), 'd', { ...base, aurora: { ...dev.aurora, minAcu: 2, maxAcu: 1 } })).toThrow(
      'Database.aurora.maxAcu: 1 must be ≥ 1 and ≥ minAcu (2)',
    );
    expect(() => new Database(scope(), 'd', { ...base, aurora: { ...dev.aurora, engineVersion: '16.1' } })).toThrow(
      'Database.aurora.engineVersion',
    );
    expect(() => new Database(scope(), 'd', { ...base, subnetIds: ['a'] })).toThrow('Database.subnetIds');
  });

  it('LoadBalancer: idle timeout, subnets, TLS policy, domain without zone', () => {
    const base = { namePrefix: 'x', vpcId: 'v', subnetIds: ['a', 'b'], securityGroupId: 'sg' };
    expect(() => new LoadBalancer(scope(), 'l', { ...base, idleTimeoutSeconds: 5000 })).toThrow('LoadBalancer.idleTimeoutSeconds: 5000 must be 1–4000');
    expect(() => new LoadBalancer(scope(), 'l', { ...base, subnetIds: ['a'] })).toThrow('LoadBalancer.subnetIds');
    expect(
      () => new LoadBalancer(scope(), 'l', { ...base, domain: { name: 'a.example.com', hostedZoneId: 'Z1' }, sslPolicy: 'ELBSecurityPolicy-2016-08' }),
    ).toThrow('LoadBalancer.sslPolicy: "ELBSecurityPolicy-2016-08" must be a TLS 1.3 policy');
    expect(() => new LoadBalancer(scope(), 'l', { ...base, domain: { name: 'a.example.com', hostedZoneId: '' } })).toThrow(
      'LoadBalancer.domain.hostedZoneId',
    );
  });

  it('FargateTask: cpu/memory pairs', () => {
    const container = { name: 'c', image: 'i', logGroup: 'g', region: 'eu-west-1' };
    const base = { family: 'f', executionRoleArn: 'e', taskRoleArn: 't', container };
    expect(() => new FargateTask(scope(), 't', { ...base, cpu: 300, memory: 512 })).toThrow('FargateTask.cpu: 300 must be one of');
    expect(() => new FargateTask(scope(), 't', { ...base, cpu: 256, memory: 4096 })).toThrow(
      'FargateTask.memory: 4096 must be one of 512, 1024, 2048 for cpu 256',
    );
  });

  it('containerDefinitions: refuses a credential in plain environment', () => {
    expect(() =>
      containerDefinitions({ name: 'c', image: 'i', logGroup: 'g', region: 'r', environment: { PREFECT_SERVER_DATABASE_PASSWORD: 'x' } }),
    ).toThrow('containerDefinitions.environment.PREFECT_SERVER_DATABASE_PASSWORD: looks like a credential');
  });

  it('ApiAuthSecret, EncryptionKey, LogGroups, Alarms', () => {
    expect(() => new ApiAuthSecret(scope(), 'a', { secretName: 's', user: 'a:b', kmsKeyArn: 'k' })).toThrow('ApiAuthSecret.user');
    expect(() => new ApiAuthSecret(scope(), 'a', { secretName: 's', user: 'u', kmsKeyArn: 'k', passwordLength: 8 })).toThrow(
      'ApiAuthSecret.passwordLength: 8 must be 32–128',
    );
    expect(
      () => new EncryptionKey(scope(), 'k', { alias: 'aws/x', description: 'd', region: 'eu-west-1', accountId: '111111111111' }),
    ).toThrow('EncryptionKey.alias');
    expect(
      () =>
        new LogGroups(scope(), 'g', {
          env: 'dev',
          names: { api: '/ecs/prod/prefect-api', worker: '/ecs/dev/w', deployer: '/ecs/dev/d', flowRuns: '/ecs/dev/f' },
          retentionDays: 14,
          kmsKeyArn: 'k',
        }),
    ).toThrow('LogGroups.names.api: "/ecs/prod/prefect-api" must start with /ecs/dev/');
    const alarms = {
      namePrefix: 'x',
      clusterName: 'c',
      serverServiceName: 's',
      loadBalancerArnSuffix: 'l',
      targetGroupArnSuffix: 't',
      databaseClusterIdentifier: 'd',
      databaseMaxAcu: 1,
      kmsKeyArn: 'k',
      worker: { serviceName: 'w', logGroupName: '/ecs/dev/worker', containerInsights: false },
    };
    expect(() => new Alarms(scope(), 'a', { ...alarms, email: 'nope' })).toThrow('Alarms.email: "nope" is not an e-mail address');
    expect(() => new Alarms(scope(), 'a', { ...alarms, thresholds: { serverCpuPercent: 120 } })).toThrow('Alarms.thresholds.serverCpuPercent');
  });
});
