import type { ECRClient } from '@aws-sdk/client-ecr';
import { isUntrustedCertificate, messageOf, untrustedCertificateFix, UserError } from '@blog-data/cli-kit';
import { EcrTokenCache, TokenScope } from './ecr-token-cache';

/** Registry credentials: what `docker login` would be given. */
export interface RegistryCredentials {
  readonly username: string;
  readonly password: string;
  /** Registry host from the token's proxyEndpoint, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
  readonly registryHost: string;
  /** When the token stops working (ECR: 12 hours after issue). */
  readonly expiresAt?: Date;
}

/**
 * Decodes an ECR authorization token: base64 of `user:password` (user is `AWS`).
 * The password itself may contain `:`; only the first one separates.
 */
export function decodeAuthorizationToken(token: string): { username: string; password: string } {
  const decoded = Buffer.from(token.trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (!token.trim() || colon <= 0 || colon === decoded.length - 1) {
    throw new UserError('ECR returned an unreadable authorization token', 'GetAuthorizationToken',
      'check that AWS_ENDPOINT_URL points at ECR (or its emulator), not another service', { kind: 'auth-failed' });
  }
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `https://123.dkr.ecr.eu-west-1.amazonaws.com` → `123.dkr.ecr.eu-west-1.amazonaws.com`. */
export function registryHostOf(proxyEndpoint: string): string {
  const trimmed = proxyEndpoint.trim();
  try {
    return new URL(trimmed.includes('://') ? trimmed : `https://${trimmed}`).host;
  } catch {
    throw new UserError(`ECR returned an unreadable proxyEndpoint "${proxyEndpoint}"`, 'GetAuthorizationToken',
      'check AWS_ENDPOINT_URL', { kind: 'auth-failed' });
  }
}

/** Options for {@link EcrAuth}. */
export interface EcrAuthOptions {
  /** Account that owns the repository (config `aws.accountId`). */
  readonly accountId: string;
  /** Region of the registry (config `aws.region`). */
  readonly region: string;
  /** A preconfigured client (tests); default: default credential chain, `AWS_ENDPOINT_URL` honoured by the SDK. */
  readonly client?: ECRClient;
  /** File to remember tokens in between runs (see {@link EcrTokenCache}); default: none. */
  readonly tokenCacheFile?: string;
  /** The environment the SDK reads (endpoint, profile, keys): part of a remembered token's scope. Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * ECR login through the AWS SDK (no `aws ecr get-login-password`, no docker
 * config file): the default credential chain, region from config. The only ECR call a publish
 * makes: the registry answers everything else about the repository (see `move-tags.ts`).
 */
export class EcrAuth {
  private ownClient?: ECRClient;
  private cached?: RegistryCredentials;
  private readonly tokenCache?: EcrTokenCache;

  constructor(private readonly options: EcrAuthOptions) {
    this.tokenCache = options.tokenCacheFile ? new EcrTokenCache(options.tokenCacheFile) : undefined;
  }

  /**
   * The SDK is loaded on the first call, not with the CLI: loading it is a large part of a
   * no-op publish's CPU, and the publish starts reading the context and git before it asks.
   */
  get client(): ECRClient {
    this.ownClient ??= this.options.client ?? new (ecrSdk().ECRClient)({ region: this.options.region });
    return this.ownClient;
  }

  /** Credentials: a remembered token with long enough left, else a new one; reused until {@link refresh}. */
  async credentials(): Promise<RegistryCredentials> {
    this.cached ??= await this.tokenCache?.read(this.scope) ?? await this.fetchAndRemember();
    return this.cached;
  }

  /**
   * Fetches a new token. Called at most once per publish, after the registry rejected the
   * current one (a remembered token may have been revoked): the caller does not look at
   * `expiresAt` to decide.
   */
  async refresh(): Promise<RegistryCredentials> {
    this.cached = await this.fetchAndRemember();
    return this.cached;
  }

  private get scope(): TokenScope {
    return { accountId: this.options.accountId, region: this.options.region, env: this.options.env ?? process.env };
  }

  private async fetchAndRemember(): Promise<RegistryCredentials> {
    const fresh = await this.fetchToken();
    await this.tokenCache?.remember(this.scope, fresh);
    return fresh;
  }

  private async fetchToken(): Promise<RegistryCredentials> {
    let data;
    try {
      const out = await this.client.send(new (ecrSdk().GetAuthorizationTokenCommand)({}));
      data = out.authorizationData?.[0];
    } catch (err) {
      throw awsError(err, 'GetAuthorizationToken', `account ${this.options.accountId}, region ${this.options.region}`);
    }
    if (!data?.authorizationToken || !data.proxyEndpoint) {
      throw new UserError('ECR returned no authorization data', 'GetAuthorizationToken',
        'check the region and that the caller may call ecr:GetAuthorizationToken', { kind: 'auth-failed' });
    }
    return {
      ...decodeAuthorizationToken(data.authorizationToken),
      registryHost: registryHostOf(data.proxyEndpoint),
      expiresAt: data.expiresAt,
    };
  }
}

function ecrSdk(): typeof import('@aws-sdk/client-ecr') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@aws-sdk/client-ecr') as typeof import('@aws-sdk/client-ecr');
}

/** Maps an AWS SDK error to a one-line error that says which kind of problem it is. */
export function awsError(err: unknown, operation: string, where: string): UserError {
  const name = (err as { name?: string }).name ?? '';
  const code = (err as { code?: string }).code ?? '';
  const message = messageOf(err);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new UserError(`no AWS credentials for ${operation}`, where,
      'set AWS_PROFILE, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role is available', { kind: 'auth-failed' });
  }
  if (/ExpiredToken|TokenRefreshRequired/.test(name)) {
    return new UserError(`AWS session expired during ${operation}`, where, 'log in again (aws sso login / renew the role session)', { kind: 'token-expired' });
  }
  if (/AccessDenied|UnrecognizedClient|InvalidClientTokenId|SignatureDoesNotMatch|Unauthorized/.test(name)) {
    return new UserError(`AWS refused ${operation}: ${message}`, where,
      'check the credentials and that their role allows ecr:GetAuthorizationToken', { kind: 'auth-failed' });
  }
  if (isUntrustedCertificate(code)) {
    return new UserError(`the TLS certificate of ECR's endpoint is not trusted here (${code}) for ${operation}`, where,
      untrustedCertificateFix('AWS_ENDPOINT_URL if set'), { kind: 'network' });
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EAI_AGAIN'].includes(code) || name === 'TimeoutError') {
    return new UserError(`cannot reach ECR for ${operation} (${code || name})`, where,
      'check the network, the region, and AWS_ENDPOINT_URL if set', { kind: 'network' });
  }
  return new UserError(`${operation} failed: ${message}`, where, 'run again with --verbose', { kind: 'failure' });
}
