import { Testing } from 'cdktf';
import { configFor, build } from './helpers';

// Whole-stack regressions only; the behaviour is asserted property by property in the other tests.
describe('snapshots', () => {
  it('dev bootstrap stack', () => {
    expect(JSON.parse(Testing.synth(build(configFor('dev')).bootstrap))).toMatchSnapshot();
  });

  it('prod platform stack with a domain', () => {
    const config = configFor('prod', { domain: { name: 'prefect.example.com', hostedZoneId: 'Z0123456789ABC' } });
    expect(JSON.parse(Testing.synth(build(config).platform))).toMatchSnapshot();
  });
});
