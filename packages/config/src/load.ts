import type { z } from 'zod';
import { ENVIRONMENT_BUILDERS } from './environments';
import { applyOverrides, ConfigOverride, ENV_SELECTOR, readOverrides } from './overrides';
import { ENVIRONMENTS, EnvironmentName, PlatformConfig, platformConfigSchema } from './schema';

/** Invalid settings: one line per problem, each naming the environment and field path. */
export class ConfigError extends Error {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join('\n'));
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
    const source = explicit !== undefined ? '--env' : ENV_SELECTOR;
    throw new ConfigError([`${source}: unknown environment "${name}" (expected ${ENVIRONMENTS.join(', ')})`]);
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
  return validateConfig(applyOverrides(input, overrides), overrides);
}

/** Loads and validates every environment, collecting all problems before throwing. */
export function loadAllConfigs(environ: NodeJS.ProcessEnv = {}): Record<EnvironmentName, PlatformConfig> {
  const problems: string[] = [];
  const out: Partial<Record<EnvironmentName, PlatformConfig>> = {};
  for (const env of ENVIRONMENTS) {
    try {
      out[env] = loadConfig({ env, environ });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as Record<EnvironmentName, PlatformConfig>;
}

/** Validates raw settings; problems name `<env>.<field path>` and the override variable that set it. */
export function validateConfig(input: unknown, overrides: readonly ConfigOverride[] = []): PlatformConfig {
  const result = platformConfigSchema.safeParse(input);
  if (result.success) return result.data;
  const env = (input as { env?: unknown })?.env;
  const prefix = typeof env === 'string' ? env : 'config';
  throw new ConfigError(result.error.issues.map((issue) => describeIssue(prefix, issue, overrides)));
}

function describeIssue(env: string, issue: z.core.$ZodIssue, overrides: readonly ConfigOverride[]): string {
  let path = issue.path.map(String);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    // Name each unknown key in the path itself, so the line points at it.
    path = [...path, issue.keys.join(',')];
    message = 'unknown setting';
  }
  const dotted = [env, ...path].join('.');
  // The variable that set this field or a whole object/array above it (PLATFORM_TAGS='{…}').
  const source = overrides.find((o) => o.path.join('.') === path.join('.')) ?? overrides.find((o) => path.join('.').startsWith(`${o.path.join('.')}.`));
  if (source && issue.code === 'invalid_type' && issue.expected === 'number') {
    message = `must be a plain decimal number (got "${source.raw}")`;
  }
  return `${dotted}: ${message}${source ? ` (from ${source.variable})` : ''}`;
}
