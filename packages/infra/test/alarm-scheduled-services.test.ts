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
