import { EXIT, ExitCode } from './exit-codes';

/** What a {@link UserError} says, besides the one line. */
export interface UserErrorOptions {
  /** Process exit code; default {@link EXIT.failure}. */
  readonly exitCode?: ExitCode;
  /** A machine-readable class of failure for callers and tests (`build-failed`, `token-expired`…). */
  readonly kind?: string;
  /** Extra lines under the error line (the tail of a build log, an engine's raw message). */
  readonly detail?: readonly string[];
  /** The error this one explains; shown with `--verbose`. */
  readonly cause?: unknown;
  /**
   * Several problems found at once (every invalid setting, every bad field of a file): printed
   * one line each instead of the error's own line.
   */
  readonly problems?: readonly Problem[];
}

/** One problem as printed and as put in `--json` output. */
export interface Problem {
  /** What went wrong. */
  readonly what: string;
  /** Where: a flag, variable, file and field, URL or resource. */
  readonly where?: string;
  /** How to fix it. */
  readonly fix?: string;
}

/**
 * A failure the user can act on, printed by `runCli` as one line
 * `error: <what> (<where>): <how to fix>`, plus `--verbose` for the stack. The one error class
 * of every package: a library throws it, the CLI prints it.
 */
export class UserError extends Error implements Problem {
  readonly exitCode: ExitCode;
  readonly kind?: string;
  readonly detail: readonly string[];
  private readonly several?: readonly Problem[];

  constructor(
    /** What went wrong, e.g. `build failed at step 3/5`. */
    readonly what: string,
    /** Where: the flag, variable, file and field, URL or resource involved. */
    readonly where?: string,
    /** What the user should do about it. */
    readonly fix?: string,
    options: UserErrorOptions = {},
  ) {
    super(formatProblem({ what, where, fix }));
    this.name = 'UserError';
    // Set by hand rather than through Error's options: projenrc compiles this file for ES2020.
    if (options.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
    this.exitCode = options.exitCode ?? EXIT.failure;
    this.kind = options.kind;
    this.detail = options.detail ?? [];
    this.several = options.problems?.length ? options.problems : undefined;
    if (this.several) this.message = this.several.map(formatProblem).join('\n');
  }

  /** The problems this error stands for: itself, or each of several (one per invalid setting…). */
  problems(): readonly Problem[] {
    return this.several ?? [{ what: this.what, where: this.where, fix: this.fix }];
  }
}

/** A usage mistake (flag, environment, input file): exit 2, nothing attempted. */
export function usageError(what: string, where?: string, fix?: string, options: Omit<UserErrorOptions, 'exitCode'> = {}): UserError {
  return new UserError(what, where, fix, { ...options, exitCode: EXIT.usage, kind: options.kind ?? 'usage' });
}

/** `<what> (<where>): <fix>`, leaving out the parts that are absent. */
export function formatProblem(problem: Problem): string {
  return `${problem.what}${problem.where ? ` (${problem.where})` : ''}${problem.fix ? `: ${problem.fix}` : ''}`;
}

/** An Error from any realm (errors of `fetch` or a vm context fail `instanceof Error`). */
export function isErrorLike(value: unknown): value is Error & { cause?: unknown; code?: string } {
  return typeof value === 'object' && value !== null && typeof (value as Error).message === 'string' && typeof (value as Error).name === 'string';
}

/** Error names that add nothing to the message. */
const GENERIC_NAMES = new Set(['', 'Error', 'TypeError', 'RangeError', 'SyntaxError', 'UserError', 'ConfigError']);

/**
 * The message of anything thrown, for wrapping into a {@link UserError}: the error's name when
 * it says something (`CredentialsProviderError: …`) and the cause's code or message when the
 * message does not already contain it (`fetch failed (ECONNREFUSED)`).
 */
export function messageOf(err: unknown): string {
  if (!isErrorLike(err)) return String(err);
  // A UserError (or a subclass such as PrefectApiError) is already a whole sentence: no name in front.
  const name = !(err instanceof UserError) && !GENERIC_NAMES.has(err.name) && !err.message.startsWith(err.name) ? `${err.name}: ` : '';
  const cause = err.cause;
  const causeText = isErrorLike(cause) ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : undefined;
  return `${name}${err.message}${causeText && !err.message.includes(causeText) ? ` (${causeText})` : ''}`;
}
