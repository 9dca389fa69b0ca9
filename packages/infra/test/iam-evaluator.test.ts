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

  it('evaluates identity policies: resources, Null, Bool, ArnLike and IfExists', () => {
    const policy: PolicyStatement[] = [
      { Effect: 'Allow', Action: 's3:Get*', Resource: 'arn:aws:s3:::b/*' },
      { Effect: 'Allow', Action: 'kms:CreateGrant', Resource: '*', Condition: { Bool: { 'kms:GrantIsForAWSResource': true } } },
      { Effect: 'Allow', Action: 'kms:TagResource', Resource: '*', Condition: { Null: { 'aws:RequestTag/env': 'false' } } },
      { Effect: 'Allow', Action: 'ecs:RunTask', Resource: '*', Condition: { ArnLike: { 'ecs:cluster': 'arn:aws:ecs:*:1:cluster/c' } } },
      { Effect: 'Allow', Action: 'ec2:CreateTags', Resource: '*', Condition: { StringEqualsIfExists: { 'ec2:CreateAction': 'CreateVpc' } } },
    ];
    const ask = (action: string, resource: string, context: Record<string, string> = {}) => evaluate(policy, { action, resource, context });
    expect(ask('s3:GetObject', 'arn:aws:s3:::b/k')).toBe('allow');
    expect(ask('s3:GetObject', 'arn:aws:s3:::c/k')).toBe('implicit-deny');
    expect(ask('kms:CreateGrant', 'k', { 'kms:GrantIsForAWSResource': 'true' })).toBe('allow');
    expect(ask('kms:CreateGrant', 'k', { 'kms:GrantIsForAWSResource': 'false' })).toBe('implicit-deny');
    expect(ask('kms:TagResource', 'k', { 'aws:RequestTag/env': 'x' })).toBe('allow');
    expect(ask('kms:TagResource', 'k')).toBe('implicit-deny');
    expect(ask('ecs:RunTask', 't', { 'ecs:cluster': 'arn:aws:ecs:eu-west-2:1:cluster/c' })).toBe('allow');
    expect(ask('ec2:CreateTags', 'r')).toBe('allow');
    expect(ask('ec2:CreateTags', 'r', { 'ec2:CreateAction': 'CreateSubnet' })).toBe('implicit-deny');
    expect(() => evaluate([allow()], { action: 'sts:AssumeRoleWithWebIdentity', resource: 'r', context: {} })).toThrow('identity policy statement has no Principal');
  });

  it('refuses operators and policy variables it does not model', () => {
    expect(() => evaluate([allow({ ForAnyValueStringLike: { sub: 'x' } } as any)], request({ sub: 'x' }))).toThrow('not modelled');
    expect(() => evaluate([allow({ StringLike: { sub: '${aws:username}' } })], request({ sub: 'x' }))).toThrow('not modelled');
  });
});
