import { defaultsFor, EnvironmentBuilder, mergeDeep } from './base';

/**
 * Development: the cheapest shape (public subnets, no NAT, no Container
 * Insights). Also the environment the local rehearsal applies against the AWS
 * emulator, with the account id overridden to the emulator's.
 */
export const dev: EnvironmentBuilder = ({ accountId = '111111111111', region = 'eu-west-1' } = {}) =>
  mergeDeep(defaultsFor('dev', accountId, region), {
    network: { cidr: '10.40.0.0/16' },
  });
