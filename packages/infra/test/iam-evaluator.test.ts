import { evaluate, like } from './iam-evaluator';
import { PolicyStatement } from '../src/policy';

const principal = { Federated: 'arn:aws:iam::123456789012:oidc-provider/example' };
const allow = (Condition?: PolicyStatement['Condition']): PolicyStatement => ({
  Effect: 'Allow',
  Principal: { Federated: principal.Federated },
  Action: 'sts:AssumeRoleWithWebIdentity',
  Condition,
});
const request = (context: Record<string, string>) => ({ principal, action: 'sts:AssumeRoleWithWebIdentity', context });

describe('the IAM evaluator used by the trust-policy tests', () => {
  it.each([
    ['a*c', 'abc', true],
    ['a*c', 'a/b/c', true],
    ['a*c', 'ac', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['a?c', 'abbc', false],
    ['a.c', 'abc', false],
    ['main', 'Main', false],
  ])('like(%s, %s) is %s', (pattern, value, expected) => {
    expect(like(pattern, value)).toBe(expected);
  });

  it('allows when every operator holds and any value of a key matches', () => {
    const policy = [allow({ StringEquals: { aud: 'o' }, StringLike: { sub: ['x/*', 'y/*'] } })];
    expect(evaluate(policy, request({ aud: 'o', sub: 'y/1' }))).toBe('allow');
    expect(evaluate(policy, request({ aud: 'p', sub: 'y/1' }))).toBe('implicit-deny');
    expect(evaluate(policy, request({ aud: 'o', sub: 'z/1' }))).toBe('implicit-deny');
  });

  it('treats a missing key as false for positive operators and true for negated ones', () => {
    expect(evaluate([allow({ StringLike: { sub: '*' } })], request({}))).toBe('implicit-deny');
    expect(evaluate([allow({ StringNotLike: { sub: 'x*' } })], request({}))).toBe('allow');
  });

  it('requires a negated operator to match none of its values', () => {
    const policy = [allow({ StringNotLike: { sub: ['*a*', '*b*'] } })];
    expect(evaluate(policy, request({ sub: 'ccc' }))).toBe('allow');
    expect(evaluate(policy, request({ sub: 'cbc' }))).toBe('implicit-deny');
  });

  it('lets an explicit Deny win over an Allow', () => {
    const deny: PolicyStatement = { ...allow({ StringLike: { sub: 'x*' } }), Effect: 'Deny' };
    expect(evaluate([allow(), deny], request({ sub: 'x1' }))).toBe('explicit-deny');
    expect(evaluate([allow(), deny], request({ sub: 'y1' }))).toBe('allow');
  });

  it('matches principal and action', () => {
    expect(evaluate([allow()], { ...request({}), principal: { Federated: 'arn:other' } })).toBe('implicit-deny');
    expect(evaluate([allow()], { ...request({}), action: 'sts:AssumeRole' })).toBe('implicit-deny');
  });

  it('refuses operators and policy variables it does not model', () => {
    expect(() => evaluate([allow({ ForAnyValueStringLike: { sub: 'x' } } as any)], request({ sub: 'x' }))).toThrow('not modelled');
    expect(() => evaluate([allow({ StringLike: { sub: '${aws:username}' } })], request({ sub: 'x' }))).toThrow('not modelled');
  });
});
