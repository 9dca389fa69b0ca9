import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { describeSchedule, formatInZone, isWithinSchedule, nextScheduledAction } from '../schedule-clock';
import { SERVICES } from './ecs';
import { CheckResult, DoctorContext, pass } from './types';

/** The environment scaled to zero by its schedule, or undefined when it should be (or is) running. */
export interface Asleep {
  /** The next scheduled start on the schedule's wall clock, e.g. `Mon 2026-11-30 08:00 Europe/London`. */
  readonly untilLocal: string;
  /** The same time, ISO (UTC). */
  readonly until: string;
  /** The check that stands in for the services, load balancer and Prefect checks. */
  readonly check: CheckResult;
}

/**
 * Whether the environment is asleep by its schedule: it has one, the time is outside its hours,
 * and the server and worker services both want 0 tasks. Inside the hours, or with a service
 * woken, the usual checks run (a service at 0 during working hours is a failure). An ECS error
 * also leaves it to the usual checks, which report it.
 */
export async function readAsleep(ctx: DoctorContext): Promise<Asleep | undefined> {
  const schedule = ctx.config.schedule;
  const now = (ctx.now ?? (() => new Date()))();
  if (!schedule || isWithinSchedule(schedule, now)) return undefined;
  const cluster = ctx.outputs.ecs_cluster_arn ?? ctx.outputs.ecs_cluster_name ?? ctx.config.ecs.clusterName;
  const names = Object.values(SERVICES).map((s) => s.name);
  const res = await ctx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: names })).catch(() => undefined);
  const services = (res?.services ?? []).filter((s) => s.status !== 'INACTIVE');
  if (services.length !== names.length || services.some((s) => (s.desiredCount ?? 0) !== 0 || (s.runningCount ?? 0) !== 0)) return undefined;
  const next = nextScheduledAction(schedule, 'start', now);
  const untilLocal = formatInZone(next, schedule.timezone);
  return {
    untilLocal,
    until: next.toISOString(),
    check: pass('schedule-asleep', 'the environment follows its schedule',
      `asleep until ${untilLocal}: ${names.join(' and ')} scaled to 0 by the schedule ${describeSchedule(schedule)}; `
      + `services, load balancer targets and the Prefect API are not checked while asleep (\`platform-ops wake --env ${ctx.config.env}\` wakes it)`),
  };
}
