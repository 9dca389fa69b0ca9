import { EXIT, Problem, UserError } from '@blog-data/cli-kit';
import type { z } from 'zod';
import { ENVIRONMENT_BUILDERS } from './environments';
import { applyOverrides, ConfigOverride, ENV_SELECTOR, readOverrides } from './overrides';
import { PARSE_ONCE } from './parse-once';
import { ENVIRONMENTS, EnvironmentName, PlatformConfig, platformConfigSchema } from './schema';

/**
 * Invalid settings: one problem per line, each naming `<env>.<field path>`, where the value came
 * from (the `PLATFORM_*` variable, `--env`, or the environment file) and how to fix it. Exit 2:
 * nothing was attempted.
 */
export class ConfigError extends UserError {
  constructor(problems: readonly Problem[]) {
    super('invalid settings', undefined, undefined, { exitCode: EXIT.usage, kind: 'config', problems });
    this.name = 'ConfigError';
  }
}

/** Options for {@link loadConfig}. */
export interface LoadConfigOptions {
  /** Environment to load; default: `PLATFORM_ENV`, then `dev`. */
  readonly env?: string;
  /** Variables to read overrides from; default `process.env`. */
  readonly environ?: NodeJS.ProcessEnv;
}

/** Picks the environment from an explicit name, else `PLATFORM_ENV`, else `dev`. */
export function selectEnvironment(explicit?: string, environ: NodeJS.ProcessEnv = process.env): EnvironmentName {
  const name = explicit ?? environ[ENV_SELECTOR] ?? 'dev';
  if (!(ENVIRONMENTS as readonly string[]).includes(name)) {
    const fromFlag = explicit !== undefined;
    const valid = ENVIRONMENTS.join(', ');
    throw new ConfigError([
      {
        what: `unknown environment "${name}"`,
        where: fromFlag ? '--env' : ENV_SELECTOR,
        fix: fromFlag ? `pass --env ${ENVIRONMENTS.join('|')}` : `set ${ENV_SELECTOR} to one of ${valid}`,
      },
    ]);
  }
  return name as EnvironmentName;
}

/**
 * Loads one environment: committed settings, then `PLATFORM_*` overrides,
 * then validation. Throws {@link ConfigError} listing every problem.
 */
export function loadConfig(options: LoadConfigOptions = {}): PlatformConfig {
  const environ = options.environ ?? process.env;
  const env = selectEnvironment(options.env, environ);
  const overrides = readOverrides(environ);
  // Account and region go in first: bucket names derived from them must follow the override.
  const aws = (key: string) => overrides.find((o) => o.path.join('.') === `aws.${key}`)?.raw;
  const input = ENVIRONMENT_BUILDERS[env]({ accountId: aws('accountId'), region: aws('region') });
  const applied = applyOverrides(input, overrides);
  // Unreadable JSON first: the schema would only say "expected object, received string".
  if (applied.problems.length > 0) throw new ConfigError(applied.problems);
  return validateConfig(applied.value, overrides);
}

/** Loads and validates every environment, collecting all problems before throwing. */
export function loadAllConfigs(environ: NodeJS.ProcessEnv = {}): Record<EnvironmentName, PlatformConfig> {
  const problems: Problem[] = [];
  const out: Partial<Record<EnvironmentName, PlatformConfig>> = {};
  for (const env of ENVIRONMENTS) {
    try {
      out[env] = loadConfig({ env, environ });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems());
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as Record<EnvironmentName, PlatformConfig>;
}

/** Validates raw settings; problems name `<env>.<field path>` and the override variable that set it. */
export function validateConfig(input: unknown, overrides: readonly ConfigOverride[] = []): PlatformConfig {
  const result = platformConfigSchema.safeParse(input, PARSE_ONCE);
  if (result.success) return result.data;
  const env = (input as { env?: unknown })?.env;
  const prefix = typeof env === 'string' ? env : 'config';
  throw new ConfigError(result.error.issues.map((issue) => describeIssue(prefix, issue, overrides)));
}

function describeIssue(env: string, issue: z.core.$ZodIssue, overrides: readonly ConfigOverride[]): Problem {
  let path = issue.path.map(String);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    // Name each unknown key in the path itself, so the line points at it.
    path = [...path, issue.keys.join(',')];
    message = 'unknown setting';
  }
  const found = overrideSources(path, issue.code === 'custom', overrides);
  const sources = found.map((o) => o.variable);
  if (found.length === 1 && issue.code === 'invalid_type' && issue.expected === 'number') {
    message = `must be a plain decimal number (got "${found[0].raw}")`;
  }
  if (sources.length > 0) {
    return { what: `${[env, ...path].join('.')}: ${message}`, where: `from ${sources.join(', ')}`, fix: `change or unset ${sources.join(', ')}` };
  }
  return {
    what: `${[env, ...path].join('.')}: ${message}`,
    where: `packages/config/src/environments/${env}.ts`,
    fix: 'correct the setting there (or in environments/base.ts when it is a default)',
  };
}

/**
 * The overrides behind a problem at `path`: one that set it or a whole object above it; for a
 * rule that compares fields (`maxAcu ≥ minAcu`, a custom issue), also those that set a sibling,
 * since changing either side breaks it.
 */
function overrideSources(path: readonly string[], comparesFields: boolean, overrides: readonly ConfigOverride[]): ConfigOverride[] {
  const isPrefix = (prefix: readonly string[], of: readonly string[]) => prefix.length <= of.length && prefix.every((p, i) => p === of[i]);
  const direct = overrides.filter((o) => isPrefix(o.path, path));
  if (direct.length > 0 || !comparesFields) return direct;
  const parent = path.slice(0, -1);
  return overrides.filter((o) => isPrefix(parent, o.path));
}
