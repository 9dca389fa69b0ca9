/**
 * Integration tests need real services (scripts/test-services.sh). Outside CI a
 * missing service skips the suite with a message; under CI=true it FAILS, so a
 * broken CI setup can never pass by skipping.
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
