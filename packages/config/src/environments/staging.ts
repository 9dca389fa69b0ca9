import { defaultsFor, EnvironmentBuilder, mergeDeep } from './base';

/** Staging: production's shape in its own account, deployed from the `staging-v2` branch. */
export const staging: EnvironmentBuilder = ({ accountId = '222222222222', region = 'eu-west-1' } = {}) =>
  mergeDeep(defaultsFor('staging', accountId, region), {
    network: { cidr: '10.41.0.0/16' },
  });
