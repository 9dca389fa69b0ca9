import { isServerNormalizedRrule, normalizeRruleString, rruleShape } from '../src/rrule-dtstart';

/**
 * Expected values are Prefect 3.8.3's own (tests/_internal/schemas/test_validation.py L151-313 at
 * tag 3.8.3, `TestNormalizeRRuleString`), so the port answers exactly what the server stores.
 */
describe('normalizeRruleString (Prefect 3.8.3 normalize_rrule_string)', () => {
  // FIXED_NOW = datetime(2026, 4, 6, 12, 34, 56), naive → read as UTC.
  const FIXED_NOW = new Date(Date.UTC(2026, 3, 6, 12, 34, 56));
  const DEPLOY_UTC = new Date(Date.UTC(2026, 6, 7, 13, 54));

  it.each([
    ['FREQ=MINUTELY;INTERVAL=5', 'DTSTART:20260406T123000\n'],
    ['FREQ=MINUTELY', 'DTSTART:20260406T123400\n'],
    ['FREQ=SECONDLY;INTERVAL=30', 'DTSTART:20260406T123430\n'],
    ['FREQ=SECONDLY', 'DTSTART:20260406T123456\n'],
  ])('anchors high-frequency %s near now', (rule, expected) => {
    expect(normalizeRruleString(rule, { now: FIXED_NOW })).toBe(expected + rule);
  });

  it.each([
    'FREQ=HOURLY',
    'FREQ=HOURLY;INTERVAL=2',
    'FREQ=DAILY;BYHOUR=9,17',
    'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO',
    'FREQ=MONTHLY;BYMONTHDAY=15',
    'FREQ=YEARLY;BYMONTH=3;BYDAY=2MO',
    'FREQ=MINUTELY;COUNT=10',
    'FREQ=SECONDLY;COUNT=100',
    // the repository's own weekly rule
    'FREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=0',
    'RRULE:FREQ=MINUTELY;INTERVAL=5\nRRULE:FREQ=HOURLY',
  ])('gives %s the legacy anchor', (rule) => {
    expect(normalizeRruleString(rule, { now: FIXED_NOW })).toBe(`DTSTART:20200101T000000\n${rule}`);
  });

  it('leaves a rule with DTSTART and an unparsable rule alone', () => {
    const anchored = 'DTSTART:19970902T090000\nRRULE:FREQ=YEARLY;COUNT=2;BYDAY=TU';
    expect(normalizeRruleString(anchored, { now: FIXED_NOW })).toBe(anchored);
    expect(normalizeRruleString('dtstart;tzid=Europe/London:20250101T000000\nFREQ=DAILY')).toMatch(/^dtstart/);
    expect(normalizeRruleString('FREQ=FORTNIGHTLY')).toBe('FREQ=FORTNIGHTLY');
  });

  it('gives an RDATE-only set the legacy anchor', () => {
    const original = 'RDATE:20221012T134000Z,20221012T230000Z';
    expect(rruleShape(original)).toEqual({ kind: 'set' });
    expect(normalizeRruleString(original, { now: FIXED_NOW })).toBe(`DTSTART:20200101T000000\n${original}`);
  });

  it('computes the anchor on the wall clock of the schedule timezone, UTC when unknown', () => {
    expect(normalizeRruleString('FREQ=MINUTELY;INTERVAL=60', { now: DEPLOY_UTC, timezone: 'America/Chicago' })).toMatch(/^DTSTART:20260707T080000\n/);
    expect(normalizeRruleString('FREQ=MINUTELY;INTERVAL=60', { now: DEPLOY_UTC })).toMatch(/^DTSTART:20260707T130000\n/);
    expect(normalizeRruleString('FREQ=MINUTELY;INTERVAL=60', { now: DEPLOY_UTC, timezone: 'Not/AZone' })).toMatch(/^DTSTART:20260707T130000\n/);
  });
});

describe('isServerNormalizedRrule', () => {
  const now = new Date(Date.UTC(2026, 10, 29, 12, 0, 7));

  it('matches the legacy anchor the server gives a weekly rule', () => {
    const sent = 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=0';
    expect(isServerNormalizedRrule(`DTSTART:20200101T000000\n${sent}`, sent, { now, timezone: 'Europe/London' })).toBe(true);
    expect(isServerNormalizedRrule(`DTSTART:20250101T000000\n${sent}`, sent, { now, timezone: 'Europe/London' })).toBe(false);
    expect(isServerNormalizedRrule('DTSTART:20200101T000000\nFREQ=WEEKLY;BYDAY=MO', sent, { now })).toBe(false);
  });

  it('matches any anchor in phase with 2020-01-01 up to now for a MINUTELY rule, whenever it was stored', () => {
    const sent = 'FREQ=MINUTELY;INTERVAL=15';
    const storedLastWeek = normalizeRruleString(sent, { now: new Date(now.getTime() - 7 * 86_400_000), timezone: 'Europe/London' });
    expect(storedLastWeek).toMatch(/^DTSTART:20261122T1200/);
    expect(isServerNormalizedRrule(storedLastWeek, sent, { now, timezone: 'Europe/London' })).toBe(true);
    // Out of phase, or later than now: not something the server would have written.
    expect(isServerNormalizedRrule(`DTSTART:20261122T120700\n${sent}`, sent, { now })).toBe(false);
    expect(isServerNormalizedRrule(`DTSTART:20301122T120000\n${sent}`, sent, { now })).toBe(false);
  });

  it('requires an exact match when we send our own DTSTART', () => {
    const sent = 'DTSTART:20260101T000000\nFREQ=DAILY';
    expect(isServerNormalizedRrule(sent, sent)).toBe(true);
    expect(isServerNormalizedRrule(`DTSTART:20200101T000000\n${sent}`, sent)).toBe(false);
  });
});
