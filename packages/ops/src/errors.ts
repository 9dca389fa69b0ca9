/**
 * A failure the user can act on: printed as one line
 * `error: <what> (<where>): <how to fix>` and a non-zero exit.
 */
export class OpsError extends Error {
  constructor(
    /** What went wrong. */
    readonly what: string,
    /** Where: a file, a resource, a URL, a flag. */
    readonly where: string,
    /** How to fix it. */
    readonly fix: string,
    /** Process exit code: 2 for usage mistakes, 1 otherwise. */
    readonly exitCode = 1,
  ) {
    super(`${what} (${where}): ${fix}`);
    this.name = 'OpsError';
  }
}

/** The one-line form of any error. */
export function formatError(err: unknown): string {
  if (err instanceof OpsError) return `error: ${err.message}`;
  return `error: ${messageOf(err)}`;
}

/** The message of an unknown thrown value, with the AWS SDK's error name when there is one. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const name = err.name && err.name !== 'Error' ? `${err.name}: ` : '';
    const cause = (err as { cause?: unknown }).cause;
    const causeText = cause instanceof Error && cause.message && !err.message.includes(cause.message)
      ? ` (${(cause as { code?: string }).code ?? cause.message})` : '';
    return `${name}${err.message}${causeText}`;
  }
  return String(err);
}
