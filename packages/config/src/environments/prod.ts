import { defaultsFor, EnvironmentBuilder, mergeDeep } from './base';

/**
 * Production, as it runs today (server 256/512, Aurora 0.5–1 ACU), plus what
 * the hand-built set-up lacked: deletion protection, longer backups and logs,
 * Container Insights and an approval before deploys.
 */
export const prod: EnvironmentBuilder = ({ accountId = '333333333333', region = 'eu-west-1' } = {}) =>
  mergeDeep(defaultsFor('prod', accountId, region), {
    network: { cidr: '10.42.0.0/16' },
    alarms: { email: 'data-platform-alerts@example.com' },
  });
