import { configFor, one, resources, synthBoth } from './helpers';

describe('service schedule (scale to zero outside working hours)', () => {
  const dev = synthBoth(configFor('dev')).platform;
  const prod = synthBoth(configFor('prod')).platform;

  it('makes the server and worker services scalable targets that terraform sets up at 1 task and then leaves to the schedule', () => {
    const targets = Object.values(resources(dev, 'aws_appautoscaling_target'));
    expect(targets.map((t) => t.resource_id).sort()).toEqual([
      expect.stringMatching(/^service\/\$\{aws_ecs_cluster\.cluster_.*\.name\}\/\$\{aws_ecs_service\.prefect-server_service_.*\.name\}$/),
      expect.stringMatching(/^service\/\$\{aws_ecs_cluster\.cluster_.*\.name\}\/\$\{aws_ecs_service\.prefect-worker_service_.*\.name\}$/),
    ]);
    for (const t of targets) {
      expect(t).toMatchObject({
        service_namespace: 'ecs',
        scalable_dimension: 'ecs:service:DesiredCount',
        min_capacity: 1,
        max_capacity: 1,
        lifecycle: { ignore_changes: ['min_capacity', 'max_capacity'] },
      });
    }
  });

  it('stops both services at 19:00 and starts them at 08:00, Monday to Friday, London time', () => {
    const actions = Object.values(resources(dev, 'aws_appautoscaling_scheduled_action'));
    const byName = Object.fromEntries(actions.map((a) => [a.name, a]));
    expect(Object.keys(byName).sort()).toEqual([
      'blog-data-dev-server-start', 'blog-data-dev-server-stop', 'blog-data-dev-worker-start', 'blog-data-dev-worker-stop',
    ]);
    for (const service of ['server', 'worker']) {
      const stop = byName[`blog-data-dev-${service}-stop`];
      const start = byName[`blog-data-dev-${service}-start`];
      expect(stop).toMatchObject({
        schedule: 'cron(0 19 ? * MON-FRI *)',
        timezone: 'Europe/London',
        service_namespace: expect.stringContaining('aws_appautoscaling_target.service-schedule_'),
        resource_id: expect.stringContaining(`service-schedule_${service}-target`),
        scalable_target_action: { min_capacity: '0', max_capacity: '0' },
      });
      expect(start).toMatchObject({
        schedule: 'cron(0 8 ? * MON-FRI *)',
        timezone: 'Europe/London',
        resource_id: stop.resource_id,
        scalable_target_action: { min_capacity: '1', max_capacity: '1' },
      });
      // Written one after the other: two actions on one target at once fail with ConcurrentUpdateException.
      expect(start.depends_on).toEqual([expect.stringContaining(`aws_appautoscaling_scheduled_action.service-schedule_${service}-stop`)]);
    }
  });

  it('follows the configured hours, days and time zone', () => {
    const custom = synthBoth(configFor('staging', { schedule: { timezone: 'America/New_York', weekdays: 'MON,WED-FRI', startHour: 6, stopHour: 22 } })).platform;
    const schedules = Object.values(resources(custom, 'aws_appautoscaling_scheduled_action')).map((a) => [a.name, a.schedule, a.timezone]).sort();
    expect(schedules).toEqual([
      ['blog-data-staging-server-start', 'cron(0 6 ? * MON,WED-FRI *)', 'America/New_York'],
      ['blog-data-staging-server-stop', 'cron(0 22 ? * MON,WED-FRI *)', 'America/New_York'],
      ['blog-data-staging-worker-start', 'cron(0 6 ? * MON,WED-FRI *)', 'America/New_York'],
      ['blog-data-staging-worker-stop', 'cron(0 22 ? * MON,WED-FRI *)', 'America/New_York'],
    ]);
  });

  it('keeps the services from fighting the scheduler: desired_count is ignored by terraform when scheduled', () => {
    expect(one(dev, 'aws_ecs_service', 'prefect-server').lifecycle.ignore_changes).toEqual(['task_definition', 'desired_count']);
    expect(one(dev, 'aws_ecs_service', 'prefect-worker').lifecycle.ignore_changes).toEqual(['desired_count']);
  });

  it('lets the dev database pause at 0 ACU after 15 idle minutes', () => {
    expect(one(dev, 'aws_rds_cluster').serverlessv2_scaling_configuration).toEqual({ min_capacity: 0, max_capacity: 1, seconds_until_auto_pause: 900 });
  });

  it('leaves prod always on: no targets, no actions, desired_count kept by terraform, 0.5 ACU floor without auto-pause', () => {
    expect(resources(prod, 'aws_appautoscaling_target')).toEqual({});
    expect(resources(prod, 'aws_appautoscaling_scheduled_action')).toEqual({});
    expect(one(prod, 'aws_ecs_service', 'prefect-server')).toMatchObject({ desired_count: 1, lifecycle: { ignore_changes: ['task_definition'] } });
    expect(one(prod, 'aws_ecs_service', 'prefect-worker').desired_count).toBe(1);
    expect(one(prod, 'aws_ecs_service', 'prefect-worker').lifecycle).toBeUndefined();
    expect(one(prod, 'aws_rds_cluster').serverlessv2_scaling_configuration).toEqual({ min_capacity: 0.5, max_capacity: 1 });
  });

  it('turns off in dev with schedule null', () => {
    const always = synthBoth(configFor('dev', { schedule: null } as never)).platform;
    expect(resources(always, 'aws_appautoscaling_scheduled_action')).toEqual({});
    expect(one(always, 'aws_ecs_service', 'prefect-worker').lifecycle).toBeUndefined();
  });

  it('is the same on the emulator (its launcher adds the Application Auto Scaling tagging calls moto lacks), desired_count ignored', () => {
    const emu = synthBoth(configFor('dev'), { backend: 'local', emulatorEndpoint: 'http://127.0.0.1:1' }).platform;
    const aws = synthBoth(configFor('dev')).platform;
    expect(resources(emu, 'aws_appautoscaling_target')).toEqual(resources(aws, 'aws_appautoscaling_target'));
    expect(resources(emu, 'aws_appautoscaling_scheduled_action')).toEqual(resources(aws, 'aws_appautoscaling_scheduled_action'));
    expect(Object.keys(resources(emu, 'aws_appautoscaling_scheduled_action'))).toHaveLength(4);
    expect(one(emu, 'aws_ecs_service', 'prefect-worker').lifecycle.ignore_changes).toContain('desired_count');
    expect(one(emu, 'aws_rds_cluster').serverlessv2_scaling_configuration).toMatchObject({ min_capacity: 0, seconds_until_auto_pause: 900 });
  });
});
