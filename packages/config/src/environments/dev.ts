import { defaultsFor, mergeDeep } from './base';

/**
 * Development: the cheapest shape (public subnets, no NAT, no Container
 * Insights). Also the environment the local rehearsal applies against the AWS
 * emulator, with the account id overridden to the emulator's.
 */
export const dev = mergeDeep(defaultsFor('dev', '111111111111', 'eu-west-1'), {
  network: { cidr: '10.40.0.0/16' },
});
