/**
 * Prefect 3.8.3 rewrites every rrule it is given without a `DTSTART`: the server's
 * `DeploymentScheduleCreate.schedule` is `NormalizedSchedule =
 * Annotated[SCHEDULE_TYPES, AfterValidator(normalize_schedule_rrule)]`
 * (src/prefect/server/schemas/actions.py L105-116 at tag 3.8.3), which calls
 * `normalize_rrule_string` (src/prefect/_internal/schemas/validators.py L313-447).
 * This module ports that function line for line, so the deployer can compare what it
 * sends with what the server stores, and the contract test server can store what the real one does.
 */

/** `DEFAULT_RRULE_ANCHOR = datetime(2020, 1, 1, 0, 0, 0)` (validators.py L317), as naive wall-clock ms. */
export const DEFAULT_RRULE_ANCHOR_MS = Date.UTC(2020, 0, 1, 0, 0, 0);

/** What `dateutil.rrule.rrulestr` makes of a string, as far as the normalization looks at it. */
export type RruleShape =
  | { readonly kind: 'rrule'; readonly freq: string; readonly interval: number; readonly hasCount: boolean }
  | { readonly kind: 'set' };

const FREQUENCIES = new Set(['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY', 'MINUTELY', 'SECONDLY']);

/**
 * The shape `rrulestr(s)` would return (dateutil/rrule.py `_rrulestr._parse_rfc`): one line
 * without `:` (or starting `RRULE:`) is a single rule; several lines are a single rule only when
 * they hold exactly one RRULE and no RDATE/EXRULE/EXDATE, otherwise an rruleset. Undefined where
 * dateutil would raise (the normalization then leaves the string alone, validators.py L375-382).
 */
export function rruleShape(rrule: string): RruleShape | undefined {
  const s = rrule.toUpperCase();
  if (s.trim() === '') return undefined;
  const lines = s.split(/\s+/).filter(Boolean);
  if (lines.length === 1 && (!s.includes(':') || s.startsWith('RRULE:'))) return ruleShape(lines[0]);
  const rules: string[] = [];
  let setParts = 0;
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon === -1 ? 'RRULE' : line.slice(0, colon).split(';')[0];
    const value = colon === -1 ? line : line.slice(colon + 1);
    if (name === 'RRULE') rules.push(value);
    else if (name === 'RDATE' || name === 'EXRULE' || name === 'EXDATE') setParts++;
    else if (name !== 'DTSTART') return undefined;
  }
  if (rules.length > 1 || setParts > 0) return { kind: 'set' };
  return rules.length === 1 ? ruleShape(rules[0]) : undefined;
}

/** `_parse_rfc_rrule`: `KEY=VALUE;…`, FREQ required, INTERVAL default 1. */
function ruleShape(line: string): RruleShape | undefined {
  let value = line;
  const colon = line.indexOf(':');
  if (colon !== -1) {
    if (line.slice(0, colon) !== 'RRULE') return undefined;
    value = line.slice(colon + 1);
  }
  let freq: string | undefined;
  let interval = 1;
  let hasCount = false;
  for (const pair of value.split(';')) {
    const [key, val, extra] = pair.split('=');
    if (val === undefined || extra !== undefined) return undefined;
    if (key === 'FREQ') {
      if (!FREQUENCIES.has(val)) return undefined;
      freq = val;
    } else if (key === 'INTERVAL') {
      if (!/^\d+$/.test(val)) return undefined;
      interval = Number(val);
    } else if (key === 'COUNT') {
      if (!/^\d+$/.test(val)) return undefined;
      hasCount = true;
    }
  }
  return freq ? { kind: 'rrule', freq, interval, hasCount } : undefined;
}

/** The anchor period in seconds for the rules Prefect re-anchors near now (validators.py L398-410), else undefined. */
function advancePeriodSeconds(shape: RruleShape): number | undefined {
  if (shape.kind !== 'rrule' || shape.hasCount || (shape.freq !== 'SECONDLY' && shape.freq !== 'MINUTELY')) return undefined;
  return (shape.freq === 'SECONDLY' ? 1 : 60) * shape.interval;
}

