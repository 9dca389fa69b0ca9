import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, DeleteLogGroupCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { CreateTopicCommand, DeleteTopicCommand, ListTopicsCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { databaseClusterIdentifier, loadConfig } from '@blog-data/config';
import { PrefectContractServer } from '@blog-data/prefect-api/testing';
import { describeWithServices, freeLoopbackPort, uniqueName } from '@blog-data/test-support';
import { createPlatform, createRepository, createServices, emulatorClients, EmulatorClients, removeCreated } from './aws-fixtures';
import { captureIo } from './cli-io';
import { deleteManifests, pushImage, pushIndex, TestRegistry } from './registry-fixtures';
import { AwsClients, CheckResult, createAwsClients, destroyAwsClients, DoctorContext, DoctorReport, InfraOutputs, main, runDoctor } from '../src';

const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const AUTH = 'prefect:correct-horse-battery';

describeWithServices('doctor against the AWS emulator, the registry and a Prefect test server',
  ['AWS_ENDPOINT_URL', 'TEST_REGISTRY', 'TEST_REGISTRY_USER', 'TEST_REGISTRY_PASSWORD'], (svc) => {
    const run = uniqueName('ops');
    // The project prefixes derived names (the Aurora identifier doctor looks up): one per run.
    const project = run;
    const repository = `${run}/blog-data`;
    let emu: EmulatorClients;
    let aws: AwsClients;
    let prefect: PrefectContractServer;
    let prefectUrl: string;
    let outputs: InfraOutputs;
    let downClusterArn: string;
    let outputsFile: string;
    let logs: CloudWatchLogsClient;
    let sns: SNSClient;
    let silentTopicArn: string;
    let registry: TestRegistry;
    const pushed: string[] = [];
    const groups = { api: `/ecs/dev/${run}-api`, worker: `/ecs/dev/${run}-worker`, brokenWorker: `/ecs/dev/${run}-broken-worker` };

    const tagged = { amd64: 'amd64-ok', arm64: 'arm64-bad', armIndex: 'index-arm-only', absent: 'never-pushed' };
    // The fixtures build the load-balancer shape (dev's default is the private endpoint).
    const config = (tag = tagged.amd64) => loadConfig({ env: 'dev', environ: { PLATFORM_IMAGE__TAG: tag, PLATFORM_PROJECT: project, PLATFORM_ENDPOINT: 'cloudfront' } });
    const context = (over: Partial<DoctorContext> = {}): DoctorContext => ({
      config: config(), outputs, aws, registry: svc.TEST_REGISTRY, httpTimeoutMs: 3000, ...over,
    });
    const byId = (report: DoctorReport) => Object.fromEntries(report.checks.map((c) => [c.id, c])) as Record<string, CheckResult>;
    const failedIds = (report: DoctorReport) => report.checks.filter((c) => !c.ok).map((c) => c.id);

    beforeAll(async () => {
      // The region doctor uses is the environment's; the fixtures must land there too.
      const region = config().aws.region;
      emu = emulatorClients(region);
      aws = createAwsClients(region);
      registry = {
        base: `http://${svc.TEST_REGISTRY}`,
        authorization: `Basic ${Buffer.from(`${svc.TEST_REGISTRY_USER}:${svc.TEST_REGISTRY_PASSWORD}`).toString('base64')}`,
      };
      const amd64 = await pushImage(registry, repository, tagged.amd64, 'amd64');
      const arm64 = await pushImage(registry, repository, tagged.arm64, 'arm64');
      const index = await pushIndex(registry, repository, tagged.armIndex, [{ digest: arm64.digest, size: arm64.manifest.length, architecture: 'arm64' }]);
      pushed.push(index.digest, amd64.digest, arm64.digest);
      await createRepository(emu, repository, [
        { tag: tagged.amd64, manifest: amd64.manifest, mediaType: DOCKER_MANIFEST },
        { tag: tagged.arm64, manifest: arm64.manifest, mediaType: DOCKER_MANIFEST },
        { tag: tagged.armIndex, manifest: index.manifest, mediaType: OCI_INDEX },
      ]);

      const platform = await createPlatform(emu, run, AUTH, databaseClusterIdentifier(config()));
      const healthy = await createServices(emu, `${run}-ok`);
      downClusterArn = (await createServices(emu, `${run}-down`, {
        stoppedWorker: { reason: 'Essential container in task exited' },
      })).clusterArn;
      logs = new CloudWatchLogsClient({ region });
      const logLine = async (group: string, stream: string, message: string) => {
        await logs.send(new CreateLogGroupCommand({ logGroupName: group })).catch(() => undefined);
        await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream })).catch(() => undefined);
        const logEvents = [{ timestamp: Date.now() - 60_000, message }];
        await logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents }));
      };
      await logLine(groups.api, 'prefect-server/prefect-server/0a1b2c3d', 'INFO: Uvicorn running on http://0.0.0.0:4200');
      await logLine(groups.worker, 'prefect-worker/prefect-worker/4e5f6a7b', 'Worker \'ECSWorker 1\' started!');
      await logLine(groups.brokenWorker, 'prefect-worker/prefect-worker/9c8d7e6f',
        'httpx.ConnectError: All connection attempts failed (PREFECT_API_URL=http://blog-data-dev-1.eu-west-1.elb.amazonaws.com/api)');
      prefect = await PrefectContractServer.start({ authString: AUTH });
      prefectUrl = prefect.apiUrl.replace(/\/api$/, '');
      const createPool = await fetch(`${prefect.apiUrl}/work_pools/`, {
        method: 'POST',
        headers: { 'authorization': `Basic ${Buffer.from(AUTH).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'blog-data-pool', type: 'ecs' }),
      });
      expect(createPool.status).toBe(201);
      prefect.recordWorkerHeartbeat('blog-data-pool', 'ecs-worker-1', { heartbeatIntervalSeconds: 30 });
      // The alarm topic: one with an HTTPS subscriber (moto confirms at once), one that reaches nobody.
      sns = new SNSClient({ region });
      const topic = await sns.send(new CreateTopicCommand({ Name: `${run}-alarms` }));
      await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'https', Endpoint: 'https://events.pagerduty.com/integration/0123456789abcdef/enqueue' }));
      silentTopicArn = (await sns.send(new CreateTopicCommand({ Name: `${run}-silent-alarms` }))).TopicArn!;
      outputs = {
        ...platform,
        alarm_topic_arn: topic.TopicArn,
        ecs_cluster_arn: healthy.clusterArn,
        ecs_cluster_name: `${run}-ok`,
        prefect_url: prefectUrl,
        prefect_api_url: prefect.apiUrl,
        ecr_repository_name: repository,
        log_group_api: groups.api,
        log_group_worker: groups.worker,
      };
      const dir = mkdtempSync(join(tmpdir(), 'ops-doctor-'));
      outputsFile = join(dir, 'outputs.json');
      // The `terraform output -json` shape.
      writeFileSync(outputsFile, JSON.stringify(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v, type: 'string', sensitive: false }]))));
    });

    afterAll(async () => {
      await prefect?.stop();
      if (registry) await deleteManifests(registry, repository, pushed);
      if (aws) destroyAwsClients(aws);
      if (sns) {
        for (const t of (await sns.send(new ListTopicsCommand({}))).Topics ?? []) {
          if (t.TopicArn?.includes(run)) await sns.send(new DeleteTopicCommand({ TopicArn: t.TopicArn })).catch(() => undefined);
        }
        sns.destroy();
      }
      if (logs) {
        for (const logGroupName of Object.values(groups)) await logs.send(new DeleteLogGroupCommand({ logGroupName })).catch(() => undefined);
        logs.destroy();
      }
      if (emu) {
        const problems = await removeCreated(emu);
        // eslint-disable-next-line no-console
        if (problems.length > 0) console.warn(`cleanup left resources in the emulator: ${problems.join('; ')}`);
      }
    });

    it('passes every check for a healthy rehearsal environment', async () => {
      const report = await runDoctor(context());
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report.ok).toBe(true);
      const c = byId(report);
      expect(c['ecr-image'].found).toMatch(/^linux\/amd64 \(sha256:/);
      expect(c['ecs-service-server'].found).toMatch(/^running 1 of desired 1/);
      expect(c['ecs-service-worker'].found).toMatch(/^running 1 of desired 1/);
      expect(c['alb-targets'].found).toMatch(/-tg: 1\/1 healthy$/);
      expect(c['prefect-api-health'].found).toBe(`GET ${prefectUrl}/api/health → 200 true`);
      expect(c['prefect-work-pool'].found).toBe('blog-data-pool: type ecs, status READY (auth from api_auth_secret_arn)');
      expect(c['prefect-worker-heartbeat'].found).toMatch(/^1 of 1 recent: ecs-worker-1 ONLINE heartbeat \d+ s ago$/);
      expect(c['aurora-status'].found).toMatch(/^status available, aurora-postgresql 15\.13, 0\.5–1 ACU$/);
      expect(c['aurora-security-group'].found).toContain(`admits ${outputs.server_security_group_id} (server) on 5432`);
      expect(c.secrets.found).toContain(`${run}/prefect-api-auth`);
      expect(c['alarm-subscribers'].found).toBe(`${run}-alarms: https events.pagerduty.com (confirmed)`);
      expect(report.checks).toHaveLength(14);
      expect(prefect.violations).toEqual([]);
      expect(prefect.requests.map((q) => `${q.method} ${q.path} ${q.status}`)).toEqual(expect.arrayContaining([
        'GET /api/health 200', 'GET /api/work_pools/blog-data-pool 200', 'POST /api/work_pools/blog-data-pool/workers/filter 200',
      ]));
    });

    it('fails an alarm topic nobody is subscribed to, and nothing else', async () => {
      const report = await runDoctor(context({ outputs: { ...outputs, alarm_topic_arn: silentTopicArn } }));
      expect(failedIds(report)).toEqual(['alarm-subscribers']);
      expect(byId(report)['alarm-subscribers']).toMatchObject({ found: `${run}-silent-alarms has no subscription: alarms reach nobody` });
      expect(byId(report)['alarm-subscribers'].fix).toContain('alarms.webhookSecretName');
    });

    it('fails the image check for an arm64 image with the exec-format-error fix, and nothing else', async () => {
      const report = await runDoctor(context({ config: config(tagged.arm64) }));
      expect(failedIds(report)).toEqual(['ecr-image']);
      const image = byId(report)['ecr-image'];
      expect(image.found).toBe(`${repository}:${tagged.arm64} is linux/arm64`);
      expect(image.fix).toContain('`exec format error`');
      expect(image.fix).toContain('rebuild and push it for linux/amd64 with `image-builder publish`');
    });

    it('fails the image check for an index without linux/amd64', async () => {
      const image = byId(await runDoctor(context({ config: config(tagged.armIndex) })))['ecr-image'];
      expect(image.ok).toBe(false);
      expect(image.found).toMatch(/^index sha256:.* with linux\/arm64: no linux\/amd64 entry$/);
      expect(image.fix).toContain('CannotPullContainerError');
    });

    it('fails the image check when ECR has no image at the configured tag', async () => {
      const image = byId(await runDoctor(context({ config: config(tagged.absent) })))['ecr-image'];
      expect(image).toMatchObject({ ok: false, found: `ECR has no image ${repository}:${tagged.absent}` });
      expect(image.fix).toContain('image-builder publish');
    });

    it('fails a stopped service (running 0 of desired 1) and explains the stopped task', async () => {
      const report = await runDoctor(context({ outputs: { ...outputs, ecs_cluster_arn: downClusterArn } }));
      expect(failedIds(report)).toEqual(['ecs-service-worker', 'ecs-stopped-worker']);
      const c = byId(report);
      expect(c['ecs-service-worker'].found).toMatch(/^running 0 of desired 1, 1 pending, rollout IN_PROGRESS/);
      expect(c['ecs-service-worker'].fix).toContain('the container exited: read `platform-ops logs --service worker`');
      expect(c['ecs-service-worker'].fix).toContain('`ConnectError` means the worker cannot reach PREFECT_API_URL');
      expect(c['ecs-stopped-worker'].found).toMatch(/^1 of 1 recently stopped: [0-9a-f-]{32,36}: Essential container in task exited$/);
      expect(c['ecs-service-server'].ok).toBe(true);
    });

    it('says "asleep until" the next scheduled start when the schedule scaled the services to 0, and checks the rest', async () => {
      const asleep = `${run}-asleep`;
      const asleepArn = (await createServices(emu, asleep)).clusterArn;
      for (const service of ['prefect-server', 'prefect-worker']) await emu.ecs.send(new UpdateServiceCommand({ cluster: asleep, service, desiredCount: 0 }));
      // Even the API is unreachable: asleep, nothing answers, and that is no failure.
      const sleeping = { outputs: { ...outputs, ecs_cluster_arn: asleepArn, prefect_url: `http://127.0.0.1:${await freeLoopbackPort()}` } };
      // Friday 20:00 in London (GMT): after the 19:00 stop of MON-FRI 08–19.
      const report = await runDoctor(context({ ...sleeping, now: () => new Date('2026-11-27T20:00:00Z') }));
      expect(report.checks.filter((c) => !c.ok)).toEqual([]);
      expect(report).toMatchObject({ ok: true, asleepUntil: 'Mon 2026-11-30 08:00 Europe/London' });
      expect(byId(report)['schedule-asleep'].found).toBe('asleep until Mon 2026-11-30 08:00 Europe/London: prefect-server and prefect-worker scaled to 0 '
        + 'by the schedule MON-FRI 08:00–19:00 Europe/London; services, load balancer targets and the Prefect API are not checked while asleep '
        + '(`platform-ops wake --env dev` wakes it)');
      // The image, database, secrets, logs and alarm checks still run.
      expect(report.checks.map((c) => c.id)).toEqual(['ecr-image', 'schedule-asleep', 'aurora-status', 'aurora-security-group', 'secrets', 'runbook-log-signatures', 'alarm-subscribers']);

      // The same services at 0 inside working hours (Monday 10:00) are a failure, not sleep.
      const monday = await runDoctor(context({ ...sleeping, now: () => new Date('2026-11-30T10:00:00Z') }));
      expect(monday.asleepUntil).toBeUndefined();
      expect(byId(monday)['ecs-service-server']).toMatchObject({ ok: false, found: expect.stringMatching(/^running 0 of desired 0/) });
    });

    describe('scale-out: the background services sleep and wake with the rest (issue #19)', () => {
      const scaleOut = () => loadConfig({ env: 'dev', environ: { PLATFORM_IMAGE__TAG: tagged.amd64, PLATFORM_PROJECT: project, PLATFORM_SCALE__MODE: 'scale-out' } });
      const friday8pm = () => new Date('2026-11-27T20:00:00Z');
      const cluster = async (suffix: string, desired: Record<string, number>) => {
        const name = `${run}-${suffix}`;
        const arn = (await createServices(emu, name, { scaleOut: true })).clusterArn;
        for (const [service, desiredCount] of Object.entries(desired)) {
          await emu.ecs.send(new UpdateServiceCommand({ cluster: name, service, desiredCount }));
        }
        return { outputs: { ...outputs, ecs_cluster_arn: arn, prefect_url: `http://127.0.0.1:${await freeLoopbackPort()}` } };
      };

      it('is asleep only when the server, the worker and the background services are all at 0', async () => {
        const asleep = await cluster('so-asleep', { 'prefect-server': 0, 'prefect-worker': 0, 'prefect-services': 0 });
        const report = await runDoctor(context({ ...asleep, config: scaleOut(), now: friday8pm }));
        expect(report).toMatchObject({ ok: true, asleepUntil: 'Mon 2026-11-30 08:00 Europe/London' });
        expect(byId(report)['schedule-asleep'].found).toMatch(/^asleep until Mon 2026-11-30 08:00 Europe\/London: prefect-server, prefect-worker and prefect-services scaled to 0 /);
      });

      it('reproduces the gap: background services still running while the rest sleeps are a finding, not sleep', async () => {
        const partly = await cluster('so-partly', { 'prefect-server': 0, 'prefect-worker': 0 });
        const report = await runDoctor(context({ ...partly, config: scaleOut(), now: friday8pm }));
        // Before: the server and worker at 0 read as "asleep" and the report was OK, with prefect-services running (and billing) unseen.
        expect(report.ok).toBe(false);
        expect(report.asleepUntil).toBeUndefined();
        expect(failedIds(report)).toEqual(['schedule-asleep']);
        const check = byId(report)['schedule-asleep'];
        expect(check.found).toBe('partly asleep outside the schedule MON-FRI 08:00–19:00 Europe/London: prefect-server and prefect-worker scaled to 0, '
          + 'but prefect-services (running 1 of desired 1) still runs; services, load balancer targets and the Prefect API are not checked while asleep');
        expect(check.fix).toMatch(/^every scheduled service sleeps outside the hours: wake the whole environment with `platform-ops wake --env dev`, or scale prefect-services to 0 /);
      });

      it('and the other way round: awake outside the hours with the background services at 0 fails their service check', async () => {
        const woken = await cluster('so-woken', { 'prefect-services': 0 });
        const report = await runDoctor(context({ ...woken, config: scaleOut(), now: friday8pm }));
        expect(report.asleepUntil).toBeUndefined();
        expect(byId(report)['ecs-service-services']).toMatchObject({ ok: false, found: expect.stringMatching(/^running 0 of desired 0/) });
        expect(byId(report)['ecs-service-server'].ok).toBe(true);
        expect(byId(report)['ecs-service-worker'].ok).toBe(true);
      });
    });

    it('fails the API checks when the API is unreachable, pointing at the worker\'s ConnectError', async () => {
      const port = await freeLoopbackPort();
      const report = await runDoctor(context({ outputs: { ...outputs, prefect_url: `http://127.0.0.1:${port}` } }));
      expect(failedIds(report)).toEqual(['prefect-api-health', 'prefect-work-pool', 'prefect-worker-heartbeat']);
      const health = byId(report)['prefect-api-health'];
      expect(health.found).toBe(`GET http://127.0.0.1:${port}/api/health: connection refused (ECONNREFUSED)`);
      expect(health.fix).toContain('the API is unreachable, which the worker logs as `ConnectError`');
    });

    it('finds the worker\'s ConnectError in the last hour of its logs', async () => {
      const report = await runDoctor(context({ outputs: { ...outputs, log_group_worker: groups.brokenWorker } }));
      expect(failedIds(report)).toEqual(['runbook-log-signatures']);
      const scan = byId(report)['runbook-log-signatures'];
      expect(scan.found).toMatch(/^worker ConnectError ×1 \(latest .* task 9c8d7e6f: httpx\.ConnectError: All connection attempts failed/);
      expect(scan.fix).toMatch(/^the worker cannot reach PREFECT_API_URL/);
    });

    it('fails when the database security group does not admit the server', async () => {
      // Point "server" at the worker's group, which the database group does not admit.
      const report = await runDoctor(context({ outputs: { ...outputs, server_security_group_id: outputs.worker_security_group_id } }));
      expect(failedIds(report)).toEqual(['aurora-security-group']);
      expect(byId(report)['aurora-security-group'].fix).toMatch(/^the server's database connections time out: add ingress tcp 5432 from sg-/);
    });

    it('fails with a wrong auth string and a stale worker heartbeat', async () => {
      const wrong = byId(await runDoctor(context({ apiAuthString: 'prefect:wrong' })));
      expect(wrong['prefect-work-pool'].found).toContain('→ 401 with the auth string from PREFECT_API_AUTH_STRING');
      expect(wrong['prefect-work-pool'].fix).toContain('PREFECT_SERVER_API_AUTH_STRING');

      prefect.recordWorkerHeartbeat('blog-data-pool', 'ecs-worker-1', { at: new Date(Date.now() - 10 * 60_000) });
      prefect.runForeman();
      try {
        const stale = byId(await runDoctor(context()))['prefect-worker-heartbeat'];
        expect(stale).toMatchObject({ ok: false, found: 'no recent heartbeat: ecs-worker-1 OFFLINE heartbeat 10 min ago' });
      } finally {
        prefect.recordWorkerHeartbeat('blog-data-pool', 'ecs-worker-1');
      }
    });

    it('runs as a CLI: exit 0 with --json when healthy, exit 1 and ✗ lines when not', async () => {
      const io = (environ: NodeJS.ProcessEnv) => {
        const captured = captureIo({ PLATFORM_PROJECT: project, PLATFORM_ENDPOINT: 'cloudfront', ...environ });
        return { ...captured, out: captured.stdout, err: captured.stderr };
      };
      const ok = io({ PLATFORM_IMAGE__TAG: tagged.amd64 });
      expect(await main(['doctor', '--env', 'dev', '--infra-outputs', outputsFile, '--registry', svc.TEST_REGISTRY, '--json'], ok)).toBe(0);
      expect(JSON.parse(ok.out.text)).toMatchObject({ env: 'dev', ok: true });

      const bad = io({ PLATFORM_IMAGE__TAG: tagged.arm64, IMAGE_REGISTRY: svc.TEST_REGISTRY });
      expect(await main(['doctor', '--env', 'dev', '--infra-outputs', outputsFile], bad)).toBe(1);
      expect(bad.out.text).toContain(`✗ image ${repository}:${tagged.arm64} exists and is linux/amd64`);
      expect(bad.out.text).toContain('✓ ECS service prefect-server runs its desired tasks');
      expect(bad.out.text).toContain('1 of 14 checks failed');
    });
  });
