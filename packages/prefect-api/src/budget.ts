/**
 * A deadline shared by every request of one run (the deployer's `--time-budget`): no request,
 * retry or health probe starts or continues past it, so a run ends in bounded time whatever the
 * server does.
 */
export interface TimeBudget {
  /** Epoch milliseconds after which nothing may run. */
  readonly endsAt: number;
  /** The budget's length in milliseconds, for messages. */
  readonly totalMs: number;
  /** The flag or variable that set it, for messages (e.g. `FLOWS_DEPLOYER_TIME_BUDGET`). */
  readonly setting: string;
}

/** A budget of `totalMs` that starts now. */
export function startTimeBudget(totalMs: number, setting: string, now: number = Date.now()): TimeBudget {
  return { endsAt: now + totalMs, totalMs, setting };
}

/** `0.5 s`, `60 s`, `1.2 s`: durations in messages. */
export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${s >= 10 ? Math.round(s) : Math.round(s * 10) / 10} s`;
}
