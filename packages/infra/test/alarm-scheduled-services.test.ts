import { alarmState } from './alarm-evaluator';
import { configFor, one, synthBoth } from './helpers';

/** Five minutes of one value (undefined = the metric reported nothing). */
const five = (v: number | undefined) => Array.from({ length: 5 }, () => v);

describe('worker alarm under a schedule (running vs desired, issue #19)', () => {
  // dev: a schedule and no Container Insights; prod's shape with Container Insights.
  const dev = one(synthBoth(configFor('dev')).platform, 'aws_cloudwatch_metric_alarm', 'worker-not-running');
  const insights = one(synthBoth(configFor('staging', { ecs: { containerInsights: true } })).platform, 'aws_cloudwatch_metric_alarm', 'worker-not-running');

  it('reproduces the report: the previous alarm (CPU samples < 1, missing = breaching) fired every night', () => {
    const previous = { metric_name: 'CPUUtilization', statistic: 'SampleCount', period: 60, evaluation_periods: 5, threshold: 1, comparison_operator: 'LessThanThreshold', treat_missing_data: 'breaching' };
    expect(alarmState(previous, { CPUUtilization: five(undefined) })).toBe('ALARM');
  });

  it('stays OK at night when the schedule has scaled every service to 0 (nothing reports)', () => {
    // The alarm this replaces counted CPU samples with missing data as breaching: it fired nightly.
    expect(alarmState(dev, { server: five(undefined), running: five(undefined) })).toBe('OK');
    expect(alarmState(insights, { desired: five(0), running: five(0) })).toBe('OK');
    expect(alarmState(insights, { desired: five(undefined), running: five(undefined) })).toBe('OK');
  });

  it('fires in working hours when the worker is down', () => {
    expect(alarmState(dev, { server: five(1), running: five(undefined) })).toBe('ALARM');
    expect(alarmState(insights, { desired: five(1), running: five(0) })).toBe('ALARM');
  });

  it('stays OK while the worker runs, and through a restart shorter than 5 minutes', () => {
    expect(alarmState(dev, { server: five(1), running: five(1) })).toBe('OK');
    expect(alarmState(dev, { server: five(1), running: [1, undefined, undefined, 1, 1] })).toBe('OK');
    expect(alarmState(insights, { desired: five(1), running: five(1) })).toBe('OK');
    expect(alarmState(insights, { desired: five(2), running: [1, 1, 2, 2, 2] })).toBe('OK');
  });

  it('reads the worker service and, without Container Insights, the server service as the schedule\'s witness', () => {
    const byId = Object.fromEntries((dev.metric_query as Record<string, any>[]).map((q) => [q.id, q]));
    expect(byId.running.metric).toMatchObject({ namespace: 'AWS/ECS', metric_name: 'CPUUtilization', stat: 'SampleCount', period: 60 });
    expect(byId.running.metric.dimensions.ServiceName).toContain('prefect-worker');
    expect(byId.server.metric.dimensions.ServiceName).toContain('prefect-server');
    const ci = Object.fromEntries((insights.metric_query as Record<string, any>[]).map((q) => [q.id, q.metric?.metric_name]));
    expect(ci).toMatchObject({ desired: 'DesiredTaskCount', running: 'RunningTaskCount' });
  });
});

describe('no-healthy-targets under a schedule (issue #19: it fired every night)', () => {
  // Staging: a schedule and a load balancer (dev's default private endpoint has none), without and with Container Insights.
  const dev = one(synthBoth(configFor('staging')).platform, 'aws_cloudwatch_metric_alarm', 'no-healthy-targets');
  const insights = one(synthBoth(configFor('staging', { ecs: { containerInsights: true } })).platform, 'aws_cloudwatch_metric_alarm', 'no-healthy-targets');
  const three = (v: number | undefined) => [v, v, v];

  it('reproduces the report: HealthyHostCount < 1 with missing data breaching is ALARM when the schedule empties the target group', () => {
    // The alarm as it was synthesized: the ALB reports 0 healthy hosts, or nothing, once the server is at 0.
    const previous = {
      metric_name: 'HealthyHostCount', statistic: 'Minimum', period: 60, evaluation_periods: 3, threshold: 1, comparison_operator: 'LessThanThreshold', treat_missing_data: 'breaching',
    };
    expect(alarmState(previous, { HealthyHostCount: three(undefined) })).toBe('ALARM');
    expect(alarmState(previous, { HealthyHostCount: three(0) })).toBe('ALARM');
  });

  it('stays OK at night: nothing runs, so no server is missing (0 or no HealthyHostCount)', () => {
    for (const healthy of [three(undefined), three(0)]) {
      expect(alarmState(dev, { server: three(undefined), worker: three(undefined), healthy })).toBe('OK');
      expect(alarmState(insights, { desired: three(0), healthy })).toBe('OK');
      expect(alarmState(insights, { desired: three(undefined), healthy })).toBe('OK');
    }
  });

  it('fires while awake when no target is healthy: a server task that fails its health check, or only the worker running', () => {
    expect(alarmState(dev, { server: three(1), worker: three(1), healthy: three(0) })).toBe('ALARM');
    // HealthyHostCount not published at all while a server should run counts as 0 healthy (FILL).
    expect(alarmState(dev, { server: three(1), worker: three(1), healthy: three(undefined) })).toBe('ALARM');
    // The server has no task at all (crash loop), the worker runs: the same outage.
    expect(alarmState(dev, { server: three(undefined), worker: three(1), healthy: three(undefined) })).toBe('ALARM');
    expect(alarmState(insights, { desired: three(1), healthy: three(0) })).toBe('ALARM');
    expect(alarmState(insights, { desired: three(2), healthy: three(undefined) })).toBe('ALARM');
  });

  it('stays OK while a server is healthy, and through a replacement shorter than 3 minutes', () => {
    expect(alarmState(dev, { server: three(1), worker: three(1), healthy: three(1) })).toBe('OK');
    expect(alarmState(dev, { server: three(1), worker: three(1), healthy: [0, 0, 1] })).toBe('OK');
    expect(alarmState(insights, { desired: three(2), healthy: [1, 2, 2] })).toBe('OK');
  });

  it('reads the target group\'s HealthyHostCount and, for "should run", the server (and worker) services', () => {
    const byId = (a: Record<string, any>) => Object.fromEntries((a.metric_query as Record<string, any>[]).map((q) => [q.id, q]));
    const q = byId(dev);
    expect(q.healthy.metric).toMatchObject({ namespace: 'AWS/ApplicationELB', metric_name: 'HealthyHostCount', stat: 'Minimum', period: 60 });
    expect(q.healthy.metric.dimensions.TargetGroup).toContain('aws_lb_target_group');
    expect(q.server.metric.dimensions.ServiceName).toContain('prefect-server');
    expect(q.worker.metric.dimensions.ServiceName).toContain('prefect-worker');
    expect(dev).toMatchObject({ evaluation_periods: 3, threshold: 1, comparison_operator: 'LessThanThreshold', treat_missing_data: 'notBreaching' });
    expect(byId(insights).desired.metric).toMatchObject({ namespace: 'ECS/ContainerInsights', metric_name: 'DesiredTaskCount' });
  });
});
