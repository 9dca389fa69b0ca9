import { defaultsFor, EnvironmentBuilder, mergeDeep } from './base';
import { IDENTITIES } from './identities';

/** Staging: production's shape in its own account, deployed from the `staging-v2` branch. */
export const staging: EnvironmentBuilder = ({ accountId = IDENTITIES.aws.staging.accountId, region = IDENTITIES.aws.staging.region } = {}) =>
  mergeDeep(defaultsFor('staging', accountId, region), {
    network: { cidr: '10.41.0.0/16' },
  });
