import { UserError } from '@blog-data/cli-kit';

/** Why a registry call failed, for callers that branch (token refresh, exit code, doctor hints). */
export type RegistryErrorKind =
  /** The registry refused the credentials (401/403). */
  | 'auth-failed'
  /** The registry said the token expired (ECR tokens last 12 hours). */
  | 'token-expired'
  /** The registry could not be reached (DNS, refused, timeout, TLS). */
  | 'network'
  /** The repository does not exist: the registry said `NAME_UNKNOWN` (ECR does; a plain registry creates one on push). */
  | 'repository-unknown'
  /** The registry refused to point an existing tag elsewhere: the repository's (or that tag's) tags are immutable. */
  | 'tag-immutable'
  /** The registry answered, but not with what the API promises (other status, bad JSON, wrong digest). */
  | 'registry';

/**
 * A Registry HTTP API v2 failure: cli-kit's {@link UserError} (`what` happened at `where`, a URL;
 * `fix` says what to do), so every CLI prints it the same way. A subclass only to carry what
 * callers branch on: the typed `kind` and the HTTP `status`.
 */
export class RegistryError extends UserError {
  declare readonly kind: RegistryErrorKind;

  constructor(
    what: string,
    where: string,
    fix: string,
    kind: RegistryErrorKind,
    /** HTTP status, when the registry answered. */
    readonly status?: number,
    /** The registry's own words (body excerpt), when it gave any. */
    detail: readonly string[] = [],
  ) {
    super(what, where, fix, { kind, detail });
    this.name = 'RegistryError';
  }
}
