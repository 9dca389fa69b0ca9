/**
 * Integration tests need real services (`scripts/test-services.sh up`). Outside
 * CI a missing service skips the suite with a message; under CI=true it FAILS,
 * so a broken CI set-up can never pass by skipping.
 */
export function describeWithServices(
  title: string,
  names: readonly string[],
  body: (env: Record<string, string>) => void,
): void {
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length === 0) {
    describe(title, () => body(Object.fromEntries(names.map((n) => [n, process.env[n] as string]))));
    return;
  }
  const message = `missing ${missing.join(', ')}: run \`eval "$(scripts/test-services.sh up)"\` from the repo root first`;
  if (process.env.CI === 'true') {
    describe(title, () => {
      it('has the services it needs', () => {
        throw new Error(message);
      });
    });
    return;
  }
  // eslint-disable-next-line no-console
  console.warn(`skipping "${title}": ${message}`);
  describe.skip(title, () => body({}));
}

/** A name no other test run (or package sharing the emulator) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}
