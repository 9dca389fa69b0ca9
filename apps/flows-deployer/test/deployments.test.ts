import { normalizeRruleString, Schemas } from '@blog-data/prefect-api';
import { DeploymentBody, desiredDeploymentBody, diffDeployment, MANAGED_TAG, normalizeSchedule } from '../src/deployments';
import { diffValues } from '../src/diff';
import { ResolvedDeployment } from '../src/manifest/load';
import { buildPlan, planHasChanges } from '../src/plan';
import { loadEcsBaseTemplate } from '../src/work-pool';

const base: ResolvedDeployment = {
  index: 0,
  name: 'daily',
  flowName: 'ingest-blog-posts',
  entrypoint: 'flows/ingest.py:ingest_posts',
  description: null,
  version: null,
  tags: ['blog-data'],
  parameters: { lookback_hours: 26 },
  parameterSchema: null,
  enforceParameterSchema: true,
  schedules: [{ cron: '30 6 * * *', timezone: 'Europe/London' }, { interval: 3600 }],
  workPoolName: 'blog-data-pool',
  workQueueName: 'default',
  jobVariables: {},
  concurrencyLimit: null,
  collisionStrategy: null,
  pullSteps: null,
};

/** What a Prefect server returns for `body` after applying its own defaults. */
function asServerReturns(body: DeploymentBody, overrides: Partial<Schemas['DeploymentResponse']> = {}): Schemas['DeploymentResponse'] {
  const now = '2026-11-25T06:00:00Z';
  return {
    id: '00000000-0000-4000-8000-00000000000a',
    created: now,
    updated: now,
    name: body.name,
    flow_id: '00000000-0000-4000-8000-00000000000f',
    version: body.version ?? null,
    description: body.description ?? null,
    entrypoint: body.entrypoint ?? null,
    paused: false,
    // Server order (by update time), server defaults filled in.
    schedules: [...(body.schedules ?? [])].reverse().map((s, i) => ({
      id: `00000000-0000-4000-8000-00000000010${i}`,
      created: now,
      updated: now,
      deployment_id: null,
      schedule:
        'cron' in s.schedule
          ? { cron: s.schedule.cron, timezone: s.schedule.timezone ?? 'UTC', day_or: true }
          : 'interval' in s.schedule
            ? { interval: s.schedule.interval, anchor_date: '2026-11-25T06:00:00.123456+00:00', timezone: 'UTC' }
            : { rrule: normalizeRruleString(s.schedule.rrule, { now: new Date(now), timezone: s.schedule.timezone }), timezone: s.schedule.timezone ?? 'UTC' },
      active: s.active ?? true,
      max_scheduled_runs: null,
      parameters: {},
      slug: null,
    })),
    parameters: body.parameters ?? {},
    job_variables: body.job_variables ?? {},
    tags: [...(body.tags ?? [])].reverse(),
    labels: {},
    work_pool_name: body.work_pool_name,
    work_queue_name: body.work_queue_name,
    work_queue_id: '00000000-0000-4000-8000-0000000000aa',
    pull_steps: body.pull_steps ?? null,
    parameter_openapi_schema: body.parameter_openapi_schema ?? null,
    enforce_parameter_schema: true,
    concurrency_limit: null,
    global_concurrency_limit: null,
    concurrency_options: null,
    status: 'NOT_READY',
    last_polled: null,
    path: null,
    storage_document_id: null,
    infrastructure_document_id: null,
    created_by: null,
    updated_by: null,
    ...overrides,
  };
}

