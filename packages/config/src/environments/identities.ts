import type { EnvironmentName } from '../schema';

/**
 * THE place for the identities of your AWS accounts and CircleCI project (README "Deploy to AWS
 * for real"). The committed values are placeholders: they are enough for tests and the local
 * rehearsal (which overrides the account with the emulator's), and every command that would reach
 * real AWS refuses them, naming each field to fill in (`assertRealIdentities`).
 * A `PLATFORM_AWS__ACCOUNT_ID` / `PLATFORM_CIRCLECI__PROJECT_ID`… override wins over this file.
 */
export const IDENTITIES = {
  /** CircleCI: Organization Settings → Overview, Project Settings → Overview; the repository as CircleCI names it. */
  circleci: {
    organizationId: '00000000-0000-0000-0000-000000000000',
    projectId: '00000000-0000-0000-0000-000000000000',
    vcsOrigin: 'github.com/example-org/blog-data',
  },
  /** One AWS account per environment (they may be the same); the region of the production runbook. */
  aws: {
    dev: { accountId: '111111111111', region: 'eu-west-2' },
    staging: { accountId: '222222222222', region: 'eu-west-2' },
    prod: { accountId: '333333333333', region: 'eu-west-2' },
  } satisfies Record<EnvironmentName, { accountId: string; region: string }>,
} as const;

/** Values that only ever mean "not filled in yet". */
export const PLACEHOLDER_IDENTITIES = {
  accountIds: ['111111111111', '222222222222', '333333333333', '000000000000', '123456789012'],
  uuids: ['00000000-0000-0000-0000-000000000000'],
  vcsOrigins: ['github.com/example-org/blog-data'],
} as const;
