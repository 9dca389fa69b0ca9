import { configWarnings, ConfigError, loadConfig, PROD_DELETION_PROTECTION_OFF } from '../src';

/** The problem lines a load produces (fails the test if it does not throw). */
function problemsOf(env: string, environ: Record<string, string>): readonly string[] {
  try {
    loadConfig({ env, environ });
  } catch (err) {
    if (err instanceof ConfigError) return err.problems().map((p) => (p.where?.startsWith('from ') ? `${p.what} (${p.where})` : p.what));
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('HTTPS outside dev', () => {
  it('serves staging and prod over HTTPS (CloudFront without a domain) and keeps dev private (no load balancer)', () => {
    for (const env of ['staging', 'prod']) expect(loadConfig({ env, environ: {} }).endpoint).toBe('cloudfront');
    expect(loadConfig({ env: 'dev', environ: {} }).endpoint).toBe('private');
    expect(loadConfig({ env: 'dev', environ: { PLATFORM_ENDPOINT: 'cloudfront' } }).endpoint).toBe('cloudfront');
  });

  it('lets staging or prod go private too (no public URL at all), without a warning about HTTP', () => {
    const staging = loadConfig({ env: 'staging', environ: { PLATFORM_ENDPOINT: 'private', PLATFORM_ALARMS__EMAIL: 'ops@example.com' } });
    expect(staging.endpoint).toBe('private');
    expect(configWarnings(staging)).toEqual([]);
  });

  it('refuses an unknown endpoint and a private one with a domain, naming the field', () => {
    expect(problemsOf('dev', { PLATFORM_ENDPOINT: 'vpn' })).toEqual([
      'dev.endpoint: must be one of cloudfront, insecure-http, private (from PLATFORM_ENDPOINT)',
    ]);
    const environ = { PLATFORM_ENDPOINT: 'private', PLATFORM_DOMAIN: '{"name":"prefect.example.com","hostedZoneId":"Z0123456789ABC"}' };
    expect(problemsOf('dev', environ)).toEqual([expect.stringMatching(/^dev\.endpoint: "private" contradicts domain/)]);
  });

  it.each(['staging', 'prod'])('refuses plain HTTP in %s with one line naming the field', (env) => {
    expect(problemsOf(env, { PLATFORM_ENDPOINT: 'insecure-http' })).toEqual([
      `${env}.endpoint: ${env} serves the API over HTTPS only: set domain (Route 53) or endpoint "cloudfront" (no domain needed) (from PLATFORM_ENDPOINT)`,
    ]);
  });

  it('lets dev opt into plain HTTP explicitly, and says so', () => {
    // With an alarm subscriber, so that the plain-HTTP warning is the only one.
    const subscribed = { PLATFORM_ALARMS__EMAIL: 'ops@example.com' };
    const dev = loadConfig({ env: 'dev', environ: { ...subscribed, PLATFORM_ENDPOINT: 'insecure-http' } });
    expect(dev.endpoint).toBe('insecure-http');
    expect(configWarnings(dev)).toEqual([expect.stringContaining('dev serves the Prefect API over plain HTTP')]);
    expect(configWarnings(loadConfig({ env: 'dev', environ: subscribed }))).toEqual([]);
  });

  it('refuses plain HTTP together with a domain', () => {
    const environ = { PLATFORM_ENDPOINT: 'insecure-http', PLATFORM_DOMAIN: '{"name":"prefect.example.com","hostedZoneId":"Z0123456789ABC"}' };
    expect(problemsOf('dev', environ)).toEqual([expect.stringMatching(/^dev\.endpoint: "insecure-http" contradicts domain/)]);
  });
});

describe('prod deletion protection', () => {
  it('refuses turning it off without the confirmation sentence', () => {
    expect(problemsOf('prod', { PLATFORM_AURORA__DELETION_PROTECTION: 'false' })).toEqual([
      `prod.aurora.deletionProtection: false in prod needs aurora.deletionProtectionOffConfirmation = "${PROD_DELETION_PROTECTION_OFF}" (from PLATFORM_AURORA__DELETION_PROTECTION)`,
    ]);
    expect(problemsOf('prod', { PLATFORM_AURORA__DELETION_PROTECTION: 'false', PLATFORM_AURORA__DELETION_PROTECTION_OFF_CONFIRMATION: 'yes' })).toHaveLength(1);
  });

  it('accepts it with the sentence, and every deploy then warns', () => {
    const prod = loadConfig({
      env: 'prod',
      environ: { PLATFORM_AURORA__DELETION_PROTECTION: 'false', PLATFORM_AURORA__DELETION_PROTECTION_OFF_CONFIRMATION: PROD_DELETION_PROTECTION_OFF },
    });
    expect(prod.aurora.deletionProtection).toBe(false);
    expect(configWarnings(prod)).toEqual([expect.stringContaining('prod database deletion protection is OFF')]);
  });

  it('leaves other environments free to turn it off', () => {
    expect(loadConfig({ env: 'staging', environ: { PLATFORM_AURORA__DELETION_PROTECTION: 'false' } }).aurora.deletionProtection).toBe(false);
  });
});

describe('numbers in overrides', () => {
  it.each(['0x10', '0b1', '0o7', '1e1', 'Infinity', '', ' ', '2.', '.5', '+2'])('refuses %p for a number', (raw) => {
    expect(problemsOf('dev', { PLATFORM_AURORA__MAX_ACU: raw })).toEqual([
      expect.stringMatching(new RegExp(`^dev\\.aurora\\.maxAcu: must be a plain decimal number \\(got "${raw.replace(/[.+]/g, '\\$&')}"\\) \\(from PLATFORM_AURORA__MAX_ACU\\)$`)),
    ]);
  });

  it.each([['16', 16], ['2.5', 2.5], [' 4 ', 4]])('takes plain decimal %p', (raw, value) => {
    expect(loadConfig({ env: 'dev', environ: { PLATFORM_AURORA__MAX_ACU: raw } }).aurora.maxAcu).toBe(value);
  });
});

describe('what the deploy role relies on', () => {
  it('refuses admin principals of another account (a trust that leaves the environment)', () => {
    expect(problemsOf('prod', { PLATFORM_IAM__ADMIN_PRINCIPAL_ARNS: '["arn:aws:iam::999999999999:role/admin"]' })).toEqual([
      'prod.iam.adminPrincipalArns.0: must be a principal of this account (333333333333) (from PLATFORM_IAM__ADMIN_PRINCIPAL_ARNS)',
    ]);
    expect(loadConfig({ env: 'prod', environ: { PLATFORM_IAM__ADMIN_PRINCIPAL_ARNS: '["arn:aws:iam::333333333333:role/admin"]' } }).iam.adminPrincipalArns).toHaveLength(1);
  });

  it('keeps the environment tag equal to the environment (the deploy role\'s ABAC conditions use it)', () => {
    expect(problemsOf('staging', { PLATFORM_TAGS: '{"project":"blog-data","environment":"prod"}' })).toEqual([
      'staging.tags.environment: must be "staging" (the deploy role\'s permissions are conditioned on it) (from PLATFORM_TAGS)',
    ]);
  });
});
