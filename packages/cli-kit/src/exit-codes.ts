/**
 * The one exit-code convention of every CLI in the repository (documented in the root README):
 * scripts and CI branch on these, so a code means the same thing in every tool.
 */
export const EXIT = {
  /** Done; for `plan`/`doctor`, nothing to report. */
  ok: 0,
  /** The command ran and failed (an AWS call, a build, a failed doctor check). */
  failure: 1,
  /** The invocation is wrong and nothing was attempted: flag, environment, setting, input file. */
  usage: 2,
  /** `plan --detailed-exitcode` only: the plan has changes. */
  changes: 3,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
