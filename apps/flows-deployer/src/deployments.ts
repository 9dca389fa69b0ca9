import { isServerNormalizedRrule, type Schemas } from '@blog-data/prefect-api';
import { canonicalJson, diffValues, FieldChange } from './diff';
import type { ResolvedDeployment } from './manifest/load';
import type { ManifestSchedule } from './manifest/schema';

/** Every deployment this tool writes carries this tag; prune only ever deletes deployments with it. */
export const MANAGED_TAG = 'managed-by:flows-deployer';

/** A `POST /deployments/` body without the flow id (known only once the flow exists). */
export type DeploymentBody = Omit<Schemas['DeploymentCreate'], 'flow_id'>;
type ScheduleCreate = Schemas['DeploymentScheduleCreate'];
type ScheduleSpec = ScheduleCreate['schedule'];

/** The body `prefect deploy` would send for this manifest entry, plus our managed tag. */
export function desiredDeploymentBody(d: ResolvedDeployment): DeploymentBody {
  const body: DeploymentBody = {
    name: d.name,
    description: d.description,
    version: d.version,
    entrypoint: d.entrypoint,
    parameters: d.parameters,
    parameter_openapi_schema: d.parameterSchema,
    enforce_parameter_schema: d.enforceParameterSchema,
    tags: [...new Set([...d.tags, MANAGED_TAG])],
    work_pool_name: d.workPoolName,
    work_queue_name: d.workQueueName,
    job_variables: d.jobVariables,
    pull_steps: d.pullSteps,
    schedules: d.schedules.map(toScheduleCreate),
    concurrency_limit: d.concurrencyLimit,
    concurrency_options: d.collisionStrategy ? { collision_strategy: d.collisionStrategy } : null,
  };
  if (d.paused !== undefined) body.paused = d.paused;
  return body;
}

/** A manifest schedule as the API's `DeploymentScheduleCreate`. */
export function toScheduleCreate(s: ManifestSchedule): ScheduleCreate {
  let schedule: ScheduleSpec;
  if (s.cron !== undefined) {
    schedule = { cron: s.cron, ...(s.timezone != null && { timezone: s.timezone }), ...(s.day_or !== undefined && { day_or: s.day_or }) };
  } else if (s.interval !== undefined) {
    schedule = { interval: s.interval, ...(s.anchor_date && { anchor_date: s.anchor_date }), ...(s.timezone != null && { timezone: s.timezone }) };
  } else {
    schedule = { rrule: s.rrule as string, ...(s.timezone != null && { timezone: s.timezone }) };
  }
  return {
    schedule,
    active: s.active ?? true,
    ...(s.max_scheduled_runs != null && { max_scheduled_runs: s.max_scheduled_runs }),
    ...(s.parameters && { parameters: s.parameters }),
    ...(s.slug != null && { slug: s.slug }),
  };
}

/**
 * Fields that differ between the server's deployment and the one we want, after
 * normalizing both so server-side defaults are not reported: missing vs empty
 * parameters/job variables, timezone null vs "UTC", cron `day_or` default, an interval's
 * server-chosen anchor date, the `DTSTART` the server prepends to an rrule without one,
 * tag order, schedule order (the server orders by update time).
 */
export function diffDeployment(actual: DeploymentSnapshot, desired: DeploymentBody, now: Date = new Date()): FieldChange[] {
  const context = scheduleContext(desired.schedules ?? [], now);
  const want = comparable(desired, context);
  const have = comparable(actual, context);
  // Fields we do not set are not ours to judge (e.g. paused when the manifest is silent).
  if (desired.paused === undefined) {
    delete have.paused;
    delete want.paused;
  }
  return diffValues(have, want);
}

/** What the desired schedules tell us about how to read the server's (see {@link normalizeSchedule}). */
export interface ScheduleContext {
  /** Intervals for which we chose the anchor date (otherwise the server picks one). */
  readonly anchoredIntervals: ReadonlySet<number>;
  /** Rrules we send without DTSTART, with their timezone: the server stores them re-anchored. */
  readonly undatedRrules: ReadonlyArray<{ readonly rrule: string; readonly timezone: string | null }>;
  /** Our clock, bounding the anchors a server could have chosen. */
  readonly now: Date;
}

function scheduleContext(schedules: readonly ScheduleLike[], now: Date): ScheduleContext {
  const specs = schedules.map((s) => s.schedule as Record<string, unknown>);
  return {
    anchoredIntervals: new Set(specs.flatMap((s) => ('interval' in s && s.anchor_date ? [Number(s.interval)] : []))),
    undatedRrules: specs.flatMap((s) =>
      typeof s.rrule === 'string' && !s.rrule.toUpperCase().includes('DTSTART') ? [{ rrule: s.rrule, timezone: (s.timezone as string | null | undefined) ?? 'UTC' }] : [],
    ),
    now,
  };
}

/** The fields of a server deployment that the plan reads: identity plus everything {@link diffDeployment} compares. */
export type DeploymentSnapshot = Pick<
  Schemas['DeploymentResponse'],
  | 'id' | 'flow_id' | 'name' | 'tags' | 'work_pool_name' | 'description' | 'version' | 'entrypoint' | 'parameters'
  | 'parameter_openapi_schema' | 'enforce_parameter_schema' | 'work_queue_name' | 'job_variables' | 'pull_steps'
  | 'concurrency_limit' | 'concurrency_options' | 'paused'
