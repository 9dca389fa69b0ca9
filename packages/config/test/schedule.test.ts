import { scheduleDays, scheduledHoursPerWeek } from '../src';
import { load, problemsOf } from './config-problems';

describe('schedule (scale to zero outside working hours)', () => {
  it('is on for dev and staging with an auto-pausing database, off for prod with the 0.5 ACU floor', () => {
    for (const env of ['dev', 'staging']) {
      const c = load(env);
      expect(c.schedule).toEqual({ timezone: 'Europe/London', weekdays: 'MON-FRI', startHour: 8, stopHour: 19 });
      expect(c.aurora).toMatchObject({ minAcu: 0, secondsUntilAutoPause: 900 });
    }
    const prod = load('prod');
    expect(prod.schedule).toBeNull();
    expect(prod.aurora.minAcu).toBe(0.5);
    expect(prod.aurora.secondsUntilAutoPause).toBeUndefined();
  });

  it('is overridable field by field, whole as JSON, and off with null', () => {
    expect(load('dev', { PLATFORM_SCHEDULE__START_HOUR: '7', PLATFORM_SCHEDULE__TIMEZONE: 'America/New_York' }).schedule)
      .toEqual({ timezone: 'America/New_York', weekdays: 'MON-FRI', startHour: 7, stopHour: 19 });
    expect(load('dev', { PLATFORM_SCHEDULE: 'null' }).schedule).toBeNull();
    expect(load('prod', { PLATFORM_SCHEDULE: '{"timezone":"UTC","weekdays":"MON,WED-FRI","startHour":6,"stopHour":20}' }).schedule)
      .toEqual({ timezone: 'UTC', weekdays: 'MON,WED-FRI', startHour: 6, stopHour: 20 });
  });

  it('takes canonical zones from ICU\'s list, and others (UTC, renamed zones) from a formatter, built only for them', () => {
    const formatter = jest.spyOn(Intl, 'DateTimeFormat');
    try {
      expect(load('dev', { PLATFORM_SCHEDULE__TIMEZONE: 'Asia/Tokyo' }).schedule?.timezone).toBe('Asia/Tokyo');
      // A formatter's locale data cost each config load ~30 ms: canonical names do without one.
      expect(formatter).not.toHaveBeenCalled();
      expect(load('dev', { PLATFORM_SCHEDULE__TIMEZONE: 'Europe/Kyiv' }).schedule?.timezone).toBe('Europe/Kyiv');
      expect(formatter).toHaveBeenCalledTimes(1);
    } finally {
      formatter.mockRestore();
    }
  });

  it.each([
    [{ PLATFORM_SCHEDULE__TIMEZONE: 'Mars/Olympus' }, 'dev.schedule.timezone: must be an IANA time zone such as Europe/London'],
    [{ PLATFORM_SCHEDULE__WEEKDAYS: 'monday' }, 'dev.schedule.weekdays: must be days such as MON-FRI or MON,WED,FRI'],
    [{ PLATFORM_SCHEDULE__WEEKDAYS: 'MON-*' }, 'dev.schedule.weekdays: must be days such as MON-FRI or MON,WED,FRI'],
    [{ PLATFORM_SCHEDULE__START_HOUR: '-1' }, 'dev.schedule.startHour: must be an hour 0–22'],
    [{ PLATFORM_SCHEDULE__STOP_HOUR: '24' }, 'dev.schedule.stopHour: must be an hour 1–23'],
    [{ PLATFORM_SCHEDULE__STOP_HOUR: '8' }, 'dev.schedule.stopHour: must be after startHour (8)'],
    [{ PLATFORM_SCHEDULE__START_HOUR: '8.5' }, 'dev.schedule.startHour: Invalid input: expected int, received number'],
    [{ PLATFORM_AURORA__SECONDS_UNTIL_AUTO_PAUSE: '60' }, 'dev.aurora.secondsUntilAutoPause: must be 300–86400 seconds'],
  ])('refuses %j', (environ, expected) => {
    expect(problemsOf(() => load('dev', environ))).toEqual([expected]);
  });

  it('needs an auto-pause delay when prod is allowed to pause', () => {
    expect(problemsOf(() => load('prod', { PLATFORM_AURORA__MIN_ACU: '0' }))).toEqual([
      'prod.aurora.secondsUntilAutoPause: is required when minAcu is 0 (how long idle before the cluster pauses)',
    ]);
    expect(load('prod', { PLATFORM_AURORA__MIN_ACU: '0', PLATFORM_AURORA__SECONDS_UNTIL_AUTO_PAUSE: '3600' }).aurora.secondsUntilAutoPause).toBe(3600);
  });
});

describe('schedule hours', () => {
  const base = { timezone: 'Europe/London', startHour: 8, stopHour: 19 };
  it.each([
    ['MON-FRI', ['MON', 'TUE', 'WED', 'THU', 'FRI'], 55],
    ['MON,WED-FRI', ['MON', 'WED', 'THU', 'FRI'], 44],
    ['SAT', ['SAT'], 11],
    ['FRI-MON', ['SUN', 'MON', 'FRI', 'SAT'], 44],
    ['MON-FRI,TUE', ['MON', 'TUE', 'WED', 'THU', 'FRI'], 55],
  ])('%s runs on %j, %i h a week at 08–19', (weekdays, days, hours) => {
    expect(scheduleDays({ ...base, weekdays })).toEqual(days);
    expect(scheduledHoursPerWeek({ ...base, weekdays })).toBe(hours);
  });
});
