/**
 * A failure the user can act on. Printed as one line:
 * `error: <what> (<where>): <how to fix>`; `--verbose` adds the stack and `detail`.
 */
export class PublishError extends Error {
  constructor(
    /** What went wrong, e.g. `build failed at step 3/5`. */
    readonly what: string,
    /** Where: the socket, file, registry or repository involved. */
    readonly where: string,
    /** What the user should do about it. */
    readonly fix: string,
    /** Extra lines (build output tail, raw engine message) shown under the error line. */
    readonly detail: readonly string[] = [],
    /** A machine-readable kind, for callers and tests. */
    readonly kind: PublishErrorKind = 'failure',
  ) {
    super(`${what} (${where}): ${fix}`);
    this.name = 'PublishError';
  }

  /** The single error line the CLI prints. */
  line(): string {
    return `error: ${this.message}`;
  }
}

/** Classes of failure callers may branch on (retry, exit code, tests). */
export type PublishErrorKind =
  | 'failure'
  | 'usage'
  | 'engine-unreachable'
  | 'dockerfile-missing'
  | 'build-failed'
  | 'wrong-platform'
  | 'auth-failed'
  | 'token-expired'
  | 'network'
  | 'repository-missing'
  | 'registry'
  | 'verify-failed';

/** Error message of anything thrown, for wrapping. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
