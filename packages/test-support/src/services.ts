import { noteSkip } from './skip-reporter';

/** How to start the services the integration tests use. */
export const START_SERVICES_HINT = 'run `eval "$(scripts/test-services.sh up)"` from the repo root';

/** What to do about the services a test needs. */
export type ServiceCheck =
  | { readonly status: 'ready'; readonly values: Readonly<Record<string, string>> }
  | { readonly status: 'skip' | 'fail'; readonly message: string };

/** True when running in CI (CircleCI, and `.ci/run`, set CI=true). */
export function inCi(environ: NodeJS.ProcessEnv = process.env): boolean {
  return environ.CI === 'true' || environ.CI === '1';
}

/**
 * Decides whether tests needing `variables` can run: ready when all are set; otherwise a
 * FAILURE under CI (a broken CI set-up must never pass by skipping) and a skip elsewhere.
 */
export function checkServices(
  variables: readonly string[],
  hint = START_SERVICES_HINT,
  environ: NodeJS.ProcessEnv = process.env,
): ServiceCheck {
  const missing = variables.filter((name) => !environ[name]);
  if (missing.length === 0) {
    return { status: 'ready', values: Object.fromEntries(variables.map((name) => [name, environ[name] as string])) };
  }
  const message = `missing ${missing.join(', ')}: ${hint}`;
  return inCi(environ) ? { status: 'fail', message: `${message} (required under CI=true)` } : { status: 'skip', message };
}

/**
 * A value the test needs from a service, or `undefined` to skip outside CI. Under CI=true a
 * missing value throws. `value` defaults to the variable itself (pass one for derived checks,
 * such as "terraform is on PATH").
 */
export function requireService(variable: string, hint: string, value: string | undefined = process.env[variable]): string | undefined {
  const check = checkServices([variable], hint, { ...process.env, [variable]: value });
  if (check.status === 'ready') return check.values[variable];
  if (check.status === 'fail') throw new Error(check.message);
  noteSkip(check.message);
  return undefined;
}

/**
 * `describe` for integration tests: runs `body` with the service variables when they are set,
 * registers one failing test under CI=true when they are not, and skips with a message elsewhere.
 */
export function describeWithServices(
  title: string,
  variables: readonly string[],
  body: (values: Readonly<Record<string, string>>) => void,
): void {
  const check = checkServices(variables);
  if (check.status === 'ready') {
    describe(title, () => body(check.values));
  } else if (check.status === 'fail') {
    describe(title, () => {
      it('has the services it needs', () => {
        throw new Error(check.message);
      });
    });
  } else {
    noteSkip(`"${title}": ${check.message}`);
    describe.skip(title, () => body({}));
  }
}

/** A resource name no other test run (or package sharing the emulator) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
