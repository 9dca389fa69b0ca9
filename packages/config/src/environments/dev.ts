import { defaultsFor, EnvironmentBuilder, mergeDeep } from './base';
import { IDENTITIES } from './identities';

/**
 * Development: the cheapest shape (public subnets, no NAT, no Container
 * Insights). Also the environment the local rehearsal applies against the AWS
 * emulator, with the account id overridden to the emulator's.
 */
export const dev: EnvironmentBuilder = ({ accountId = IDENTITIES.aws.dev.accountId, region = IDENTITIES.aws.dev.region } = {}) =>
  mergeDeep(defaultsFor('dev', accountId, region), {
    network: { cidr: '10.40.0.0/16' },
  });
