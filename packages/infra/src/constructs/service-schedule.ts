import type { ServiceSchedule as Schedule } from '@blog-data/config';
import { AppautoscalingScheduledAction } from '@cdktf/provider-aws/lib/appautoscaling-scheduled-action';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { Construct } from 'constructs';

/** Properties of {@link ServiceSchedule}. */
export interface ServiceScheduleProps {
  /** Prefix of the scheduled actions' names, e.g. `blog-data-dev`. Required. */
  readonly namePrefix: string;
  /** ECS cluster name (a reference, so the target waits for the cluster). Required. */
  readonly clusterName: string;
  /** ECS service names (references, so the targets wait for the services), keyed by a construct id. Required. */
  readonly services: Readonly<Record<string, string>>;
  /** `config.schedule`: the hours the services run. Required. */
  readonly schedule: Schedule;
  /** Tasks per service inside the hours. Default 1. */
  readonly runningCount?: number;
  /** Per-service capacity inside the hours (an autoscaled service: its min and max), by the keys of `services`. Default `runningCount` for both. */
  readonly capacities?: Readonly<Record<string, { readonly min: number; readonly max: number }>>;
}

/**
 * Scale to zero outside working hours: each ECS service becomes an Application Auto Scaling
 * target whose scheduled actions set its capacity to 0 at `stopHour` and back to
 * `runningCount` at `startHour` on `schedule.weekdays`, in `schedule.timezone` (daylight saving
 * followed by AWS). Days outside `weekdays` keep the last stop. The services must ignore
 * `desired_count` in terraform, or each apply would undo the schedule.
 */
export class ServiceSchedule extends Construct {
  /** The scalable target of each service, by the same keys as `props.services`. */
  readonly targets: Readonly<Record<string, AppautoscalingTarget>>;

  constructor(scope: Construct, id: string, props: ServiceScheduleProps) {
    super(scope, id);
    const running = props.runningCount ?? 1;
    if (!Number.isInteger(running) || running < 1) {
      throw new Error(`ServiceSchedule.runningCount: ${running} must be a whole number ≥ 1`);
    }
    const s = props.schedule;
    if (!(s.startHour < s.stopHour)) {
      throw new Error(`ServiceSchedule.schedule: stopHour ${s.stopHour} must be after startHour ${s.startHour}`);
    }
    const targets: Record<string, AppautoscalingTarget> = {};
    for (const [key, serviceName] of Object.entries(props.services)) {
      const { min, max } = props.capacities?.[key] ?? { min: running, max: running };
      if (!Number.isInteger(min) || min < 1 || !Number.isInteger(max) || max < min) {
        throw new Error(`ServiceSchedule.capacities.${key}: min ${min} and max ${max} must be whole numbers with 1 ≤ min ≤ max`);
      }
      const target = new AppautoscalingTarget(this, `${key}-target`, {
        serviceNamespace: 'ecs',
        scalableDimension: 'ecs:service:DesiredCount',
        resourceId: `service/${props.clusterName}/${serviceName}`,
        minCapacity: min,
        maxCapacity: max,
        // The scheduled actions move min/max; terraform must not move them back on the next apply.
        lifecycle: { ignoreChanges: ['min_capacity', 'max_capacity'] },
      });
      const at = (hour: number) => `cron(0 ${hour} ? * ${s.weekdays} *)`;
      const stop = new AppautoscalingScheduledAction(this, `${key}-stop`, {
        name: `${props.namePrefix}-${key}-stop`,
        serviceNamespace: target.serviceNamespace,
        resourceId: target.resourceId,
        scalableDimension: target.scalableDimension,
        schedule: at(s.stopHour),
        timezone: s.timezone,
        scalableTargetAction: { minCapacity: '0', maxCapacity: '0' },
      });
      new AppautoscalingScheduledAction(this, `${key}-start`, {
        name: `${props.namePrefix}-${key}-start`,
        serviceNamespace: target.serviceNamespace,
        resourceId: target.resourceId,
        scalableDimension: target.scalableDimension,
        schedule: at(s.startHour),
        timezone: s.timezone,
        scalableTargetAction: { minCapacity: String(min), maxCapacity: String(max) },
        // Two actions on one target written at once fail with ConcurrentUpdateException.
        dependsOn: [stop],
      });
      targets[key] = target;
    }
    this.targets = targets;
  }
}
