import { DescribeServicesCommand, Service } from '@aws-sdk/client-ecs';
import { describeSchedule, formatInZone, isWithinSchedule, nextScheduledAction } from '../schedule-clock';
import { SERVICES, serviceRoles } from './ecs';
import { CheckResult, DoctorContext, fail, pass } from './types';

/** The environment scaled to zero by its schedule (or only partly), or undefined when it should be (or is) running. */
export interface Asleep {
  /** The next scheduled start on the schedule's wall clock, e.g. `Mon 2026-11-30 08:00 Europe/London`. */
  readonly untilLocal: string;
  /** The same time, ISO (UTC). */
  readonly until: string;
  /** True when every scheduled service sleeps; false when the server sleeps but another scheduled service still runs. */
  readonly complete: boolean;
  /** The check that stands in for the services, load balancer and Prefect checks (failing when the sleep is partial). */
  readonly check: CheckResult;
}

const CHECK_ID = 'schedule-asleep';
const CHECK_TITLE = 'the environment follows its schedule';

/**
 * Whether the environment is asleep by its schedule: it has one, the time is outside its hours,
 * and every scheduled service (server, worker and, scale-out, the background services) wants and
 * runs 0 tasks. With the server asleep but another scheduled service still running (a stop that did
 * not happen, a manual start), the sleep is partial: a failing check naming it, since that service
 * costs money and works against a stopped API. With the server running, or inside the hours, the
 * usual checks run (a service at 0 then is a failure). An ECS error also leaves it to the usual
 * checks, which report it.
 */
export async function readAsleep(ctx: DoctorContext): Promise<Asleep | undefined> {
  const schedule = ctx.config.schedule;
  const now = (ctx.now ?? (() => new Date()))();
  if (!schedule || isWithinSchedule(schedule, now)) return undefined;
  const cluster = ctx.outputs.ecs_cluster_arn ?? ctx.outputs.ecs_cluster_name ?? ctx.config.ecs.clusterName;
  const names = serviceRoles(ctx).map((role) => SERVICES[role].name);
  const res = await ctx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: names })).catch(() => undefined);
  const found = new Map((res?.services ?? []).filter((s) => s.status !== 'INACTIVE').map((s) => [s.serviceName, s]));
  if (names.some((n) => !found.has(n))) return undefined;
  const sleeping = (s: Service) => (s.desiredCount ?? 0) === 0 && (s.runningCount ?? 0) === 0;
  const awake = names.filter((n) => !sleeping(found.get(n)!));
  // The API runs: not asleep, the usual checks judge every service (one at 0 fails there).
  if (awake.includes(names[0])) return undefined;
  const next = nextScheduledAction(schedule, 'start', now);
  const untilLocal = formatInZone(next, schedule.timezone);
  const asleepText = names.filter((n) => !awake.includes(n));
  const list = (ns: readonly string[]) => (ns.length > 1 ? `${ns.slice(0, -1).join(', ')} and ${ns[ns.length - 1]}` : ns[0]);
  const skipped = 'services, load balancer targets and the Prefect API are not checked while asleep';
  if (awake.length === 0) {
    return {
      untilLocal,
      until: next.toISOString(),
      complete: true,
      check: pass(CHECK_ID, CHECK_TITLE,
        `asleep until ${untilLocal}: ${list(names)} scaled to 0 by the schedule ${describeSchedule(schedule)}; `
        + `${skipped} (\`platform-ops wake --env ${ctx.config.env}\` wakes it)`),
    };
  }
  const running = awake.map((n) => `${n} (running ${found.get(n)!.runningCount ?? 0} of desired ${found.get(n)!.desiredCount ?? 0})`);
  return {
    untilLocal,
    until: next.toISOString(),
    complete: false,
    check: fail(CHECK_ID, CHECK_TITLE,
      `partly asleep outside the schedule ${describeSchedule(schedule)}: ${list(asleepText)} scaled to 0, but ${list(running)} still ${awake.length > 1 ? 'run' : 'runs'}; ${skipped}`,
      `every scheduled service sleeps outside the hours: wake the whole environment with \`platform-ops wake --env ${ctx.config.env}\`, or scale ${list(awake)} to 0 `
      + `(\`aws ecs update-service --cluster ${cluster} --service ${awake[0]} --desired-count 0\`); a stop that did not happen shows in `
      + '`aws application-autoscaling describe-scheduled-actions --service-namespace ecs`'),
  };
}
