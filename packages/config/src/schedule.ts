import type { ServiceSchedule } from './schema';

const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/** The days of the week a schedule's `weekdays` (cron day-of-week: `MON-FRI`, `MON,WED-FRI`) names, in week order. */
export function scheduleDays(schedule: ServiceSchedule): string[] {
  const days = new Set<number>();
  for (const part of schedule.weekdays.split(',')) {
    const [from, to = from] = part.split('-').map((d) => DAYS.indexOf(d as (typeof DAYS)[number]));
    if (from < 0 || to < 0) throw new Error(`schedule.weekdays: "${part}" is not a day or range of days`);
    // A range that wraps (FRI-MON) runs through the weekend, as cron reads it.
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  return [...days].sort((a, b) => a - b).map((d) => DAYS[d]);
}

/** Hours per week the scheduled services run. */
export function scheduledHoursPerWeek(schedule: ServiceSchedule): number {
  return scheduleDays(schedule).length * (schedule.stopHour - schedule.startHour);
}
