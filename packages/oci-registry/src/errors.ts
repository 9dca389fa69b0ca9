/** Why a registry call failed, for callers that branch (token refresh, exit code, doctor hints). */
export type RegistryErrorKind =
  /** The registry refused the credentials (401/403). */
  | 'auth-failed'
  /** The registry said the token expired (ECR tokens last 12 hours). */
  | 'token-expired'
  /** The registry could not be reached (DNS, refused, timeout, TLS). */
  | 'network'
  /** The registry answered, but not with what the API promises (other status, bad JSON, wrong digest). */
  | 'registry';

/**
 * A Registry HTTP API v2 failure: `what` happened at `where` (a URL), `fix` says
 * what to do. The same three parts every CLI of the repo prints as one line.
 */
export class RegistryError extends Error {
  constructor(
    readonly what: string,
    readonly where: string,
    readonly fix: string,
    readonly kind: RegistryErrorKind,
    /** HTTP status, when the registry answered. */
    readonly status?: number,
    /** The registry's own words (body excerpt), when it gave any. */
    readonly detail: readonly string[] = [],
  ) {
    super(`${what} (${where}): ${fix}`);
    this.name = 'RegistryError';
  }
}
