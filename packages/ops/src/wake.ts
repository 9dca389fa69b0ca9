import {
  ApplicationAutoScalingClient, DeleteScheduledActionCommand, DescribeScalableTargetsCommand, DescribeScalableTargetsCommandOutput,
  DescribeScheduledActionsCommand, DescribeScheduledActionsCommandOutput,
  PutScheduledActionCommand, RegisterScalableTargetCommand, ScalableTarget, ScheduledAction,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { UserError, usageError } from '@blog-data/cli-kit';
import type { PlatformConfig, ServiceSchedule } from '@blog-data/config';
import { describeSchedule, formatInZone, localIsoInZone, nextScheduledAction } from './schedule-clock';

/** The scalable dimension infra's service schedule registers (packages/infra, `ServiceSchedule`). */
const DIMENSION = 'ecs:service:DesiredCount';
/** Name suffix of the one-time stop `wake --hours` adds (replaced by each wake). */
const WAKE_STOP_SUFFIX = '-wake-stop';

/** The SDK clients a wake uses. */
export interface WakeClients {
  readonly ecs: ECSClient;
  readonly autoscaling: ApplicationAutoScalingClient;
}

/** One scheduled ECS service as Application Auto Scaling has it. */
export interface ScheduledService {
  /** ECS service name. */
  readonly service: string;
  /** `service/<cluster>/<service>`. */
  readonly resourceId: string;
  /** The target's min/max now (0/0 after a scheduled stop). */
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** What the scheduled start action sets (the running capacity). */
  readonly startCapacity: { readonly min: number; readonly max: number };
  /** The recurring stop action's name (the one that puts the service back to sleep). */
  readonly stopActionName: string;
  /** One-time stops left by earlier wakes. */
  readonly wakeStopNames: readonly string[];
}

/** What `wake` will do: decided from the schedule, the clock and the registered targets, before anything changes. */
export interface WakePlan {
  readonly env: string;
  readonly cluster: string;
  readonly schedule: ServiceSchedule;
  readonly services: readonly ScheduledService[];
  /** When the services scale to 0 again. */
  readonly sleepsAt: Date;
  /** `scheduled stop` (the recurring action) or `one-time stop` (`--hours`). */
  readonly sleepsBy: 'scheduled stop' | 'one-time stop';
  /** The one-time stop's `at(...)` wall-clock time in the schedule's zone, when `--hours` ends the wake before the next scheduled stop. */
  readonly oneTimeStopAt?: string;
}

/** What `wake` did. */
export interface WakeResult {
  readonly env: string;
  readonly cluster: string;
  readonly services: readonly { readonly service: string; readonly desiredBefore: number; readonly desiredAfter: number }[];
  /** ISO time (UTC) the services scale to 0 again. */
  readonly sleepsAt: string;
  /** The same time on the schedule's wall clock, e.g. `Mon 2026-11-30 19:00 Europe/London`. */
  readonly sleepsAtLocal: string;
  readonly sleepsBy: WakePlan['sleepsBy'];
  /** The schedule, e.g. `MON-FRI 08:00–19:00 Europe/London`. */
  readonly schedule: string;
}

/** Reads every ECS service of `cluster` that Application Auto Scaling schedules, with its start and stop actions. */
export async function readScheduledServices(autoscaling: ApplicationAutoScalingClient, cluster: string): Promise<ScheduledService[]> {
  const prefix = `service/${cluster}/`;
  const targets: ScalableTarget[] = [];
  let token: string | undefined;
  do {
    const page: DescribeScalableTargetsCommandOutput = await autoscaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', NextToken: token }));
    targets.push(...(page.ScalableTargets ?? []).filter((t) => t.ResourceId?.startsWith(prefix) && t.ScalableDimension === DIMENSION));
    token = page.NextToken;
  } while (token);
  const actions: ScheduledAction[] = [];
  token = undefined;
  do {
    const page: DescribeScheduledActionsCommandOutput = await autoscaling.send(new DescribeScheduledActionsCommand({ ServiceNamespace: 'ecs', NextToken: token }));
    actions.push(...(page.ScheduledActions ?? []).filter((a) => a.ResourceId?.startsWith(prefix)));
    token = page.NextToken;
  } while (token);

  return targets.map((t) => {
    const own = actions.filter((a) => a.ResourceId === t.ResourceId && a.ScalableDimension === DIMENSION);
    const recurring = own.filter((a) => a.Schedule?.startsWith('cron('));
    const start = recurring.find((a) => (a.ScalableTargetAction?.MinCapacity ?? 0) > 0);
    const stop = recurring.find((a) => a.ScalableTargetAction?.MaxCapacity === 0);
    const service = t.ResourceId!.slice(prefix.length);
    const startMin = start?.ScalableTargetAction?.MinCapacity ?? 0;
    if (!start || !stop) {
      throw new UserError(`service ${service} has no scheduled ${start ? 'stop' : 'start'} action`, t.ResourceId!,
        'apply the platform stack: its service schedule creates both actions');
    }
    return {
      service,
      resourceId: t.ResourceId!,
      minCapacity: t.MinCapacity ?? 0,
      maxCapacity: t.MaxCapacity ?? 0,
      startCapacity: { min: startMin, max: start.ScalableTargetAction!.MaxCapacity ?? startMin },
      stopActionName: stop.ScheduledActionName!,
      wakeStopNames: own.filter((a) => a.ScheduledActionName?.endsWith(WAKE_STOP_SUFFIX)).map((a) => a.ScheduledActionName!),
    };
  }).sort((a, b) => a.service.localeCompare(b.service));
}

/**
 * Decides when a wake ends: at the next scheduled stop, or after `hours` when that comes first and
 * before the next scheduled start (a wake that reaches working hours simply runs into the day).
 */
export function planWake(input: {
  readonly config: PlatformConfig;
  readonly cluster: string;
  readonly services: readonly ScheduledService[];
  readonly now: Date;
  readonly hours?: number;
}): WakePlan {
  const { config, cluster, services, now, hours } = input;
  const schedule = config.schedule;
  if (!schedule) {
    throw usageError(`${config.env} has no schedule: its services run around the clock`, `${config.env}.schedule`, 'nothing to wake; `platform-ops doctor` shows why a service is down');
  }
  if (services.length === 0) {
    throw new UserError(`no service of cluster ${cluster} is scheduled by Application Auto Scaling`, `cluster ${cluster}`,
      `apply the platform stack of ${config.env}: with \`schedule\` set it registers the server and worker services`);
  }
  const nextStop = nextScheduledAction(schedule, 'stop', now);
  const nextStart = nextScheduledAction(schedule, 'start', now);
  const base = { env: config.env, cluster, schedule, services };
  if (hours !== undefined) {
    const end = new Date(now.getTime() + hours * 3600 * 1000);
    if (end < nextStop && end < nextStart) {
      return { ...base, sleepsAt: end, sleepsBy: 'one-time stop', oneTimeStopAt: localIsoInZone(end, schedule.timezone) };
    }
  }
  return { ...base, sleepsAt: nextStop, sleepsBy: 'scheduled stop' };
}

/**
 * Carries out a wake plan: each service's scalable target gets the start action's min/max (as the
 * scheduled start would set them, so the next scheduled stop sets 0 again), the ECS service the
 * same desired count at once, and earlier wakes' one-time stops are replaced.
 */
export async function executeWake(plan: WakePlan, clients: WakeClients): Promise<WakeResult> {
  const names = plan.services.map((s) => s.service);
  const before = await clients.ecs.send(new DescribeServicesCommand({ cluster: plan.cluster, services: names }));
  const desiredBefore = new Map((before.services ?? []).map((s) => [s.serviceName, s.desiredCount ?? 0]));
  const results = [];
  for (const s of plan.services) {
    await clients.autoscaling.send(new RegisterScalableTargetCommand({
      ServiceNamespace: 'ecs', ResourceId: s.resourceId, ScalableDimension: DIMENSION, MinCapacity: s.startCapacity.min, MaxCapacity: s.startCapacity.max,
    }));
    // Application Auto Scaling raises the desired count to the new minimum by itself, but only on
    // its next evaluation; ECS takes it now.
    await clients.ecs.send(new UpdateServiceCommand({ cluster: plan.cluster, service: s.service, desiredCount: s.startCapacity.min }));
    for (const name of s.wakeStopNames) {
      await clients.autoscaling.send(new DeleteScheduledActionCommand({
        ServiceNamespace: 'ecs', ResourceId: s.resourceId, ScalableDimension: DIMENSION, ScheduledActionName: name,
      }));
    }
    if (plan.oneTimeStopAt) {
      await clients.autoscaling.send(new PutScheduledActionCommand({
        ServiceNamespace: 'ecs',
        ResourceId: s.resourceId,
        ScalableDimension: DIMENSION,
        ScheduledActionName: `${s.stopActionName.replace(/-stop$/, '')}${WAKE_STOP_SUFFIX}`,
        Schedule: `at(${plan.oneTimeStopAt})`,
        Timezone: plan.schedule.timezone,
        ScalableTargetAction: { MinCapacity: 0, MaxCapacity: 0 },
      }));
    }
    results.push({ service: s.service, desiredBefore: desiredBefore.get(s.service) ?? 0, desiredAfter: s.startCapacity.min });
  }
  return {
    env: plan.env,
    cluster: plan.cluster,
    services: results,
    sleepsAt: plan.sleepsAt.toISOString(),
    sleepsAtLocal: formatInZone(plan.sleepsAt, plan.schedule.timezone),
    sleepsBy: plan.sleepsBy,
    schedule: describeSchedule(plan.schedule),
  };
}

/** Reads the targets, plans and wakes `config`'s environment. */
export async function wakeEnvironment(input: {
  readonly config: PlatformConfig;
  readonly cluster?: string;
  readonly clients: WakeClients;
  readonly now?: Date;
  readonly hours?: number;
}): Promise<WakeResult> {
  const cluster = input.cluster ?? input.config.ecs.clusterName;
  // Without a schedule there is nothing to read: planWake says so.
  const services = input.config.schedule ? await readScheduledServices(input.clients.autoscaling, cluster) : [];
  return executeWake(planWake({ config: input.config, cluster, services, now: input.now ?? new Date(), hours: input.hours }), input.clients);
}

/** The human report of a wake. */
export function renderWake(result: WakeResult, now: Date = new Date()): string {
  const width = Math.max(...result.services.map((s) => s.service.length));
  const lines = result.services.map((s) => `  ${s.service.padEnd(width)}  desired ${s.desiredBefore} → ${s.desiredAfter}${s.desiredBefore >= s.desiredAfter ? ' (was already running)' : ''}`);
  const hoursLeft = (new Date(result.sleepsAt).getTime() - now.getTime()) / 3600_000;
  return [
    `woke ${result.env} (cluster ${result.cluster}, schedule ${result.schedule}):`,
    ...lines,
    `sleeps again at ${result.sleepsAtLocal} (${result.sleepsBy}), in ${hoursLeft.toFixed(1)} h.`,
    ...(result.sleepsBy === 'scheduled stop' && hoursLeft > 12 ? ['That is past tonight: `--hours N` puts it to sleep sooner (a one-time stop).'] : []),
    'Tasks take a minute or two to start (a paused Aurora resumes on the first connection): `platform-ops doctor` shows when they run.',
    '',
  ].join('\n');
}