describe('deployment diff', () => {
  it('does not report server-side defaults as changes', () => {
    const body = desiredDeploymentBody(base);
    expect(diffDeployment(asServerReturns(body), body)).toEqual([]);
  });

  it('treats a paused deployment as drift only when the manifest says paused', () => {
    const body = desiredDeploymentBody(base);
    expect(diffDeployment(asServerReturns(body, { paused: true }), body)).toEqual([]);
    const explicit = desiredDeploymentBody({ ...base, paused: false });
    expect(diffDeployment(asServerReturns(body, { paused: true }), explicit)).toEqual([{ path: 'paused', before: true, after: false }]);
  });

  it('reports a changed cron as a schedules change only', () => {
    const before = desiredDeploymentBody(base);
    const after = desiredDeploymentBody({ ...base, schedules: [{ cron: '0 7 * * *', timezone: 'Europe/London' }, { interval: 3600 }] });
    expect(diffDeployment(asServerReturns(before), after).map((c) => c.path)).toEqual(['schedules']);
  });

  it('compares an interval anchor only when the manifest sets one', () => {
    const anchored = desiredDeploymentBody({ ...base, schedules: [{ interval: 3600, anchor_date: '2026-01-01T00:15:00+00:00' }] });
    const server = asServerReturns(anchored);
    expect(diffDeployment(server, anchored).map((c) => c.path)).toEqual(['schedules']);
    server.schedules![0].schedule = { interval: 3600, anchor_date: '2026-01-01T00:15:00Z', timezone: 'UTC' };
    expect(diffDeployment(server, anchored)).toEqual([]);
  });

  it('reads an rrule the server re-anchored with DTSTART as the rule we sent (Prefect 3.8.3 normalize_rrule_string)', () => {
    const weekly = desiredDeploymentBody({ ...base, schedules: [{ rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=0', timezone: 'Europe/London' }] });
    const server = asServerReturns(weekly);
    expect((server.schedules![0].schedule as { rrule: string }).rrule).toBe('DTSTART:20200101T000000\nFREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=0');
    expect(diffDeployment(server, weekly)).toEqual([]);
    // The MINUTELY anchor depends on when the server saw the rule; any in-phase anchor until now matches.
    const minutely = desiredDeploymentBody({ ...base, schedules: [{ rrule: 'FREQ=MINUTELY;INTERVAL=15' }] });
    expect(diffDeployment(asServerReturns(minutely), minutely, new Date('2027-03-01T00:00:00Z'))).toEqual([]);
    // A different rule, or a DTSTART the server would not have chosen, is a change.
    const changed = desiredDeploymentBody({ ...base, schedules: [{ rrule: 'FREQ=WEEKLY;BYDAY=SA;BYHOUR=23;BYMINUTE=0', timezone: 'Europe/London' }] });
    expect(diffDeployment(server, changed).map((c) => c.path)).toEqual(['schedules']);
    server.schedules![0].schedule = { rrule: 'DTSTART:20240101T000000\nFREQ=WEEKLY;BYDAY=SU;BYHOUR=23;BYMINUTE=0', timezone: 'Europe/London' };
    expect(diffDeployment(server, weekly).map((c) => c.path)).toEqual(['schedules']);
  });

  it('reports nested parameter and job variable changes at their own path', () => {
    const body = desiredDeploymentBody(base);
    const changed = desiredDeploymentBody({ ...base, parameters: { lookback_hours: 48 }, jobVariables: { cpu: 1024 } });
    expect(diffDeployment(asServerReturns(body), changed)).toEqual([
      { path: 'job_variables.cpu', before: undefined, after: 1024 },
      { path: 'parameters.lookback_hours', before: 26, after: 48 },
    ]);
  });

  it('echoes a concurrency limit from the global limit the server keeps', () => {
    const body = desiredDeploymentBody({ ...base, concurrencyLimit: 1, collisionStrategy: 'CANCEL_NEW' });
    const server = asServerReturns(body, {
      concurrency_limit: null,
      global_concurrency_limit: { id: '00000000-0000-4000-8000-0000000000cc', created: null, updated: null, name: 'x', limit: 1, active: true, active_slots: 0 },
      concurrency_options: { collision_strategy: 'CANCEL_NEW' },
    });
    expect(diffDeployment(server, body)).toEqual([]);
  });

  it('always adds the managed tag', () => {
    expect(desiredDeploymentBody(base).tags).toEqual(['blog-data', MANAGED_TAG]);
  });

  it('normalizes schedules with Prefect defaults', () => {
    expect(normalizeSchedule({ schedule: { cron: '0 6 * * *', day_or: true } })).toEqual({
      schedule: { cron: '0 6 * * *', timezone: 'UTC', day_or: true },
      active: true,
      max_scheduled_runs: null,
      parameters: {},
      slug: null,
    });
  });

  it('diffs objects by key and arrays whole', () => {
    expect(diffValues({ a: { b: 1, c: [1, 2] } }, { a: { c: [2, 1], b: 1 } })).toEqual([{ path: 'a.c', before: [1, 2], after: [2, 1] }]);
  });
});

describe('plan', () => {
  const template = loadEcsBaseTemplate();
  const pool = { id: '00000000-0000-4000-8000-000000000001', created: null, updated: null, name: 'blog-data-pool', type: 'ecs', base_job_template: template as any };
  const flowId = '00000000-0000-4000-8000-00000000000f';

  it('never deletes unmanaged deployments or deployments in other pools, and deletes managed ones only with prune', () => {
    const managedGone = asServerReturns(desiredDeploymentBody({ ...base, name: 'gone' }), { id: '00000000-0000-4000-8000-0000000000d1' });
    const handMade = asServerReturns(desiredDeploymentBody({ ...base, name: 'manual' }), { id: '00000000-0000-4000-8000-0000000000d2', tags: ['x'] });
    const otherPool = asServerReturns(desiredDeploymentBody({ ...base, name: 'elsewhere' }), { id: '00000000-0000-4000-8000-0000000000d3', work_pool_name: 'other' });
    const state = { pool, deployments: [managedGone, handMade, otherPool], flowNames: new Map([[flowId, 'ingest-blog-posts']]) };
    const keep = buildPlan({ poolName: 'blog-data-pool', template, desired: [base], state, prune: false });
    expect(keep.deployments.map((d) => [d.name, d.action])).toEqual([['daily', 'create'], ['gone', 'orphaned']]);
    const prune = buildPlan({ poolName: 'blog-data-pool', template, desired: [base], state, prune: true });
    expect(prune.deployments.map((d) => [d.name, d.action])).toEqual([['daily', 'create'], ['gone', 'delete']]);
    // The flow exists, so no flow is created.
    expect(prune.flowsToCreate).toEqual([]);
    expect(planHasChanges(prune)).toBe(true);
  });

  it('marks a hand-made deployment it takes over as not managed (adoption)', () => {
    const handMade = asServerReturns(desiredDeploymentBody(base), { tags: ['blog-data'] });
    const plan = buildPlan({ poolName: 'blog-data-pool', template, desired: [base], state: { pool, deployments: [handMade], flowNames: new Map([[flowId, 'ingest-blog-posts']]) }, prune: false });
    expect(plan.deployments[0]).toMatchObject({ action: 'update', managed: false });
    expect(plan.deployments[0].changes.map((c) => c.path)).toEqual(['tags']);
  });
});
