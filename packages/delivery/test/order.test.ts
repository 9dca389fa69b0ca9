import { describePlan, planDeploy } from '../src';

describe('the deploy plan (what nx affected -t deploy runs, in order)', () => {
  it.each([
    [[], []],
    [['image-builder'], ['image-builder:changed']],
    [['infra'], ['image-builder:upstream', 'infra:changed']],
    [['flows-deployer'], ['image-builder:upstream', 'infra:upstream', 'flows-deployer:changed']],
    [['image-builder', 'flows-deployer'], ['image-builder:changed', 'infra:upstream', 'flows-deployer:changed']],
    [['flows-deployer', 'infra', 'image-builder'], ['image-builder:changed', 'infra:changed', 'flows-deployer:changed']],
  ])('affected %j → %j', (affected, expected) => {
    expect(planDeploy(affected).map((s) => `${s.project}:${s.reason}`)).toEqual(expected);
  });

  it('refuses a deploy target it cannot place', () => {
    expect(() => planDeploy(['ops'])).toThrow('ops has a deploy target but no place in DELIVERY_ORDER (packages/delivery/src/order.ts)');
  });

  it('prints the plan for people', () => {
    expect(describePlan('prod', planDeploy(['infra']))).toBe(
      'environment: prod\ndeploy order:\n' +
        '  1. image-builder: hand on its artifacts (unchanged upstream; no-op unless it differs from the last deploy)\n' +
        '  2. infra: deploy (changed)\n',
    );
    expect(describePlan('dev', [])).toContain('nothing to deploy');
  });
});
