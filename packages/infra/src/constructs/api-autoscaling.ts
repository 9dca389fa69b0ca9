import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { Construct } from 'constructs';

/** Properties of {@link ApiAutoscaling}. */
export interface ApiAutoscalingProps {
  /** Prefix of the policies' names, e.g. `blog-data-dev`. Required. */
  readonly namePrefix: string;
  /** ECS cluster name (a reference). Required. */
  readonly clusterName: string;
  /** The API servers' ECS service name (a reference). Required. */
  readonly serviceName: string;
  /** `config.scale.api`: replicas and the two targets. Required. */
  readonly api: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly requestsPerTarget: number;
    readonly cpuPercent: number;
  };
  /**
   * `<alb arn_suffix>/<target group arn_suffix>`, the resource label of ALBRequestCountPerTarget.
   * Without one (a private endpoint has no ALB) only the CPU target is tracked. Default none.
   */
  readonly albResourceLabel?: string;
  /** A scalable target that already exists for the service (the schedule's); else one is created. Default none. */
  readonly target?: AppautoscalingTarget;
}

/**
 * Target tracking for the API servers: one policy on ALB requests per target, one on average
 * CPU. Application Auto Scaling scales out when either is above its target and in only when
 * both allow it, between `minReplicas` and `maxReplicas` (which a schedule moves to 0 at night).
 */
export class ApiAutoscaling extends Construct {
  /** The scalable target the policies act on. */
  readonly target: AppautoscalingTarget;

  constructor(scope: Construct, id: string, props: ApiAutoscalingProps) {
    super(scope, id);
    const a = props.api;
    if (!Number.isInteger(a.minReplicas) || a.minReplicas < 1 || !Number.isInteger(a.maxReplicas) || a.maxReplicas < a.minReplicas) {
      throw new Error(`ApiAutoscaling.api: minReplicas ${a.minReplicas} and maxReplicas ${a.maxReplicas} must be whole numbers with 1 ≤ min ≤ max`);
    }
    if (!(a.cpuPercent > 0 && a.cpuPercent <= 100)) throw new Error(`ApiAutoscaling.api.cpuPercent: ${a.cpuPercent} must be in (0, 100]`);
    if (!(a.requestsPerTarget > 0)) throw new Error(`ApiAutoscaling.api.requestsPerTarget: ${a.requestsPerTarget} must be > 0`);
    this.target = props.target ?? new AppautoscalingTarget(this, 'target', {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${props.clusterName}/${props.serviceName}`,
      minCapacity: a.minReplicas,
      maxCapacity: a.maxReplicas,
    });
    type Metric = { predefinedMetricType: string; resourceLabel?: string };
    const policy = (key: string, metric: Metric, targetValue: number, after?: AppautoscalingPolicy) =>
      new AppautoscalingPolicy(this, key, {
        name: `${props.namePrefix}-api-${key}`,
        policyType: 'TargetTrackingScaling',
        serviceNamespace: this.target.serviceNamespace,
        resourceId: this.target.resourceId,
        scalableDimension: this.target.scalableDimension,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: metric,
          targetValue,
          // Out quickly (a burst of runs), in slowly (websocket clients reconnect on scale-in).
          scaleOutCooldown: 60,
          scaleInCooldown: 300,
        },
        // Two policies written at once on one target fail with ConcurrentUpdateException.
        dependsOn: after ? [after] : undefined,
      });
    const requests = props.albResourceLabel === undefined
      ? undefined
      : policy('requests', { predefinedMetricType: 'ALBRequestCountPerTarget', resourceLabel: props.albResourceLabel }, a.requestsPerTarget);
    policy('cpu', { predefinedMetricType: 'ECSServiceAverageCPUUtilization' }, a.cpuPercent, requests);
  }
}
