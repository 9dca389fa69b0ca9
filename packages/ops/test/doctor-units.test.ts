import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '@blog-data/cli-kit';
import { loadConfig } from '@blog-data/config';
import {
  admitsGroupOnPostgres, AwsClients, checkAlarmSubscribers, checkImage, checkLoadBalancer, checkPrefect, checkService, DoctorContext, explainStop,
  judgeWorkers, OUTPUTS_READ_BY_OPS, parseSince, parseStreamName, prefectBaseUrl, readInfraOutputs, runDoctor,
} from '../src';

/**
 * Checks whose inputs the emulator cannot produce (moto 5.2.1 reports every
 * registered ALB target healthy, sets no stoppedAt, container reasons or exit
 * codes on stopped tasks) run here against recorded SDK responses.
 */
type Recorded = Record<string, (input: Record<string, unknown>) => unknown>;
function recorded(responses: Recorded) {
  return {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const answer = responses[command.constructor.name];
      if (!answer) throw new Error(`no recorded response for ${command.constructor.name}`);
      return answer(command.input);
    },
  };
}

const config = loadConfig({ env: 'prod', environ: {} });
function context(aws: Partial<Record<keyof AwsClients, ReturnType<typeof recorded>>>, over: Partial<DoctorContext> = {}): DoctorContext {
  return { config, outputs: { ecs_cluster_arn: 'arn:aws:ecs:eu-west-1:333333333333:cluster/prefect-prod', alb_dns_name: 'blog-data-prod-123.eu-west-1.elb.amazonaws.com' }, aws: aws as unknown as AwsClients, ...over };
}

