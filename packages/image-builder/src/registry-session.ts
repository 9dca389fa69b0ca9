import { UserError } from '@blog-data/cli-kit';
import { RegistryClient, RegistryError, registryHostPart } from '@blog-data/oci-registry';
import type { EcrAuth, RegistryCredentials } from './ecr-auth';
import type { ProgressReporter } from './progress';

/** Static credentials for a registry that is not ECR. */
export interface StaticRegistryAuth {
  readonly username: string;
  readonly password: string;
}

/** How {@link RegistrySession.open} logs in. */
export interface RegistrySessionOptions {
  /** Registry to talk to (`host[:port]`, optional scheme); default the ECR token's endpoint. */
  readonly registry?: string;
  /** Host for static credentials when `registry` is not set. */
  readonly fallbackRegistryHost: string;
  readonly ecr?: EcrAuth;
  readonly staticAuth?: StaticRegistryAuth;
  readonly reporter?: ProgressReporter;
}

/**
 * Credentials plus a registry client, with the one token refresh a publish
 * may spend. Also the credential source of the engine push.
 */
export class RegistrySession {
  /** Logs in: an ECR token, or the static credentials. */
  static async open(options: RegistrySessionOptions): Promise<RegistrySession> {
    let credentials: RegistryCredentials;
    if (options.staticAuth) {
      credentials = { ...options.staticAuth, registryHost: registryHostPart(options.registry ?? options.fallbackRegistryHost) };
    } else {
      if (!options.ecr) throw new Error('a registry session needs ecr or staticAuth');
      credentials = await options.ecr.credentials();
    }
    const registry = options.registry ?? credentials.registryHost;
    return new RegistrySession(options, credentials, registryHostPart(registry), registry);
  }

  private refreshed = false;
  private client: RegistryClient;

  private constructor(
    private readonly options: RegistrySessionOptions,
    private current: RegistryCredentials,
    /** `host[:port]` images are tagged and pushed with. */
    readonly host: string,
    private readonly registryUrl: string,
  ) {
    this.client = this.makeClient();
  }

  /** Logged in through ECR (whose repositories infra creates), not with static credentials. */
  get isEcr(): boolean {
    return !this.options.staticAuth;
  }

  async credentials(): Promise<RegistryCredentials> {
    return { ...this.current, registryHost: this.host };
  }

  /** A new token, once per publish; afterwards the current one (the caller then fails with its auth error). */
  async refresh(): Promise<RegistryCredentials> {
    if (!this.refreshed && this.options.ecr) {
      this.refreshed = true;
      this.current = await this.options.ecr.refresh();
      this.client = this.makeClient();
    }
    return this.credentials();
  }

  /**
   * Runs registry API calls; on an auth rejection refreshes the token once and
   * runs them again. Registry failures come out as {@link UserError}s.
   */
  async withAuthRetry<T>(fn: (registry: RegistryClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.client);
    } catch (err) {
      const rejected = err instanceof RegistryError && (err.kind === 'auth-failed' || err.kind === 'token-expired');
      if (!rejected || this.refreshed || !this.options.ecr) throw asUserError(err, this.isEcr);
      this.options.reporter?.note(`registry refused the token (${err.what}); fetching a new one`);
      await this.refresh();
      return fn(this.client).catch((again: unknown) => {
        throw asUserError(again, this.isEcr);
      });
    }
  }

  private makeClient(): RegistryClient {
    return new RegistryClient({
      registry: this.registryUrl,
      login: { username: this.current.username, password: this.current.password },
      addressSource: 'the registry address (--registry / IMAGE_REGISTRY)',
    });
  }
}

/**
 * A registry error as publish says it: an expired token gets the note that publish already retried;
 * a repository ECR does not know (`NAME_UNKNOWN`) names who creates it; another registry's `NAME_UNKNOWN` is passed on as it is.
 */
function asUserError(err: unknown, ecr: boolean): unknown {
  if (!(err instanceof RegistryError)) return err;
  if (err.kind === 'token-expired') {
    return new UserError(err.what, err.where, `${err.fix} (a publish refreshes it once by itself)`, { kind: err.kind, detail: err.detail });
  }
  if (err.kind === 'repository-unknown' && ecr) {
    return new UserError('ECR repository does not exist', err.where, REPOSITORY_MISSING_FIX, { kind: 'repository-missing', detail: err.detail });
  }
  return err;
}

/** Infra owns the repository; this tool never creates one. */
const REPOSITORY_MISSING_FIX = 'the infra bootstrap stack creates it: run the infra bootstrap apply for this account and region (packages/infra), '
  + 'or fix image.repository / --infra-outputs';
