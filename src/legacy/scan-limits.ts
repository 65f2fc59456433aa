// Bounds on the legacy path's reads of the event log: each request that reads the log gets a time
// budget, and at most `concurrency` such requests run at once (the others wait for a slot within
// their own budget). A request past either bound is refused with LegacyScanRefused, a GraphQL
// error with its own code that the REST shims answer as 503 with Retry-After.
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { GraphQLError } from 'graphql';

export type RefusalReason = 'timeout' | 'busy';

export const REFUSAL_CODES: Record<RefusalReason, string> = {
  timeout: 'LEGACY_SCAN_TIMEOUT',
  busy: 'LEGACY_SCAN_BUSY',
};

/** The legacy log could not answer within the bounds: a clear, retryable refusal (never a 500). */
export class LegacyScanRefused extends GraphQLError {
  constructor(
    readonly reason: RefusalReason,
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(message, { extensions: { code: REFUSAL_CODES[reason], retryAfterSeconds } });
    this.name = 'LegacyScanRefused';
  }
}

/** A deadline that long loops check (and yield at) as they go. */
export interface ScanBudget {
  /** performance.now() value past which the work is refused. */
  readonly deadline: number;
  /** Throws LegacyScanRefused('timeout') once the deadline has passed. */
  check(): void;
  /** Lets other requests run if this one has held the event loop for a while; then check(). */
  pause(): Promise<void>;
}

export interface ScanLimits {
  /** Time budget of one request's reads of the log, in ms. */
  budgetMs: number;
  /** Most requests reading the log at once. */
  concurrency: number;
}

/** How long a loop may run before it lets the event loop serve others. */
const YIELD_EVERY_MS = 10;

export class ScanLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limits: ScanLimits) {}

  /** Runs `work` in a slot, with a fresh budget; refuses when neither fits. */
  async run<T>(work: (budget: ScanBudget) => Promise<T>): Promise<T> {
    const budget = this.budget();
    await this.acquire(budget.deadline);
    let settled: Promise<T> | undefined;
    try {
      settled = work(budget);
      return await withDeadline(settled, budget.deadline, () => this.timeout());
    } finally {
      // The slot is held until the work has really stopped, so the bound holds even when a read
      // outlives the answer it was for.
      if (settled) settled.then(this.release, this.release);
      else this.release();
    }
  }

  /** A budget starting now. */
  budget(): ScanBudget {
    const deadline = performance.now() + this.limits.budgetMs;
    let lastYield = performance.now();
    const check = () => {
      if (performance.now() > deadline) throw this.timeout();
    };
    return {
      deadline,
      check,
      async pause() {
        if (performance.now() - lastYield >= YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        check();
      },
    };
  }

  timeout(): LegacyScanRefused {
    const { budgetMs } = this.limits;
    return new LegacyScanRefused(
      'timeout',
      Math.max(1, Math.ceil(budgetMs / 1000)),
      `The legacy event log could not answer within ${budgetMs} ms (LEGACY_SCAN_BUDGET_MS); narrow the query (fewer minutes, no rare etype) or retry later.`,
    );
  }

  busy(): LegacyScanRefused {
    return new LegacyScanRefused(
      'busy',
      1,
      `The legacy event log is serving ${this.limits.concurrency} requests already (LEGACY_SCAN_CONCURRENCY); retry later.`,
    );
  }

  /** Requests reading the log now, and waiting for a slot. */
  usage(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }

  private async acquire(deadline: number): Promise<void> {
    if (this.active < this.limits.concurrency && this.waiting.length === 0) {
      this.active++;
      return;
    }
    let grant: (() => void) | undefined;
    const granted = new Promise<void>((resolve) => {
      grant = resolve;
    });
    this.waiting.push(grant!);
    try {
      await withDeadline(granted, deadline, () => this.busy());
    } catch (err) {
      const i = this.waiting.indexOf(grant!);
      // Granted in the same instant it timed out: give the slot back.
      if (i === -1) this.release();
      else this.waiting.splice(i, 1);
      throw err;
    }
  }

  private readonly release = (): void => {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  };
}

/** `promise`, or the error `refusal()` makes once performance.now() passes `deadline`. */
export function withDeadline<T>(
  promise: Promise<T>,
  deadline: number,
  refusal: () => Error,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(refusal()), Math.max(0, deadline - performance.now()));
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
