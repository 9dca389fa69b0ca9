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

// One formatting of thrown values for every package that talks to Prefect.
export { isErrorLike, messageOf } from '@blog-data/prefect-api';
