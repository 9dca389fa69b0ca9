import {
  ApplicationAutoScalingClient, DeregisterScalableTargetCommand, DescribeScalableTargetsCommand, DescribeScheduledActionsCommand,
  PutScheduledActionCommand, RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { loadConfig } from '@blog-data/config';
import { describeWithServices, uniqueName } from '@blog-data/test-support';
import { createServices, emulatorClients, EmulatorClients, removeCreated } from './aws-fixtures';
import { captureIo } from './cli-io';
import { main, wakeEnvironment } from '../src';

const SERVICES = ['prefect-server', 'prefect-worker'];

describeWithServices('platform-ops wake against the AWS emulator (ECS + Application Auto Scaling)', ['AWS_ENDPOINT_URL'], () => {
  const cluster = uniqueName('wake');
  const unscheduled = uniqueName('wake-none');
  const environ = { PLATFORM_ECS__CLUSTER_NAME: cluster };
  const config = loadConfig({ env: 'dev', environ });
  const region = config.aws.region;
  let emu: EmulatorClients;
  let autoscaling: ApplicationAutoScalingClient;

  const run = async (args: string[], env: NodeJS.ProcessEnv = environ) => {
    const io = captureIo(env);
    const code = await main(args, io);
    return { code, out: io.stdout.text, err: io.stderr.text };
  };
  const desired = async () => {
    const res = await emu.ecs.send(new DescribeServicesCommand({ cluster, services: SERVICES }));
    return Object.fromEntries((res.services ?? []).map((s) => [s.serviceName, s.desiredCount]));
  };
  const targets = async () => {
    const res = await autoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: SERVICES.map((s) => `service/${cluster}/${s}`) }));
    return Object.fromEntries((res.ScalableTargets ?? []).map((t) => [t.ResourceId!.split('/')[2], [t.MinCapacity, t.MaxCapacity]]));
  };
  const actions = async () => {
    const res = await autoscaling.send(new DescribeScheduledActionsCommand({ ServiceNamespace: 'ecs' }));
    return (res.ScheduledActions ?? []).filter((a) => a.ResourceId?.startsWith(`service/${cluster}/`));
  };

  /** The state infra's ServiceSchedule leaves after a scheduled stop: targets at 0/0, both actions, services at 0. */
  const putToSleep = async () => {
    for (const service of SERVICES) {
      const target = { ServiceNamespace: 'ecs' as const, ResourceId: `service/${cluster}/${service}`, ScalableDimension: 'ecs:service:DesiredCount' as const };
      await autoscaling.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: 0, MaxCapacity: 0 }));
      const role = service.replace('prefect-', '');
      await autoscaling.send(new PutScheduledActionCommand({
        ...target,
        ScheduledActionName: `blog-data-dev-${role}-stop`,
        Schedule: 'cron(0 19 ? * MON-FRI *)',
        Timezone: 'Europe/London',
        ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 },
      }));
      await autoscaling.send(new PutScheduledActionCommand({
        ...target,
        ScheduledActionName: `blog-data-dev-${role}-start`,
        Schedule: 'cron(0 8 ? * MON-FRI *)',
        Timezone: 'Europe/London',
        ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 1 },
      }));
      await emu.ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: 0 }));
    }
  };

  beforeAll(async () => {
    emu = emulatorClients(region);
    autoscaling = new ApplicationAutoScalingClient({ region });
    await createServices(emu, cluster);
    await createServices(emu, unscheduled);
    emu.cleanups.push(async () => {
      for (const service of SERVICES) {
        await autoscaling.send(new DeregisterScalableTargetCommand({ ServiceNamespace: 'ecs', ResourceId: `service/${cluster}/${service}`, ScalableDimension: 'ecs:service:DesiredCount' }));
      }
    });
  });

  afterAll(async () => {
    const problems = await removeCreated(emu);
    autoscaling.destroy();
    expect(problems).toEqual([]);
  });

  it('sets both services to the scheduled start\'s capacity and says when the scheduled stop puts them back to sleep', async () => {
    await putToSleep();
    expect(await desired()).toEqual({ 'prefect-server': 0, 'prefect-worker': 0 });

    const res = await run(['wake', '--env', 'dev']);
    expect(res).toMatchObject({ code: 0, err: '' });
    expect(await desired()).toEqual({ 'prefect-server': 1, 'prefect-worker': 1 });
    // min/max as the start action sets them: the stop action (0/0) puts the services back to sleep.
    expect(await targets()).toEqual({ 'prefect-server': [1, 1], 'prefect-worker': [1, 1] });
    expect(res.out).toContain(`woke dev (cluster ${cluster}, schedule MON-FRI 08:00–19:00 Europe/London):`);
    expect(res.out).toMatch(/prefect-server +desired 0 → 1\n/);
    expect(res.out).toMatch(/prefect-worker +desired 0 → 1\n/);
    expect(res.out).toMatch(/sleeps again at (Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 19:00 Europe\/London \(scheduled stop\), in \d+\.\d h\./);
  });

  it('with --hours adds a one-time stop in the schedule\'s zone, and the next wake replaces it', async () => {
    await putToSleep();
    // Saturday 10:00 in London (GMT in November): the next scheduled stop is Monday 19:00.
    const saturday = new Date('2026-11-28T10:00:00Z');
    const clients = { ecs: emu.ecs, autoscaling };
    const result = await wakeEnvironment({ config, clients, now: saturday, hours: 2 });
    expect(result).toMatchObject({ sleepsAt: '2026-11-28T12:00:00.000Z', sleepsAtLocal: 'Sat 2026-11-28 12:00 Europe/London', sleepsBy: 'one-time stop' });
    expect(await desired()).toEqual({ 'prefect-server': 1, 'prefect-worker': 1 });
    const oneTime = (await actions()).filter((a) => a.Schedule?.startsWith('at('));
    expect(oneTime.map((a) => [a.ScheduledActionName, a.Schedule, a.ScalableTargetAction]).sort()).toEqual([
      ['blog-data-dev-server-wake-stop', 'at(2026-11-28T12:00:00)', { MinCapacity: 0, MaxCapacity: 0 }],
      ['blog-data-dev-worker-wake-stop', 'at(2026-11-28T12:00:00)', { MinCapacity: 0, MaxCapacity: 0 }],
    ]);

    const again = await wakeEnvironment({ config, clients, now: new Date('2026-11-28T11:00:00Z') });
    expect(again).toMatchObject({ sleepsAtLocal: 'Mon 2026-11-30 19:00 Europe/London', sleepsBy: 'scheduled stop' });
    expect((await actions()).filter((a) => a.Schedule?.startsWith('at('))).toEqual([]);
    expect((await actions()).map((a) => a.ScheduledActionName).sort()).toEqual([
      'blog-data-dev-server-start', 'blog-data-dev-server-stop', 'blog-data-dev-worker-start', 'blog-data-dev-worker-stop',
    ]);
  });

  it('refuses prod, which has no schedule, with exit 2 and changes nothing', async () => {
    const res = await run(['wake', '--env', 'prod']);
    expect(res).toEqual({ code: 2, out: '', err: 'error: prod has no schedule: its services run around the clock (prod.schedule): nothing to wake; `platform-ops doctor` shows why a service is down\n' });
  });

  it('names the cluster when nothing in it is scheduled (platform stack not applied)', async () => {
    const res = await run(['wake', '--env', 'dev'], { PLATFORM_ECS__CLUSTER_NAME: unscheduled });
    expect(res.code).toBe(1);
    expect(res.err).toBe(`error: no service of cluster ${unscheduled} is scheduled by Application Auto Scaling (cluster ${unscheduled}): apply the platform stack of dev: with \`schedule\` set it registers the server and worker services\n`);
  });

  it('refuses a bad --hours with the flag named', async () => {
    const res = await run(['wake', '--env', 'dev', '--hours', 'soon']);
    expect(res).toMatchObject({ code: 2, err: 'error: "soon" is not a number of hours (0–168) (--hours): pass e.g. --hours 2\n' });
  });
});
