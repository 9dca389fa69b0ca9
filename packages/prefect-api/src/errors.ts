/**
 * A failure of a Prefect API call the user can act on, printed as one line:
 * `<what> (<where>): <how to fix>`. Same shape as the CLIs' user errors, so each CLI prints it
 * the way it prints its own.
 */
export class PrefectApiError extends Error {
  constructor(
    /** What went wrong. */
    readonly what: string,
    /** Where: the URL or the setting at fault. */
    readonly where?: string,
    /** How to fix it. */
    readonly fix?: string,
    options?: { cause?: unknown },
  ) {
    super(`${what}${where ? ` (${where})` : ''}${fix ? `: ${fix}` : ''}`, options);
    this.name = 'PrefectApiError';
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
