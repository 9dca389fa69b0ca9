import { scheduleDays, ServiceSchedule } from '@blog-data/config';

/** A moment on the schedule's wall clock. */
interface WallClock {
  /** `SUN`…`SAT`. */
  readonly day: string;
  readonly hour: number;
  readonly minute: number;
}

const DAY_ABBREVIATIONS: Record<string, string> = { Sun: 'SUN', Mon: 'MON', Tue: 'TUE', Wed: 'WED', Thu: 'THU', Fri: 'FRI', Sat: 'SAT' };

/** The wall clock of `timezone` at `at` (Intl follows the zone's daylight saving). */
function wallClock(at: Date, timezone: string): WallClock {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { day: DAY_ABBREVIATIONS[part('weekday')], hour: Number(part('hour')), minute: Number(part('minute')) };
}

/** Whether the schedule has the services running at `at` (a day in `weekdays`, `startHour` ≤ hour < `stopHour`). */
export function isWithinSchedule(schedule: ServiceSchedule, at: Date): boolean {
  const clock = wallClock(at, schedule.timezone);
  return scheduleDays(schedule).includes(clock.day) && clock.hour >= schedule.startHour && clock.hour < schedule.stopHour;
}

/** Quarter-hour steps: every zone's offset is a multiple of 15 minutes. */
const STEP_MS = 15 * 60 * 1000;

/**
 * The next time after `after` that the schedule's `start` or `stop` action fires: the first
 * quarter hour whose wall clock in the schedule's zone is `HH:00` on one of its weekdays, as
 * Application Auto Scaling evaluates `cron(0 HH ? * DAYS *)` with a time zone.
 */
export function nextScheduledAction(schedule: ServiceSchedule, action: 'start' | 'stop', after: Date): Date {
  const hour = action === 'start' ? schedule.startHour : schedule.stopHour;
  const days = scheduleDays(schedule);
  let t = Math.floor(after.getTime() / STEP_MS) * STEP_MS + STEP_MS;
  // Eight days covers any weekly schedule, a daylight-saving change included.
  for (const end = t + 8 * 24 * 3600 * 1000; t <= end; t += STEP_MS) {
    const clock = wallClock(new Date(t), schedule.timezone);
    if (clock.minute === 0 && clock.hour === hour && days.includes(clock.day)) return new Date(t);
  }
  throw new Error(`schedule ${schedule.weekdays} ${hour}:00 ${schedule.timezone} never fires`);
}

/** `Mon 2026-11-30 08:00 Europe/London`: a time as a person in the schedule's zone reads it. */
export function formatInZone(at: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('weekday')} ${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')} ${timezone}`;
}

/** `2026-11-30T08:00:00`: the wall clock of `timezone` at `at`, the form of Application Auto Scaling's `at(...)` expressions. */
export function localIsoInZone(at: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}T${part('hour')}:${part('minute')}:${part('second')}`;
}

/** `MON-FRI 08:00–19:00 Europe/London`. */
export function describeSchedule(schedule: ServiceSchedule): string {
  const hh = (h: number) => `${String(h).padStart(2, '0')}:00`;
  return `${schedule.weekdays} ${hh(schedule.startHour)}–${hh(schedule.stopHour)} ${schedule.timezone}`;
}
