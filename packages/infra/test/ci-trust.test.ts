import { EnvironmentName } from '@blog-data/config';
import { configFor, one, synthBoth } from './helpers';
import { evaluate, IamRequest } from './iam-evaluator';
import { PolicyStatement } from '../src/policy';

const ORG = '6c1d2f0e-4a5b-4c3d-9e8f-0a1b2c3d4e5f';
const PROJECT = 'b2e4f6a8-1c3d-4e5f-8a9b-0c1d2e3f4a5b';
const USER = '0f9e8d7c-6b5a-4f3e-8d2c-1b0a9f8e7d6c';
const ORIGIN = 'github.com/acme/blog-data';
const ISSUER = `oidc.circleci.com/org/${ORG}`;
const PROVIDER_ARN = `arn:aws:iam::480123456789:oidc-provider/${ISSUER}`;

/** A v2 token subject as CircleCI issues it (docs: OpenID Connect tokens, `sub` of $CIRCLE_OIDC_TOKEN_V2). */
function subject(ref: string, parts: { org?: string; project?: string; origin?: string } = {}): string {
  return `org/${parts.org ?? ORG}/project/${parts.project ?? PROJECT}/user/${USER}/vcs-origin/${parts.origin ?? ORIGIN}/vcs-ref/${ref}`;
}

/** The synthesized trust policy of a CI role, with the provider's ARN in place of its terraform reference. */
function trustOf(env: EnvironmentName, role: 'deploy' | 'ecr-push'): { statements: PolicyStatement[]; role: Record<string, any> } {
  const config = configFor(env, { circleci: { organizationId: ORG, projectId: PROJECT, vcsOrigin: ORIGIN } });
  const resource = one(synthBoth(config).bootstrap, 'aws_iam_role', `${role}_role`);
  const text = (resource.assume_role_policy as string).replace(/\$\{aws_iam_openid_connect_provider\.[^}]+\.arn\}/g, PROVIDER_ARN);
  return { statements: JSON.parse(text).Statement as PolicyStatement[], role: resource };
}

function assume(statements: PolicyStatement[], sub: string, aud = ORG) {
  const request: IamRequest = {
    principal: { Federated: PROVIDER_ARN },
    action: 'sts:AssumeRoleWithWebIdentity',
    context: { [`${ISSUER}:sub`]: sub, [`${ISSUER}:aud`]: aud },
  };
  return evaluate(statements, request) === 'allow' ? 'allow' : 'deny';
}

const CASES: Array<[string, string, string, 'allow' | 'deny']> = [
  // [environment's deploy branch, who asks, subject, expected]
  ['main', 'main', subject('refs/heads/main'), 'allow'],
  ['main', 'staging-v2', subject('refs/heads/staging-v2'), 'deny'],
  ['main', 'a feature branch', subject('refs/heads/feature/new-flow'), 'deny'],
  ['main', 'a branch named main-hotfix', subject('refs/heads/main-hotfix'), 'deny'],
  ['main', 'a crafted x/vcs-ref/refs/heads/main', subject('refs/heads/x/vcs-ref/refs/heads/main'), 'deny'],
  ['main', 'a crafted branch that repeats vcs-origin', subject(`refs/heads/x/vcs-origin/${ORIGIN}/vcs-ref/refs/heads/main`), 'deny'],
  ['main', 'a tag named main', subject('refs/tags/main'), 'deny'],
  ['main', 'a fork pull request', subject('refs/pull/12/head'), 'deny'],
  ['main', 'a fork repository on main', subject('refs/heads/main', { origin: 'github.com/attacker/blog-data' }), 'deny'],
  ['main', 'another project of the org on main', subject('refs/heads/main', { project: '11111111-2222-4333-8444-555555555555' }), 'deny'],
  ['main', 'another org on main', subject('refs/heads/main', { org: '99999999-8888-4777-8666-555555555555' }), 'deny'],
  ['main', 'the v1 token subject (no vcs-ref)', `org/${ORG}/project/${PROJECT}/user/${USER}`, 'deny'],
  ['staging-v2', 'staging-v2', subject('refs/heads/staging-v2'), 'allow'],
  ['staging-v2', 'main', subject('refs/heads/main'), 'deny'],
  ['staging-v2', 'staging-v2-old', subject('refs/heads/staging-v2-old'), 'deny'],
  ['staging-v2', 'a crafted x/vcs-ref/refs/heads/staging-v2', subject('refs/heads/x/vcs-ref/refs/heads/staging-v2'), 'deny'],
  ['staging-v2', 'a feature branch', subject('refs/heads/feature/staging-v2'), 'deny'],
];

const ENV_BY_BRANCH: Record<string, EnvironmentName> = { 'main': 'prod', 'staging-v2': 'staging' };

describe('CircleCI trust of the CI roles (v2 OIDC subject, pinned to the deploy branch)', () => {
  describe.each(['deploy', 'ecr-push'] as const)('%s role', (role) => {
    it.each(CASES)('on %s: %s → %s', (branch, _who, sub, expected) => {
      const { statements } = trustOf(ENV_BY_BRANCH[branch]!, role);
      expect(assume(statements, sub)).toBe(expected);
    });

    it('refuses a token minted for another audience', () => {
      const { statements } = trustOf('prod', role);
      expect(assume(statements, subject('refs/heads/main'), 'sts.amazonaws.com')).toBe('deny');
    });

    it('lasts long enough for a first apply (3 h session)', () => {
      expect(trustOf('prod', role).role.max_session_duration).toBe(10800);
    });
  });

  it('lets the push role trust more publishing branches when configured, and only those', () => {
    const config = configFor('staging', {
      circleci: { organizationId: ORG, projectId: PROJECT, vcsOrigin: ORIGIN, publishBranches: ['staging-v2', 'release/next'] },
    });
    const resource = one(synthBoth(config).bootstrap, 'aws_iam_role', 'ecr-push_role');
    const statements = JSON.parse(resource.assume_role_policy.replace(/\$\{[^}]+\}/g, PROVIDER_ARN)).Statement;
    expect(assume(statements, subject('refs/heads/release/next'))).toBe('allow');
    expect(assume(statements, subject('refs/heads/release/other'))).toBe('deny');
    const deploy = JSON.parse(one(synthBoth(config).bootstrap, 'aws_iam_role', 'deploy_role').assume_role_policy.replace(/\$\{[^}]+\}/g, PROVIDER_ARN)).Statement;
    expect(assume(deploy, subject('refs/heads/release/next'))).toBe('deny');
  });

  it('points the OIDC provider at the organization issuer with the org id as audience', () => {
    const config = configFor('prod', { circleci: { organizationId: ORG, projectId: PROJECT, vcsOrigin: ORIGIN } });
    expect(one(synthBoth(config).bootstrap, 'aws_iam_openid_connect_provider')).toMatchObject({
      url: `https://${ISSUER}`,
      client_id_list: [ORG],
    });
  });
});