> & {
  readonly schedules?: readonly ScheduleLike[];
  readonly global_concurrency_limit?: { readonly limit: number } | null;
};

/**
 * A server deployment cut down to its {@link DeploymentSnapshot}, with values many deployments
 * share (a flow's parameter schema, job variables, pull steps) taken from `intern` so that
 * 10,000 deployments of 20 flows hold 20 schemas, not 10,000 copies.
 */
export function toSnapshot(d: DeploymentSnapshot, intern: <T>(value: T) => T = (v) => v): DeploymentSnapshot {
  return {
    id: d.id,
    flow_id: d.flow_id,
    name: d.name,
    tags: d.tags,
    work_pool_name: d.work_pool_name,
    description: d.description,
    version: d.version,
    entrypoint: d.entrypoint,
    parameters: d.parameters,
    parameter_openapi_schema: intern(d.parameter_openapi_schema),
    enforce_parameter_schema: d.enforce_parameter_schema,
    work_queue_name: d.work_queue_name,
    job_variables: intern(d.job_variables),
    pull_steps: intern(d.pull_steps),
    schedules: (d.schedules ?? []).map((s) => ({
      schedule: s.schedule,
      active: s.active,
      max_scheduled_runs: s.max_scheduled_runs,
      parameters: s.parameters,
      slug: s.slug,
    })),
    concurrency_limit: d.concurrency_limit,
    global_concurrency_limit: d.global_concurrency_limit ? { limit: d.global_concurrency_limit.limit } : null,
    concurrency_options: d.concurrency_options,
    paused: d.paused,
  };
}

/** An interner: equal JSON values (key order aside) come back as one shared object. */
export function jsonInterner(): <T>(value: T) => T {
  const seen = new Map<string, unknown>();
  return <T>(value: T): T => {
    if (value === null || typeof value !== 'object') return value;
    const key = canonicalJson(value);
    const known = seen.get(key);
    if (known !== undefined) return known as T;
    seen.set(key, value);
    return value;
  };
}

type DeploymentLike = DeploymentBody | DeploymentSnapshot;

function comparable(d: DeploymentLike, context: ScheduleContext): Record<string, unknown> {
  const limit = d.concurrency_limit ?? ('global_concurrency_limit' in d ? d.global_concurrency_limit?.limit : undefined) ?? null;
  return {
    description: d.description ?? null,
    version: d.version ?? null,
    entrypoint: d.entrypoint ?? null,
    parameters: d.parameters ?? {},
    parameter_openapi_schema: d.parameter_openapi_schema ?? null,
    enforce_parameter_schema: d.enforce_parameter_schema ?? true,
    tags: [...new Set(d.tags ?? [])].sort(),
    work_pool_name: d.work_pool_name ?? null,
    work_queue_name: d.work_queue_name ?? null,
    job_variables: d.job_variables ?? {},
    pull_steps: d.pull_steps ?? null,
    schedules: (d.schedules ?? [])
      .map((s) => normalizeSchedule(s, context))
      .sort((a, b) => canonicalJson(a).localeCompare(canonicalJson(b))),
    concurrency_limit: limit,
    collision_strategy: limit === null ? null : d.concurrency_options?.collision_strategy ?? 'ENQUEUE',
    paused: d.paused ?? false,
  };
}

interface ScheduleLike {
  readonly schedule: ScheduleSpec;
  readonly active?: boolean | null;
  readonly max_scheduled_runs?: number | null;
  readonly parameters?: Record<string, unknown>;
  readonly slug?: string | null;
}

/**
 * A schedule with Prefect's defaults applied (cron day_or true, timezone UTC, active true), and
 * an rrule the server re-anchored (rrule-dtstart.ts) read back as the undated rule we sent.
 */
export function normalizeSchedule(s: ScheduleLike, context: Partial<ScheduleContext> = {}): Record<string, unknown> {
  const spec = s.schedule as Record<string, unknown>;
  let schedule: Record<string, unknown>;
  if ('cron' in spec) {
    schedule = { cron: String(spec.cron).trim(), timezone: spec.timezone ?? 'UTC', day_or: spec.day_or ?? true };
  } else if ('interval' in spec) {
    schedule = { interval: Number(spec.interval), timezone: spec.timezone ?? 'UTC' };
    // The server picks an anchor when none is given; compare it only when we chose one.
    if (context.anchoredIntervals?.has(Number(spec.interval)) && typeof spec.anchor_date === 'string') {
      schedule.anchor_date = new Date(spec.anchor_date).toISOString();
    }
  } else {
    const timezone = (spec.timezone as string | null | undefined) ?? 'UTC';
    const sent = context.undatedRrules?.find(
      (r) => r.timezone === timezone && isServerNormalizedRrule(String(spec.rrule), r.rrule, { timezone, now: context.now }),
    );
    schedule = { rrule: sent ? sent.rrule : spec.rrule, timezone };
  }
  return {
    schedule,
    active: s.active ?? true,
    max_scheduled_runs: s.max_scheduled_runs ?? null,
    parameters: s.parameters ?? {},
    slug: s.slug ?? null,
  };
}