/**
 * `normalize_rrule_string(rrule, now=now, timezone=timezone)` of Prefect 3.8.3:
 * - a string containing `DTSTART` anywhere (case-insensitive) is returned unchanged (L365-367);
 * - an unparsable one is returned unchanged (L375-382);
 * - rrulesets, rules with COUNT and every FREQ above MINUTELY get `DTSTART:20200101T000000` (L387-407);
 * - MINUTELY/SECONDLY rules without COUNT get the latest anchor `2020-01-01 + k·INTERVAL·unit`
 *   not after `now`, with `now` read as wall-clock time in the schedule's timezone
 *   (UTC when absent or unknown to the tz database) (L409-436).
 * The line is floating local time, `DTSTART:%Y%m%dT%H%M%S\n` + the original string (L439-447).
 */
export function normalizeRruleString(rrule: string, options: { readonly now?: Date; readonly timezone?: string | null } = {}): string {
  if (rrule.toUpperCase().includes('DTSTART')) return rrule;
  const shape = rruleShape(rrule);
  if (!shape) return rrule;
  const period = advancePeriodSeconds(shape);
  if (period === undefined) return prependDtstart(rrule, DEFAULT_RRULE_ANCHOR_MS);
  const nowWallMs = wallClockMs(options.now ?? new Date(), options.timezone);
  const deltaSeconds = (nowWallMs - DEFAULT_RRULE_ANCHOR_MS) / 1000;
  if (deltaSeconds <= 0) return prependDtstart(rrule, DEFAULT_RRULE_ANCHOR_MS);
  const k = Math.floor(deltaSeconds / period);
  return prependDtstart(rrule, DEFAULT_RRULE_ANCHOR_MS + k * period * 1000);
}

/**
 * Whether `stored` is what the server makes of `sent` at some moment up to `now` (plus
 * `skewMs` for a server clock ahead of ours): equal when `sent` has its own DTSTART, else
 * `sent` behind the legacy anchor or, for re-anchored MINUTELY/SECONDLY rules, behind any
 * anchor `2020-01-01 + k·period` up to now — the anchor depends on when the server saw it.
 */
export function isServerNormalizedRrule(
  stored: string,
  sent: string,
  options: { readonly now?: Date; readonly timezone?: string | null; readonly skewMs?: number } = {},
): boolean {
  if (stored === sent) return true;
  const normalizedAtEpoch = normalizeRruleString(sent, { now: new Date(DEFAULT_RRULE_ANCHOR_MS), timezone: 'UTC' });
  if (normalizedAtEpoch === sent) return false; // the server leaves it alone
  if (stored === normalizedAtEpoch) return true;
  const shape = rruleShape(sent);
  const period = shape && advancePeriodSeconds(shape);
  const match = /^DTSTART:(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})\n/.exec(stored);
  if (!period || !match || stored.slice(match[0].length) !== sent) return false;
  const [, y, mo, d, h, mi, se] = match.map(Number);
  const anchorMs = Date.UTC(y, mo - 1, d, h, mi, se);
  const latestMs = wallClockMs(options.now ?? new Date(), options.timezone) + (options.skewMs ?? 5 * 60_000);
  return anchorMs >= DEFAULT_RRULE_ANCHOR_MS && anchorMs <= latestMs && (anchorMs - DEFAULT_RRULE_ANCHOR_MS) % (period * 1000) === 0;
}

function prependDtstart(rrule: string, wallMs: number): string {
  const iso = new Date(wallMs).toISOString(); // 2020-01-01T00:00:00.000Z → 20200101T000000
  return `DTSTART:${iso.slice(0, 19).replace(/[-:]/g, '')}\n${rrule}`;
}

/** `now.astimezone(tz).replace(tzinfo=None)` as ms since the epoch of a naive clock (validators.py L419-427). */
function wallClockMs(now: Date, timezone: string | null | undefined): number {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone || 'UTC',
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }).formatToParts(now);
  } catch {
    return now.getTime(); // dateutil.tz.gettz → None → UTC (L419-421)
  }
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'), now.getUTCMilliseconds());
}
