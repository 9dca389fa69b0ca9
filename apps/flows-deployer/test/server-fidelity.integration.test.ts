import { contractSession } from './support/contract-session';

/**
 * The repository's own prefect.yaml against a contract server that behaves like a real Prefect
 * 3.8.3 on SQLite (issue: rrule DTSTART normalization, the schedule rebuild, `database is locked`
 * → 503 on overlapping writes): it converges in one run and then writes nothing.
 */
describe('flows-deployer against a SQLite-backed 3.8.3 server', () => {
  const t = contractSession({ database: 'sqlite', writeLatencyMs: 10 });

  it('applies the repository manifest in one run at the default concurrency; re-runs write nothing and plan exits 0', async () => {
    const first = await t.cli('apply', '--json');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.json().summary).toMatchObject({ create: 3 });
    const weekly = [...t.server.deployments.values()].find((d) => d.name === 'weekly-rebuild');
    // What Prefect 3.8.3 stores for the manifest's rule (normalize_rrule_string's legacy anchor).
    expect(weekly?.schedules[0].schedule).toEqual({ rrule: 'DTSTART:20200101T000000\nFREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=0', timezone: 'Europe/London' });

    t.server.clearLog();
    const again = await t.cli('apply', '--json');
    expect(again.code).toBe(0);
    expect(t.server.writes).toEqual([]);
    expect(again.json().summary).toMatchObject({ create: 0, update: 0, unchanged: 3 });
    const plan = await t.cli('plan', '--detailed-exitcode');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('No changes');
  });

  it('converges on MINUTELY rrules, whose anchor the server takes from its clock', async () => {
    t.ws.editManifest((text) => text.replace('FREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=0', 'FREQ=MINUTELY;INTERVAL=30'));
    expect((await t.cli('apply')).code).toBe(0);
    const stored = [...t.server.deployments.values()].find((d) => d.name === 'weekly-rebuild')?.schedules[0].schedule.rrule;
    expect(stored).toMatch(/^DTSTART:\d{8}T\d{2}[03]000\nFREQ=MINUTELY;INTERVAL=30$/);
    t.server.clearLog();
    expect((await t.cli('plan', '--detailed-exitcode')).code).toBe(0);
    // A changed rule is still a change.
    t.ws.editManifest((text) => text.replace('FREQ=MINUTELY;INTERVAL=30', 'FREQ=MINUTELY;INTERVAL=20'));
    expect((await t.cli('plan', '--detailed-exitcode')).code).toBe(3); // cli-kit's EXIT.changes
    expect(t.server.writes).toEqual([]);
  });

  it('applies max_scheduled_runs through the schedule endpoint, since the upsert drops it, and then writes nothing', async () => {
    t.ws.editManifest((text) => text.replace('timezone: Europe/London\n      active: true', 'timezone: Europe/London\n      active: true\n      max_scheduled_runs: 3'));
    const first = await t.cli('apply');
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const daily = [...t.server.deployments.values()].find((d) => d.name === 'daily');
    expect(daily?.schedules.map((s: { max_scheduled_runs: number | null }) => s.max_scheduled_runs)).toEqual([3]);
    expect(t.server.writes.filter((w) => w.status < 300).map((w) => `${w.method} ${w.route}`)).toContain('POST /deployments/{id}/schedules');

    t.server.clearLog();
    expect((await t.cli('apply')).code).toBe(0);
    expect(t.server.writes).toEqual([]);
    expect((await t.cli('plan', '--detailed-exitcode')).code).toBe(0);
  });
});
