import { loadConfig } from '@blog-data/config';
import { formatInZone, isWithinSchedule, localIsoInZone, nextScheduledAction } from '../src';

const schedule = loadConfig({ env: 'dev', environ: {} }).schedule!;

describe('the schedule\'s clock (MON-FRI 08:00–19:00 Europe/London)', () => {
  it('knows working hours from nights and weekends, in London time', () => {
    expect(isWithinSchedule(schedule, new Date('2026-11-30T08:00:00Z'))).toBe(true); // Mon 08:00 GMT
    expect(isWithinSchedule(schedule, new Date('2026-11-30T18:59:00Z'))).toBe(true);
    expect(isWithinSchedule(schedule, new Date('2026-11-30T19:00:00Z'))).toBe(false);
    expect(isWithinSchedule(schedule, new Date('2026-11-28T12:00:00Z'))).toBe(false); // Saturday
    // Summer time: 07:30 UTC is 08:30 BST.
    expect(isWithinSchedule(schedule, new Date('2026-07-01T07:30:00Z'))).toBe(true);
  });

  it('finds the next start after a Friday evening on Monday morning', () => {
    const next = nextScheduledAction(schedule, 'start', new Date('2026-11-27T20:00:00Z'));
    expect(next.toISOString()).toBe('2026-11-30T08:00:00.000Z');
    expect(formatInZone(next, schedule.timezone)).toBe('Mon 2026-11-30 08:00 Europe/London');
  });

  it('follows daylight saving: the Monday after the clocks go forward starts at 07:00 UTC', () => {
    // 2027-03-28 (Sunday) London moves to BST.
    const next = nextScheduledAction(schedule, 'start', new Date('2027-03-26T19:30:00Z'));
    expect(next.toISOString()).toBe('2027-03-29T07:00:00.000Z');
    expect(localIsoInZone(next, schedule.timezone)).toBe('2027-03-29T08:00:00');
  });

  it('finds today\'s stop while the services run, and not the one that just fired', () => {
    expect(nextScheduledAction(schedule, 'stop', new Date('2026-12-01T10:00:00Z')).toISOString()).toBe('2026-12-01T19:00:00.000Z');
    expect(nextScheduledAction(schedule, 'stop', new Date('2026-12-01T19:00:00Z')).toISOString()).toBe('2026-12-02T19:00:00.000Z');
  });

  it('handles a zone with a half-hour offset', () => {
    const india = { ...schedule, timezone: 'Asia/Kolkata' };
    expect(nextScheduledAction(india, 'start', new Date('2026-11-30T00:00:00Z')).toISOString()).toBe('2026-11-30T02:30:00.000Z');
  });
});
