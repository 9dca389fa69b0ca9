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
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const causeText = cause instanceof Error ? (cause as NodeJS.ErrnoException).code ?? cause.message : undefined;
    return causeText && !err.message.includes(causeText) ? `${err.message} (${causeText})` : err.message;
  }
  return String(err);
}
