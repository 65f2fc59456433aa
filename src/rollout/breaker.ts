// One circuit breaker per flag in this process (cockatiel): when the domain path's failures
// (errors and time-budget overruns) pass a share of a sliding window of calls, the breaker opens
// and domain-bucket callers are served by legacy (reason `breaker_open`); after a cool-down one
// probe call goes through (half-open) and its success closes the breaker again. A read whose
// client went away is not counted as a failure (as a probe, cockatiel counts it as a success).
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  CountBreaker,
  circuitBreaker,
  handleWhen,
} from 'cockatiel';
import { ClientGoneError } from './client-gone.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Share of failed calls (0–1) in the window that opens the breaker. Default 0.5. */
  threshold: number;
  /** The sliding window: the last this many calls. Default 20. */
  window: number;
  /** Calls the window needs before it may open the breaker. Default 10. */
  minimumCalls: number;
  /** Cool-down before a probe call is let through, ms. Default 5000. */
  halfOpenAfterMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  threshold: 0.5,
  window: 20,
  minimumCalls: 10,
  halfOpenAfterMs: 5000,
};

export interface BreakerSnapshot {
  flag: string;
  state: BreakerState;
  since: Date;
}

export type BreakerListener = (snapshot: BreakerSnapshot, previous: BreakerState) => void;

/** Thrown (and caught by the runner) when the breaker refuses a call. */
export class BreakerOpenError extends Error {
  constructor(readonly flag: string) {
    super(`circuit breaker of ${flag} is open`);
    this.name = 'BreakerOpenError';
  }
}

const STATE: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'open',
};

export class Breakers {
  readonly #policies = new Map<string, CircuitBreakerPolicy>();
  readonly #since = new Map<string, BreakerSnapshot>();
  readonly #listeners = new Set<BreakerListener>();

  constructor(
    private readonly options: BreakerOptions = DEFAULT_BREAKER,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  onChange(listener: BreakerListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Runs `fn` through the flag's breaker; a refused call throws BreakerOpenError. */
  async execute<T>(flag: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.#policy(flag).execute(fn);
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw new BreakerOpenError(flag);
      throw error;
    }
  }

  /** Open right now (not half-open): the domain path is not worth trying for shadow work. */
  isOpen(flag: string): boolean {
    return this.#policies.get(flag)?.state === CircuitState.Open;
  }

  snapshot(flag: string): BreakerSnapshot {
    return this.#since.get(flag) ?? { flag, state: 'closed', since: this.#started };
  }

  /** Every flag whose breaker has been used, in flag order. */
  all(): BreakerSnapshot[] {
    return [...this.#policies.keys()].sort().map((flag) => this.snapshot(flag));
  }

  readonly #started = new Date();

  #policy(flag: string): CircuitBreakerPolicy {
    let policy = this.#policies.get(flag);
    if (!policy) {
      const { threshold, window, minimumCalls, halfOpenAfterMs } = this.options;
      policy = circuitBreaker(
        handleWhen((error) => !(error instanceof ClientGoneError)),
        {
          halfOpenAfter: halfOpenAfterMs,
          breaker: new CountBreaker({
            threshold,
            size: window,
            minimumNumberOfCalls: minimumCalls,
          }),
        },
      );
      policy.onStateChange((state) => this.#changed(flag, STATE[state]));
      this.#policies.set(flag, policy);
    }
    return policy;
  }

  #changed(flag: string, state: BreakerState): void {
    const previous = this.snapshot(flag).state;
    if (previous === state) return;
    const snapshot = { flag, state, since: this.clock() };
    this.#since.set(flag, snapshot);
    for (const listener of [...this.#listeners]) listener(snapshot, previous);
  }
}
