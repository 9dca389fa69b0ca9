import { flattenTerraformOutputs, PLATFORM_OUTPUTS } from '../src';

describe('the infra outputs contract', () => {
  it('names every output once', () => {
    expect(new Set(PLATFORM_OUTPUTS).size).toBe(PLATFORM_OUTPUTS.length);
  });

  it('unwraps terraform output -json and passes a flat map through', () => {
    expect(flattenTerraformOutputs({ a: { value: 1, type: 'number', sensitive: false }, b: 'x' })).toEqual({ a: 1, b: 'x' });
  });

  it('keeps a flat value that merely has a `value` key', () => {
    expect(flattenTerraformOutputs({ c: { value: 2 } })).toEqual({ c: { value: 2 } });
  });

  it.each([[null], [[1, 2]], ['text']])('rejects %j', (input) => {
    expect(() => flattenTerraformOutputs(input)).toThrow('infra outputs must be a JSON object');
  });
});
