import { ConfigError, loadConfig } from '../src';

/** Loads `env` with only the given override variables set. */
export const load = (env: string, environ: Record<string, string> = {}) => loadConfig({ env, environ });

/** The one-line problems (`what`) a ConfigError from `fn` reports; fails when `fn` throws nothing or something else. */
export function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems().map((p) => p.what);
    throw err;
  }
  throw new Error('expected a ConfigError');
}
