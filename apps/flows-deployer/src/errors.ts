/**
 * A failure the user can act on. Printed as one line:
 * `error: <what> (<where>): <how to fix>`; `--verbose` adds the stack.
 */
export class DeployerError extends Error {
  constructor(
    /** What went wrong. */
    readonly what: string,
    /** Where: a URL, a file, a field. */
    readonly where?: string,
    /** How to fix it. */
    readonly fix?: string,
    options?: { cause?: unknown },
  ) {
    super(`${what}${where ? ` (${where})` : ''}${fix ? `: ${fix}` : ''}`, options);
    this.name = 'DeployerError';
  }
}

/** Several problems found at once (manifest, infra outputs); each line names file, item and field. */
export class ValidationProblems extends DeployerError {
  constructor(readonly source: string, readonly problems: readonly string[]) {
    super(`${source} is invalid:\n  ${problems.join('\n  ')}`);
    this.name = 'ValidationProblems';
  }
}

/** The message of anything thrown, for one-line reports. */
export function messageOf(err: unknown): string {
  // Duck-typed: errors from fetch may come from another realm (vm contexts, jest) and fail instanceof.
  if (isErrorLike(err)) {
    const cause = err.cause;
    const causeText = isErrorLike(cause) ? (cause as NodeJS.ErrnoException).code ?? cause.message : undefined;
    return causeText && !err.message.includes(causeText) ? `${err.message} (${causeText})` : err.message;
  }
  return String(err);
}

/** An Error from any realm. */
export function isErrorLike(value: unknown): value is Error & { cause?: unknown; code?: string } {
  return typeof value === 'object' && value !== null && typeof (value as Error).message === 'string' && typeof (value as Error).name === 'string';
}
