import type { Problem } from '@blog-data/cli-kit';
import { PLACEHOLDER_IDENTITIES } from './environments/identities';
import { ConfigError } from './load';
import type { PlatformConfig } from './schema';

/** Where users fill in their identities (README "Deploy to AWS for real"). */
export const IDENTITIES_FILE = 'packages/config/src/environments/identities.ts';

/**
 * The committed placeholders this environment still carries, one line per field, each naming the
 * file entry and the override variable that sets it. Empty when every identity is real.
 */
export function placeholderIdentities(config: PlatformConfig): Problem[] {
  const fields: Array<[string, string, string, readonly string[]]> = [
    ['aws.accountId', `aws.${config.env}.accountId`, 'PLATFORM_AWS__ACCOUNT_ID', PLACEHOLDER_IDENTITIES.accountIds],
    ['circleci.organizationId', 'circleci.organizationId', 'PLATFORM_CIRCLECI__ORGANIZATION_ID', PLACEHOLDER_IDENTITIES.uuids],
    ['circleci.projectId', 'circleci.projectId', 'PLATFORM_CIRCLECI__PROJECT_ID', PLACEHOLDER_IDENTITIES.uuids],
    ['circleci.vcsOrigin', 'circleci.vcsOrigin', 'PLATFORM_CIRCLECI__VCS_ORIGIN', PLACEHOLDER_IDENTITIES.vcsOrigins],
  ];
  const problems: Problem[] = [];
  for (const [path, entry, variable, placeholders] of fields) {
    const value = path.split('.').reduce<any>((o, k) => o[k], config) as string;
    if (placeholders.includes(value)) {
      problems.push({ what: `${config.env}.${path}: "${value}" is a placeholder`, where: IDENTITIES_FILE, fix: `set IDENTITIES.${entry} there (or ${variable})` });
    }
  }
  return problems;
}

/**
 * Refuses placeholder identities before anything reaches real AWS (the emulator accepts any).
 * Throws {@link ConfigError} with one line per field to fill in.
 */
export function assertRealIdentities(config: PlatformConfig, target: { readonly emulator: boolean }): void {
  if (target.emulator) return;
  const problems = placeholderIdentities(config);
  if (problems.length > 0) throw new ConfigError(problems);
}
