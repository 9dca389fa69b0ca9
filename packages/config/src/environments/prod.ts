import { defaultsFor, EnvironmentBuilder, mergeDeep } from './base';
import { IDENTITIES } from './identities';

/**
 * Production, as it runs today (server 256/512, Aurora 0.5–1 ACU), plus what
 * the hand-built set-up lacked: deletion protection, longer backups and logs,
 * Container Insights and an approval before deploys.
 */
export const prod: EnvironmentBuilder = ({ accountId = IDENTITIES.aws.prod.accountId, region = IDENTITIES.aws.prod.region } = {}) =>
  mergeDeep(defaultsFor('prod', accountId, region), {
    network: { cidr: '10.42.0.0/16' },
    alarms: { email: 'data-platform-alerts@example.com' },
  });
