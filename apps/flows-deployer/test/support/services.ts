/**
 * Integration tests that need a service: outside CI they skip with a message when its
 * variable is missing; under CI=true a missing service is a failure, never a silent skip.
 */
export function requireService(variable: string, how: string): string | undefined {
  const value = process.env[variable];
  if (value) return value;
  if (process.env.CI === 'true' || process.env.CI === '1') {
    throw new Error(`${variable} is not set but CI=true: start the test services (${how})`);
  }
  // eslint-disable-next-line no-console
  console.warn(`skipping: ${variable} is not set (${how})`);
  return undefined;
}
