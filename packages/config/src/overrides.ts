import type { Problem } from '@blog-data/cli-kit';

/** Every override variable starts with this; `PLATFORM_ENV` selects the environment. */
export const OVERRIDE_PREFIX = 'PLATFORM_';
/** Selects the environment (dev, staging, prod). */
export const ENV_SELECTOR = `${OVERRIDE_PREFIX}ENV`;

/** One override taken from the process environment. */
export interface ConfigOverride {
  /** The variable it came from, e.g. `PLATFORM_AURORA__MAX_ACU`. */
  readonly variable: string;
  /** Where it lands in the config, e.g. `["aurora", "maxAcu"]`. */
  readonly path: readonly string[];
  /** The raw string value. */
  readonly raw: string;
}

/**
 * Reads `PLATFORM_<SECTION>__<FIELD>` variables: `__` separates levels and each
 * level is SCREAMING_SNAKE for a camelCase key, so `PLATFORM_AURORA__MAX_ACU=2`
 * sets `aurora.maxAcu`. A top-level key needs no `__` (`PLATFORM_PROJECT`).
 */
export function readOverrides(environ: NodeJS.ProcessEnv): ConfigOverride[] {
  return Object.keys(environ)
    .filter((name) => name.startsWith(OVERRIDE_PREFIX) && name !== ENV_SELECTOR)
    .sort()
    .map((variable) => ({
      variable,
      path: variable.slice(OVERRIDE_PREFIX.length).split('__').map(snakeToCamel),
      raw: environ[variable] ?? '',
    }));
}

function snakeToCamel(segment: string): string {
  return segment.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Overrides applied, and the values that could not be read (malformed JSON). */
export interface AppliedOverrides<T> {
  readonly value: T;
  readonly problems: readonly Problem[];
}

/**
 * Applies overrides to a copy of `input`. A value takes the type of the
 * setting it replaces (so `15.13` stays a string for `aurora.engineVersion`);
 * arrays and objects are given as JSON, and JSON that does not parse is a
 * problem naming the variable. Type mistakes are left for the schema to
 * report, with the variable's name attached by the caller.
 */
export function applyOverrides<T extends object>(input: T, overrides: readonly ConfigOverride[]): AppliedOverrides<T> {
  const copy = structuredClone(input) as Record<string, unknown>;
  const env = typeof copy.env === 'string' ? copy.env : 'config';
  const problems: Problem[] = [];
  for (const { path, raw, variable } of overrides) {
    let node = copy;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    const leaf = path[path.length - 1];
    const value = coerce(raw, node[leaf]);
    if (value instanceof SyntaxError) {
      problems.push({
        what: `${[env, ...path].join('.')}: not valid JSON (${value.message})`,
        where: `from ${variable}`,
        fix: `write the ${Array.isArray(node[leaf]) ? 'list' : 'object'} as JSON, e.g. ${variable}='${Array.isArray(node[leaf]) ? '["a","b"]' : '{"key":"value"}'}'`,
      });
      continue;
    }
    node[leaf] = value;
  }
  return { value: copy as T, problems };
}

/** Plain decimal only: `Number()` would also take `0x10`, `0b1`, `1e3`, `Infinity` and blanks. */
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** The override's value in the type of the setting it replaces; a SyntaxError for JSON that does not parse. */
function coerce(raw: string, current: unknown): unknown {
  const trimmed = raw.trim();
  // Anything else stays a string, which the schema then reports as "expected number".
  if (typeof current === 'number') return DECIMAL.test(trimmed) ? Number(trimmed) : raw;
  if (typeof current === 'boolean') return trimmed === 'true' ? true : trimmed === 'false' ? false : raw;
  if (typeof current === 'string') return raw;
  // An optional number that is not set yet (aurora.secondsUntilAutoPause).
  if (current === undefined && DECIMAL.test(trimmed)) return Number(trimmed);
  if (Array.isArray(current) || /^[[{]/.test(trimmed) || current !== undefined) {
    try {
      return JSON.parse(trimmed);
    } catch (err) {
      return err instanceof SyntaxError ? err : new SyntaxError(String(err));
    }
  }
  return raw;
}
