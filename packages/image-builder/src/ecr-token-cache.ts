import { createHash } from 'node:crypto';
import { readCacheFile, writeCacheFile } from './cache-file';
import type { RegistryCredentials } from './ecr-auth';

/** File format version; a change makes old files be ignored. */
const VERSION = 1;

/**
 * A remembered token is used while it has at least this long left: a publish uses it until its
 * push ends, and ECR tokens live 12 hours, so one is fetched about twice a working day.
 */
export const MIN_REMAINING_MS = 60 * 60 * 1000;

/** Which login a token belongs to: what ECR scopes it by (account, region, endpoint), and who asked. */
export interface TokenScope {
  readonly accountId: string;
  readonly region: string;
  /** The environment: the endpoint (`AWS_ENDPOINT_URL[_ECR]`) and the identity it names (profile, key id, role). */
  readonly env: NodeJS.ProcessEnv;
}

/** Environment variables that select the endpoint or the AWS identity a token is fetched with. */
const SCOPE_VARIABLES = ['AWS_ENDPOINT_URL_ECR', 'AWS_ENDPOINT_URL', 'AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'] as const;

/** The key of a scope in the file: a hash, so the file names no account, profile or key id. */
export function tokenScopeKey(scope: TokenScope): string {
  const parts = [scope.accountId, scope.region, ...SCOPE_VARIABLES.map((name) => `${name}=${scope.env[name] ?? ''}`)];
  return createHash('sha256').update(parts.join('\0')).digest('hex');
}

interface StoredToken {
  readonly username: string;
  readonly password: string;
  readonly registryHost: string;
  /** ISO time. */
  readonly expiresAt: string;
}

/**
 * ECR registry tokens remembered between runs, as `docker login` remembers its login and
 * amazon-ecr-credential-helper its tokens (`~/.ecr/cache.json`): a publish then needs neither
 * the AWS SDK nor a GetAuthorizationToken call to read the registry, which is most of a no-op.
 * The file is the user's only (mode 0600), as docker's config.json is; a token that has less
 * than {@link MIN_REMAINING_MS} left, or that names no expiry, is not used. A token the registry
 * refuses anyway is replaced by the publish's one refresh.
 */
export class EcrTokenCache {
  constructor(private readonly file: string) {}

  /** The remembered token for `scope`, when it has long enough left. */
  async read(scope: TokenScope, now = new Date()): Promise<RegistryCredentials | undefined> {
    const tokens = await readCacheFile<Record<string, StoredToken>>(this.file, VERSION);
    const stored = tokens?.[tokenScopeKey(scope)];
    if (!stored || typeof stored.password !== 'string' || typeof stored.username !== 'string' || typeof stored.registryHost !== 'string') return undefined;
    const expiresAt = new Date(stored.expiresAt);
    if (!(expiresAt.getTime() - now.getTime() >= MIN_REMAINING_MS)) return undefined;
    return { username: stored.username, password: stored.password, registryHost: stored.registryHost, expiresAt };
  }

  /** Remembers a fresh token (one without an expiry is not kept), dropping the expired ones of other scopes. */
  async remember(scope: TokenScope, credentials: RegistryCredentials, now = new Date()): Promise<void> {
    if (!credentials.expiresAt) return;
    const tokens = (await readCacheFile<Record<string, StoredToken>>(this.file, VERSION)) ?? {};
    const kept = Object.entries(tokens).filter(([, t]) => new Date(t?.expiresAt).getTime() > now.getTime());
    const fresh: StoredToken = {
      username: credentials.username,
      password: credentials.password,
      registryHost: credentials.registryHost,
      expiresAt: credentials.expiresAt.toISOString(),
    };
    await writeCacheFile(this.file, VERSION, { ...Object.fromEntries(kept), [tokenScopeKey(scope)]: fresh }, { private: true });
  }
}
