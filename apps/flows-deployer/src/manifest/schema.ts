import { z } from 'zod';

/** Prefect rejects these characters in flow, deployment and pool names. */
const prefectName = z.string().min(1, 'must not be empty').regex(/^[^/%&><]+$/, 'must not contain / % & > <');

const CRON_MACROS = /^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/;
const CRON_FIELD = /^[\d*?,\-/LW#A-Za-z]+$/;

/** Accepts the cron dialect Prefect's croniter takes: 5 fields (6 with seconds) or an @macro. */
export function isCronExpression(value: string): boolean {
  const trimmed = value.trim();
  if (CRON_MACROS.test(trimmed)) return true;
  const fields = trimmed.split(/\s+/);
  return (fields.length === 5 || fields.length === 6) && fields.every((f) => CRON_FIELD.test(f));
}

/** True for IANA zones the runtime knows (Prefect validates against the same tz database). */
export function isTimeZone(value: string): boolean {
  // Building a DateTimeFormat costs ~0.4 ms; a 10,000-deployment manifest names a handful of zones.
  let known = KNOWN_TIME_ZONES.get(value);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: value });
      known = true;
    } catch {
      known = false;
    }
    KNOWN_TIME_ZONES.set(value, known);
  }
  return known;
}

const KNOWN_TIME_ZONES = new Map<string, boolean>();

const timezone = z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/London or UTC');

/**
 * One schedule as `prefect.yaml` writes it: exactly one of `cron`, `interval` (seconds)
 * or `rrule`, with Prefect's per-schedule options.
 */
export const manifestScheduleSchema = z
  .object({
    cron: z.string().refine(isCronExpression, 'must be a cron expression with 5 fields (e.g. "0 6 * * *") or an @macro').optional(),
    interval: z.number().positive('must be a positive number of seconds').optional(),
    rrule: z.string().regex(/(^|\n|;)?(DTSTART|RRULE:|FREQ=)/, 'must be an RFC 5545 rule (e.g. "FREQ=WEEKLY;BYDAY=MO")').optional(),
    timezone: timezone.nullable().optional(),
    /** cron only: Prefect's `day_or` (day-of-month OR day-of-week). */
    day_or: z.boolean().optional(),
    /** interval only: the instant intervals are counted from. */
    anchor_date: z.string().datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional(),
    active: z.boolean().optional(),
    max_scheduled_runs: z.number().int().positive().nullable().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    slug: z.string().min(1).nullable().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const kinds = (['cron', 'interval', 'rrule'] as const).filter((k) => s[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: kinds.length === 0 ? 'needs one of cron, interval or rrule' : `has ${kinds.join(' and ')}; use exactly one`,
      });
    }
    if (s.day_or !== undefined && s.cron === undefined) {
      ctx.addIssue({ code: 'custom', path: ['day_or'], message: 'applies only to cron schedules' });
    }
    if (s.anchor_date !== undefined && s.interval === undefined) {
      ctx.addIssue({ code: 'custom', path: ['anchor_date'], message: 'applies only to interval schedules' });
    }
  });

const steps = z.array(z.record(z.string(), z.unknown()).refine((step) => Object.keys(step).length === 1, 'each step is a map with one key: the step\'s import path'));

/** `path/to/file.py:function`. */
export const ENTRYPOINT = /^[^:]+\.py:[A-Za-z_][A-Za-z0-9_]*$/;

/** One entry of `deployments:`. */
export const manifestDeploymentSchema = z
  .object({
    name: prefectName,
    /** Optional: the flow's name when the function is not decorated with `@flow(name=...)`. */
    flow_name: prefectName.optional(),
    entrypoint: z
      .string()
      .regex(ENTRYPOINT, 'must be <path/to/file.py>:<function name>, e.g. flows/ingest.py:ingest_posts'),
    description: z.string().nullable().optional(),
    // YAML reads `version: 1.2` as a number; Prefect stores a string.
    version: z.union([z.string(), z.number()]).transform((v) => String(v)).nullable().optional(),
    tags: z.array(z.string().min(1, 'must not be empty')).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    /** An explicit parameter schema; by default derived from the flow function's signature. */
    parameter_openapi_schema: z.record(z.string(), z.unknown()).nullable().optional(),
    enforce_parameter_schema: z.boolean().optional(),
    schedules: z.array(manifestScheduleSchema).nullable().optional(),
    /** Legacy single schedule (Prefect 2 style). */
    schedule: manifestScheduleSchema.nullable().optional(),
    paused: z.boolean().optional(),
    work_pool: z
      .object({
        name: prefectName.optional(),
        work_queue_name: z.string().min(1).nullable().optional(),
        job_variables: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .optional(),
    concurrency_limit: z
      .union([
        z.number().int().positive('must be a positive integer'),
        z
          .object({
            limit: z.number().int().positive('must be a positive integer'),
            collision_strategy: z.enum(['ENQUEUE', 'CANCEL_NEW']).optional(),
          })
          .strict(),
      ])
      .nullable()
      .optional(),
    pull: steps.nullable().optional(),
    // Image build/push is image-builder's job; accepted for compatibility and ignored.
    build: z.unknown().optional(),
    push: z.unknown().optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.schedule != null && d.schedules != null) {
      ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'use either schedule (legacy) or schedules, not both' });
    }
  });

/** The whole `prefect.yaml` (Prefect's project file format). */
export const manifestSchema = z
  .object({
    'name': z.string().optional(),
    'prefect-version': z.string().optional(),
    /** Where YAML anchors are conventionally declared; not interpreted. */
    'definitions': z.unknown().optional(),
    'build': z.unknown().optional(),
    'push': z.unknown().optional(),
    /** Pull steps for every deployment that does not declare its own. */
    'pull': steps.nullable().optional(),
    'deployments': z.array(manifestDeploymentSchema).min(1, 'must list at least one deployment'),
  })
  .strict();

export type ManifestSchedule = z.output<typeof manifestScheduleSchema>;
export type ManifestDeployment = z.output<typeof manifestDeploymentSchema>;
export type Manifest = z.output<typeof manifestSchema>;
