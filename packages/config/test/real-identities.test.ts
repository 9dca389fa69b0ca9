import { formatProblem } from '@blog-data/cli-kit';
import { assertRealIdentities, ConfigError, IDENTITIES, loadConfig, placeholderIdentities } from '../src';

const real = {
  PLATFORM_AWS__ACCOUNT_ID: '480123456789',
  PLATFORM_CIRCLECI__ORGANIZATION_ID: '6c1d2f0e-4a5b-4c3d-9e8f-0a1b2c3d4e5f',
  PLATFORM_CIRCLECI__PROJECT_ID: 'b2e4f6a8-1c3d-4e5f-8a9b-0c1d2e3f4a5b',
  PLATFORM_CIRCLECI__VCS_ORIGIN: 'github.com/acme/blog-data',
};

describe('real identities', () => {
  it('keeps every id in one file, with the production runbook region', () => {
    for (const env of ['dev', 'staging', 'prod'] as const) {
      const config = loadConfig({ env, environ: {} });
      expect(config.aws).toEqual(IDENTITIES.aws[env]);
      expect(config.aws.region).toBe('eu-west-2');
      expect(config.circleci).toMatchObject(IDENTITIES.circleci);
    }
  });

  it('refuses the committed placeholders for real AWS, one line per field to fill in', () => {
    const prod = loadConfig({ env: 'prod', environ: {} });
    let error: unknown;
    try {
      assertRealIdentities(prod, { emulator: false });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems().map(formatProblem)).toEqual([
      'prod.aws.accountId: "333333333333" is a placeholder (packages/config/src/environments/identities.ts): set IDENTITIES.aws.prod.accountId there (or PLATFORM_AWS__ACCOUNT_ID)',
      'prod.circleci.organizationId: "00000000-0000-0000-0000-000000000000" is a placeholder (packages/config/src/environments/identities.ts): set IDENTITIES.circleci.organizationId there (or PLATFORM_CIRCLECI__ORGANIZATION_ID)',
      'prod.circleci.projectId: "00000000-0000-0000-0000-000000000000" is a placeholder (packages/config/src/environments/identities.ts): set IDENTITIES.circleci.projectId there (or PLATFORM_CIRCLECI__PROJECT_ID)',
      'prod.circleci.vcsOrigin: "github.com/example-org/blog-data" is a placeholder (packages/config/src/environments/identities.ts): set IDENTITIES.circleci.vcsOrigin there (or PLATFORM_CIRCLECI__VCS_ORIGIN)',
    ]);
  });

  it.each(['111111111111', '222222222222', '123456789012'])('refuses the example account %s in any environment', (account) => {
    const config = loadConfig({ env: 'staging', environ: { ...real, PLATFORM_AWS__ACCOUNT_ID: account } });
    expect(placeholderIdentities(config).map((p) => p.what)).toEqual([expect.stringMatching(/^staging\.aws\.accountId: "\d+" is a placeholder/)]);
  });

  it('accepts real ids, and anything on the emulator', () => {
    expect(() => assertRealIdentities(loadConfig({ env: 'prod', environ: real }), { emulator: false })).not.toThrow();
    expect(() => assertRealIdentities(loadConfig({ env: 'prod', environ: {} }), { emulator: true })).not.toThrow();
  });

  it.each([
    ['a wildcard', 'feature/*', 'must be a branch name'],
    ['a policy variable', '${aws:username}', 'must be a branch name'],
    ['a parent step', 'a/../main', 'must be a branch name'],
  ])('refuses a deploy branch with %s', (_, branch, message) => {
    expect(() => loadConfig({ env: 'prod', environ: { PLATFORM_CIRCLECI__DEPLOY_BRANCH: branch } })).toThrow(message);
  });
});
