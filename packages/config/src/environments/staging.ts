import { defaultsFor, mergeDeep } from './base';

/** Staging: production's shape in its own account, deployed from the `staging-v2` branch. */
export const staging = mergeDeep(defaultsFor('staging', '222222222222', 'eu-west-1'), {
  network: { cidr: '10.41.0.0/16' },
});
