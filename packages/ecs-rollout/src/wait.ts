/** How long and how often to poll ECS while waiting. */
export interface WaitOptions {
  /** Give up after this many ms. Default: the caller's. */
  readonly timeoutMs?: number;
  /** Poll interval, ms. Default 6000 (the AWS CLI's ECS waiters poll every 6 s). */
  readonly pollMs?: number;
  /** Progress lines (state changes only), e.g. printed on stderr. */
  readonly onProgress?: (line: string) => void;
  /** Clock, for tests. Default Date.now. */
  readonly now?: () => number;
  /** Sleep, for tests. Default setTimeout. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The defaults filled in. */
export interface Waiting {
  readonly deadline: number;
  readonly pollMs: number;
  readonly progress: (line: string) => void;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Resolves {@link WaitOptions} against a default timeout. */
export function waiting(options: WaitOptions, defaultTimeoutMs: number): Waiting {
  const now = options.now ?? Date.now;
  let last: string | undefined;
  return {
    deadline: now() + (options.timeoutMs ?? defaultTimeoutMs),
    pollMs: options.pollMs ?? 6000,
    // Only changes are reported, so a 20-minute wait prints a handful of lines.
    progress: (line) => {
      if (line !== last) options.onProgress?.(line);
      last = line;
    },
    now,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  };
}
