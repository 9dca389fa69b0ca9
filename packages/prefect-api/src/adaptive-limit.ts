/**
 * How many writes may be in flight, learned from the server. A Prefect server on SQLite takes one
 * write transaction at a time and answers an overlapping one with 503 (`database is locked`, see
 * testing/contract-server.ts); one on Postgres/Aurora takes many. Starting at the client's
 * concurrency, every overload answer (503, 429) halves the limit (down to 1), so a SQLite server
 * is down to one write at a time after its first few 503s; `increaseAfter` × limit successes in a
 * row raise it by one again (up to the start), so a passing blip on Aurora costs little. The
 * shape is TCP's additive-increase / multiplicative-decrease. Without an `overloaded` test it never
 * shrinks: a plain semaphore, which is how the client bounds all requests in flight.
 */
export class AdaptiveLimit {
  private limit: number;
  private active = 0;
  private successes = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    /** The most (and first) allowed in flight. */
    readonly max: number,
    /** Successes in a row, per unit of the current limit, before it grows by one. */
    readonly increaseAfter = 20,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`AdaptiveLimit max must be an integer ≥ 1, got ${max}`);
    this.limit = max;
  }

  /** The current limit. */
  get current(): number {
    return this.limit;
  }

  /** Tasks currently holding a slot. */
  get inFlight(): number {
    return this.active;
  }

  /** Runs `task` once a slot is free; `overloaded(result)` says whether the server pushed back (default: never). */
  async run<T>(task: () => Promise<T>, overloaded: (result: T) => boolean = () => false): Promise<T> {
    await this.acquire();
    let pushedBack = false;
    try {
      const result = await task();
      pushedBack = overloaded(result);
      return result;
    } finally {
      this.release(pushedBack);
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(() => {
      this.active++;
      resolve();
    }));
  }

  private release(overloaded: boolean): void {
    this.active--;
    if (overloaded) {
      this.limit = Math.max(1, Math.floor(this.limit / 2));
      this.successes = 0;
    } else if (this.limit < this.max && ++this.successes >= this.increaseAfter * this.limit) {
      this.limit++;
      this.successes = 0;
    }
    while (this.active < this.limit && this.waiting.length > 0) this.waiting.shift()?.();
  }
}