const NOW = new Date('2026-11-25T10:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

describe('ALB target health (recorded DescribeTargetHealth answers)', () => {
  const elbv2 = (targets: unknown[]) => recorded({
    DescribeLoadBalancersCommand: () => ({
      LoadBalancers: [
        { DNSName: 'other-1.eu-west-1.elb.amazonaws.com', LoadBalancerArn: 'arn:other' },
        { DNSName: 'blog-data-prod-123.eu-west-1.elb.amazonaws.com', LoadBalancerArn: 'arn:alb' },
      ],
    }),
    DescribeTargetGroupsCommand: (input) => {
      expect(input.LoadBalancerArn).toBe('arn:alb');
      return { TargetGroups: [{ TargetGroupArn: 'arn:tg', TargetGroupName: 'blog-data-prod-tg' }] };
    },
    DescribeTargetHealthCommand: () => ({ TargetHealthDescriptions: targets }),
  });

  it('fails a health-check time-out with the database and migration fix', async () => {
    const result = await checkLoadBalancer(context({
      elbv2: elbv2([{
        Target: { Id: '10.42.1.17', Port: 4200 },
        HealthCheckPort: '4200',
        TargetHealth: { State: 'unhealthy', Reason: 'Target.Timeout', Description: 'Request timed out' },
      }]),
    }));
    expect(result).toMatchObject({ ok: false, found: 'blog-data-prod-tg: 0/1 healthy [10.42.1.17:4200 unhealthy (Target.Timeout)]' });
    expect(result.fix).toMatch(/^the health check \(GET \/api\/health on 4200\) timed out: the server is still migrating the database or cannot reach it/);
  });

  it('fails a non-200 health check with the path fix', async () => {
    const result = await checkLoadBalancer(context({
      elbv2: elbv2([{ Target: { Id: '10.42.1.17', Port: 4200 }, TargetHealth: { State: 'unhealthy', Reason: 'Target.ResponseCodeMismatch', Description: 'Health checks failed with these codes: [401]' } }]),
    }));
    expect(result.fix).toContain('Health checks failed with these codes: [401]');
    expect(result.fix).toContain('/api/health, which Prefect exempts from basic auth');
  });

  it('fails when no target is registered, pointing at the server service', async () => {
    const result = await checkLoadBalancer(context({ elbv2: elbv2([]) }));
    expect(result).toMatchObject({ ok: false, found: 'blog-data-prod-tg: 0/0 healthy' });
    expect(result.fix).toContain('the server service runs no task');
  });

  it('passes with one healthy target next to a draining one', async () => {
    const result = await checkLoadBalancer(context({
      elbv2: elbv2([
        { Target: { Id: '10.42.1.17', Port: 4200 }, TargetHealth: { State: 'healthy' } },
        { Target: { Id: '10.42.2.9', Port: 4200 }, TargetHealth: { State: 'draining', Reason: 'Target.DeregistrationInProgress' } },
      ]),
    }));
    expect(result.ok).toBe(true);
  });

  it('fails when the ALB of the outputs does not exist', async () => {
    const result = await checkLoadBalancer(context({ elbv2: recorded({ DescribeLoadBalancersCommand: () => ({ LoadBalancers: [] }) }) }));
    expect(result).toMatchObject({ ok: false, found: 'no load balancer named blog-data-prod-123.eu-west-1.elb.amazonaws.com in eu-west-2' });
  });
});

describe('stopped ECS tasks (recorded DescribeServices/DescribeTasks answers)', () => {
  const ecs = (opts: { running: number; deployedAt: Date; tasks: unknown[] }) => recorded({
    DescribeServicesCommand: () => ({
      services: [{
        serviceName: 'prefect-server',
        status: 'ACTIVE',
        desiredCount: 1,
        runningCount: opts.running,
        pendingCount: 1 - opts.running,
        deployments: [{ status: 'PRIMARY', createdAt: opts.deployedAt, rolloutState: opts.running ? 'COMPLETED' : 'IN_PROGRESS' }],
        events: [{ message: '(service prefect-server) has started 1 tasks: (task 0123).' }],
      }],
    }),
    ListTasksCommand: (input) => {
      expect(input).toMatchObject({ serviceName: 'prefect-server', desiredStatus: 'STOPPED' });
      return { taskArns: (opts.tasks as { taskArn: string }[]).map((t) => t.taskArn) };
    },
    DescribeTasksCommand: () => ({ tasks: opts.tasks }),
  });
  const task = (id: string, stoppedAt: Date, stoppedReason: string, containers: unknown[] = [], group = 'service:prefect-server') => ({
    taskArn: `arn:aws:ecs:eu-west-1:333333333333:task/prefect-prod/${id}`, group, stoppedAt, stoppedReason, stopCode: 'EssentialContainerExited', containers,
  });

  it('explains a container that exited 255 (the arm64 crash loop) and fails the service', async () => {
    const [service, stopped] = await checkService(context({
      ecs: ecs({
        running: 0,
        deployedAt: minutesAgo(30),
        tasks: [task('0a1b2c3d4e5f60718293a4b5c6d7e8f9', minutesAgo(2), 'Essential container in task exited', [{ name: 'prefect-server', exitCode: 255 }])],
      }),
    }, { now: () => NOW }), 'server');
    expect(service).toMatchObject({ ok: false, found: 'running 0 of desired 1, 1 pending, rollout IN_PROGRESS; last event: (service prefect-server) has started 1 tasks: (task 0123).' });
    expect(service.fix).toMatch(/^the container exited \(code 255\): read `platform-ops logs --service api`; `exec format error` means an arm64 image/);
    expect(stopped).toMatchObject({
      ok: false,
      found: '1 of 1 recently stopped: 0a1b2c3d4e5f60718293a4b5c6d7e8f9: Essential container in task exited [prefect-server: exited (exit 255)]',
    });
  });

  it.each([
    ['CannotStartContainerError: ResourceInitializationError: failed to create new container runtime task: failed to create shim task: OCI runtime create failed: '
      + 'runc create failed: unable to start container process: exec: "prefect": exec format error: unknown', 'not linux/amd64 (`exec format error`)'],
    ['CannotPullContainerError: pull image manifest has been retried 7 time(s): image Manifest does not contain descriptor matching platform \'linux/amd64\'', 'no linux/amd64 variant'],
    ['CannotPullContainerError: ref pull has been retried 5 time(s): failed to resolve ref 333333333333.dkr.ecr.eu-west-1.amazonaws.com/blog-data:x: not found', 'cannot pull its image'],
    ['ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm', 'cannot read its secrets'],
    ['ResourceInitializationError: failed to validate logger args: dial tcp 52.95.1.1:443: i/o timeout', 'cannot reach AWS APIs'],
    ['Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:eu-west-1:333333333333:targetgroup/blog-data-prod-tg/abc)', 'ALB health check'],
  ])('maps %s to its fix', (reason, hint) => {
    expect(explainStop(reason, [], [], 'api')).toContain(hint);
  });

  it('maps an out-of-memory kill (exit 137) to raising memory', () => {
    expect(explainStop('Essential container in task exited', ['OutOfMemoryError: Container killed due to memory usage'], [137], 'worker'))
      .toBe('the container ran out of memory: raise its memory in the config (server/worker) and redeploy');
  });

  it('treats deployment and scaling stops as routine', async () => {
    expect(explainStop('Scaling activity initiated by (deployment ecs-svc/1234567890)', [], [0], 'api')).toBeUndefined();
    const [, stopped] = await checkService(context({
      ecs: ecs({ running: 1, deployedAt: minutesAgo(30), tasks: [task('t1', minutesAgo(20), 'Scaling activity initiated by (deployment ecs-svc/1234567890)')] }),
    }, { now: () => NOW }), 'server');
    expect(stopped.ok).toBe(true);
    expect(stopped.found).toMatch(/^1 stopped in the last hour, none for a known failure since the current deployment/);
  });

  it('ignores failures from before the current deployment, and other services\' tasks', async () => {
    const [service, stopped] = await checkService(context({
      ecs: ecs({
        running: 1,
        deployedAt: minutesAgo(10),
        tasks: [
          task('old', minutesAgo(40), 'Task failed ELB health checks in (target-group x)'),
          task('other', minutesAgo(2), 'Essential container in task exited', [{ name: 'w', exitCode: 1 }], 'service:prefect-worker'),
        ],
      }),
    }, { now: () => NOW }), 'server');
    expect(service.ok).toBe(true);
    expect(stopped.ok).toBe(true);
  });

  it('fails a service scaled to 0 with the desired-count fix', async () => {
    const [service] = await checkService(context({
      ecs: recorded({
        DescribeServicesCommand: () => ({ services: [{ serviceName: 'prefect-server', status: 'ACTIVE', desiredCount: 0, runningCount: 0 }] }),
        ListTasksCommand: () => ({ taskArns: [] }),
      }),
    }), 'server');
    expect(service.fix).toContain('scaled to 0');
  });
});

describe('image in another account\'s registry (recorded ECR answers)', () => {
  it('asks ECR for that registry and reads manifests from the repository URL\'s host', async () => {
    const seen: Record<string, unknown>[] = [];
    const ecr = recorded({
      DescribeImagesCommand: (input) => (seen.push(input), { imageDetails: [{ imageTags: ['prefect-3-python3.12-ecs'] }] }),
      GetAuthorizationTokenCommand: (input) => (seen.push(input), {
        authorizationData: [{ authorizationToken: Buffer.from('AWS:x').toString('base64'), proxyEndpoint: 'https://333333333333.dkr.ecr.eu-west-1.amazonaws.com' }],
      }),
    });
    const result = await checkImage(context({ ecr }, {
      outputs: { ecr_repository_url: '444455556666.dkr.ecr.eu-west-1.amazonaws.com/blog-data', ecr_repository_name: 'blog-data' },
      registry: undefined,
      httpTimeoutMs: 1500,
    }));
    expect(seen).toEqual([
      { registryId: '444455556666', repositoryName: 'blog-data', imageIds: [{ imageTag: 'prefect-3-python3.12-ecs' }] },
      { registryIds: ['444455556666'] },
    ]);
    // No network here: what matters is which host it tried.
    expect(result.ok).toBe(false);
    expect(result.found).toContain('https://444455556666.dkr.ecr.eu-west-1.amazonaws.com/v2/blog-data/manifests/prefect-3-python3.12-ecs');
  });
});

describe('worker heartbeats', () => {
  it('accepts a heartbeat within three of the worker\'s own intervals', () => {
    const r = judgeWorkers([{ name: 'w', last_heartbeat_time: new Date(NOW.getTime() - 150_000).toISOString(), heartbeat_interval_seconds: 60, status: 'ONLINE' }], 'p', NOW);
    expect(r).toMatchObject({ ok: true, found: '1 of 1 recent: w ONLINE heartbeat 2 min ago' });
  });

  it('fails a pool whose workers never sent a heartbeat, or none', () => {
    expect(judgeWorkers([{ name: 'w', last_heartbeat_time: null }], 'p', NOW)).toMatchObject({ ok: false, found: 'no recent heartbeat: w heartbeat never' });
    const none = judgeWorkers([], 'p', NOW);
    expect(none).toMatchObject({ ok: false, found: 'no worker has joined the pool' });
    expect(none.fix).toContain('`ConnectError`');
  });
});

describe('database security group rules', () => {
  it.each([
    [[{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-server' }] }], true],
    [[{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-server' }] }], true],
    [[{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, UserIdGroupPairs: [{ GroupId: 'sg-server' }] }], true],
    [[{ IpProtocol: 'tcp', FromPort: 5433, ToPort: 5433, UserIdGroupPairs: [{ GroupId: 'sg-server' }] }], false],
    [[{ IpProtocol: 'udp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-server' }] }], false],
    [[{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, UserIdGroupPairs: [{ GroupId: 'sg-worker' }] }], false],
  ])('%j admits sg-server on 5432: %s', (permissions, expected) => {
    expect(admitsGroupOnPostgres(permissions, 'sg-server')).toBe(expected);
  });
});

describe('Prefect API behind an ALB without healthy targets', () => {
  it('reads a 503 as "no healthy server target"', async () => {
    const server = createServer((_req, res) => res.writeHead(503, { 'content-type': 'text/html' }).end('<html>503 Service Temporarily Unavailable</html>'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const [health, pool] = await checkPrefect(context({}, { prefectUrl: url, apiAuthString: 'a:b' }));
      expect(health).toMatchObject({ ok: false, fix: 'the ALB has no healthy server target: see the ALB and ECS service checks' });
      expect(pool.ok).toBe(false);
    } finally {
      server.close();
    }
  });
});

describe('inputs', () => {
  it('finds every output it reads in what the platform stack publishes', () => {
    // `terraform output -json` of packages/infra's platform stack applied to the AWS emulator (dev).
    const outputs = readInfraOutputs(join(__dirname, 'fixtures', 'platform-outputs.dev-emulator.json'));
    for (const name of OUTPUTS_READ_BY_OPS) expect([name, typeof outputs[name]]).toEqual([name, 'string']);
    expect(prefectBaseUrl(context({}, { outputs }))).toBe('http://blog-data-dev-1.eu-west-1.elb.amazonaws.com');
  });

  it('reads terraform output -json and flat outputs alike', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-outputs-'));
    const wrapped = join(dir, 'wrapped.json');
    const flat = join(dir, 'flat.json');
    writeFileSync(wrapped, JSON.stringify({ task_subnet_ids: { value: ['subnet-1'], type: ['list', 'string'], sensitive: false }, prefect_url: { value: 'http://x', type: 'string' } }));
    writeFileSync(flat, JSON.stringify({ task_subnet_ids: ['subnet-1'], prefect_url: 'http://x' }));
    expect(readInfraOutputs(wrapped)).toEqual(readInfraOutputs(flat));
    // Only the outputs ops reads are kept.
    expect(readInfraOutputs(flat)).toEqual({ prefect_url: 'http://x' });
    expect(() => readInfraOutputs(join(dir, 'absent.json'))).toThrow(/^infra outputs file not found \(.*absent\.json\): write it with `node packages\/infra\/bin\/platform-infra\.js output/);
  });

  it('accepts a partly applied stack, but names a mistyped output and the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ops-outputs-'));
    const file = join(dir, 'outputs.json');
    writeFileSync(file, JSON.stringify({ prefect_url: 'http://x', ecs_cluster_arn: 'prefect' }));
    let error: unknown;
    try {
      readInfraOutputs(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).exitCode).toBe(2);
    expect((error as UserError).problems()).toEqual([expect.objectContaining({ what: 'ecs_cluster_arn: must be an ecs ARN (arn:aws:ecs:…)', where: file })]);
  });

  it('parses --since and awslogs stream names', () => {
    expect(parseSince('90m', NOW).toISOString()).toBe('2026-11-25T08:30:00.000Z');
    expect(parseSince('2d', NOW).toISOString()).toBe('2026-11-23T10:00:00.000Z');
    expect(parseSince('2026-11-25T09:00:00Z', NOW).toISOString()).toBe('2026-11-25T09:00:00.000Z');
    expect(parseStreamName('prefect-worker/prefect-worker/0123abcd')).toEqual({ container: 'prefect-worker', taskId: '0123abcd' });
    expect(parseStreamName('odd-stream')).toEqual({ container: '', taskId: 'odd-stream' });
  });
});

describe('alarm topic subscribers (recorded ListSubscriptionsByTopic answers; moto confirms every subscription at once)', () => {
  const topic = 'arn:aws:sns:eu-west-2:333333333333:blog-data-prod-alarms';
  const email = { Protocol: 'email', Endpoint: 'data-platform-alerts@example.com' };
  const webhook = { Protocol: 'https', Endpoint: 'https://events.pagerduty.com/integration/0123456789abcdef0123456789abcdef/enqueue' };

  it.each<[string, Record<string, unknown>[], boolean, string]>([
    ['no subscription at all', [], false, 'blog-data-prod-alarms has no subscription: alarms reach nobody'],
    ['only an unconfirmed e-mail', [{ ...email, SubscriptionArn: 'PendingConfirmation' }], false, 'blog-data-prod-alarms: email data-platform-alerts@example.com (pending confirmation)'],
    ['a confirmed webhook next to a pending e-mail', [{ ...email, SubscriptionArn: 'PendingConfirmation' }, { ...webhook, SubscriptionArn: `${topic}:1b2c` }], true,
      'blog-data-prod-alarms: email data-platform-alerts@example.com (pending confirmation), https events.pagerduty.com (confirmed)'],
  ])('%s', async (_name, subscriptions, ok, found) => {
    const sns = recorded({ ListSubscriptionsByTopicCommand: () => ({ Subscriptions: subscriptions }) });
    const result = await checkAlarmSubscribers(context({ sns },
      { outputs: { alarm_topic_arn: topic } }));
    expect(result).toMatchObject({ id: 'alarm-subscribers', ok, found });
    // The webhook URL carries its integration key: never printed.
    expect(JSON.stringify(result)).not.toContain('0123456789abcdef');
    if (!ok) expect(result.fix).toMatch(subscriptions.length ? /Subscription Confirmation/ : /alarms\.email and\/or alarms\.webhookSecretName/);
  });

  it('reads every page of subscriptions', async () => {
    const pages: Record<string, unknown> = { '': { Subscriptions: [{ ...email, SubscriptionArn: 'PendingConfirmation' }], NextToken: 't2' }, 't2': { Subscriptions: [{ ...webhook, SubscriptionArn: `${topic}:9` }] } };
    const result = await checkAlarmSubscribers(context({ sns: recorded({ ListSubscriptionsByTopicCommand: (input) => pages[(input.NextToken as string) ?? ''] }) },
      { outputs: { alarm_topic_arn: topic } }));
    expect(result.ok).toBe(true);
  });

  it('names the missing output', async () => {
    expect(await checkAlarmSubscribers(context({}, { outputs: {} }))).toMatchObject({ ok: false, found: 'no alarm_topic_arn' });
  });
});

describe('a private endpoint (no load balancer)', () => {
  const dev = loadConfig({ env: 'dev', environ: { PLATFORM_SCHEDULE: 'null' } });
  const server = (over: Record<string, unknown> = {}) => ({
    serviceName: 'prefect-server',
    status: 'ACTIVE',
    desiredCount: 1,
    runningCount: 1,
    enableExecuteCommand: true,
    serviceRegistries: [{ registryArn: 'arn:aws:servicediscovery:eu-west-2:111111111111:service/srv-1' }],
    ...over,
  });
  const ecs = (serverOver: Record<string, unknown> = {}) => recorded({
    DescribeServicesCommand: (input) => ({
      services: (input.services as string[])
        .map((name) => (name === 'prefect-server' ? server(serverOver) : { serviceName: name, status: 'ACTIVE', desiredCount: 1, runningCount: 1 })),
    }),
    ListTasksCommand: () => ({ taskArns: [] }),
  });
  const failing = recorded({});
  const aws = (e: ReturnType<typeof recorded>) =>
    ({ ecs: e, elbv2: failing, rds: failing, ec2: failing, ecr: failing, secrets: failing, logs: failing, sns: failing });
  const ctx = (e: ReturnType<typeof recorded>, over: Partial<DoctorContext> = {}) =>
    context(aws(e), { config: dev, outputs: { endpoint: 'private', prefect_url: 'http://prefect-server.blog-data-dev.internal:4200', ecs_cluster_name: 'prefect-dev' }, ...over });
  const byId = <C extends { id: string }>(checks: readonly C[]): Record<string, C> => Object.fromEntries(checks.map((c) => [c.id, c]));

  it('checks the private name and ECS Exec instead of the ALB, and says how to check the API through the tunnel', async () => {
    const report = byId((await runDoctor(ctx(ecs()))).checks);
    expect(report['alb-targets']).toBeUndefined();
    expect(report['private-name']).toMatchObject({ ok: true, found: 'registered in arn:aws:servicediscovery:eu-west-2:111111111111:service/srv-1; ECS Exec on' });
    expect(report['prefect-api-health']).toMatchObject({ ok: true });
    expect((report['prefect-api-health'] as { found: string }).found).toBe(
      'not checked: http://prefect-server.blog-data-dev.internal:4200 is reachable inside the VPC only (endpoint private); run `platform-ops connect --env dev` '
      + 'in another terminal, then `platform-ops doctor --env dev --prefect-url http://localhost:4200` to check the API, the work pool and the worker',
    );
  });

  it('fails a server without its registry or without ECS Exec, with the fix', async () => {
    const unregistered = byId((await runDoctor(ctx(ecs({ serviceRegistries: [] })))).checks)['private-name'];
    expect(unregistered).toMatchObject({ ok: false, found: 'no service registry; ECS Exec on' });
    expect((unregistered as { fix: string }).fix).toMatch(/cannot find the server by name/);
    const noExec = byId((await runDoctor(ctx(ecs({ enableExecuteCommand: false })))).checks)['private-name'];
    expect(noExec).toMatchObject({ ok: false, found: expect.stringContaining('ECS Exec off') });
    expect((noExec as { fix: string }).fix).toMatch(/platform-ops connect/);
  });

  it('runs the Prefect checks against --prefect-url (the tunnel) when given', async () => {
    const report = byId((await runDoctor(ctx(ecs(), { prefectUrl: 'http://127.0.0.1:9', httpTimeoutMs: 500 }))).checks);
    expect(report['prefect-api-health']).toMatchObject({ ok: false, found: expect.stringContaining('GET http://127.0.0.1:9/api/health') });
  });
});
