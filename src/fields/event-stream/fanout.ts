// One live source of events (the database's notifications or the log tail) shared by every
// subscriber of one path in this process: started with the first subscriber, stopped after the
// last. Bounded: a process-wide budget of subscribers (both paths), and a bounded queue per
// subscriber. A subscriber whose queue overflows (it reads slower than events arrive) is dropped:
// its queue is cleared, it gets one last item saying why, then its stream ends; the reason is
// logged. close() ends every stream (clients get a complete message).
import type { EventRecord } from '../../domain/types.js';
import type { Logger } from '../../ops/logger.js';
import type { SubscriptionObserver } from '../../ops/subscription-metrics.js';

export interface LiveSource {
  start(emit: (records: EventRecord[]) => void): Promise<void>;
  stop(): Promise<void>;
}

export interface EventFilter {
  /** Exact type; undefined or '' = any. */
  type?: string | undefined;
  /** Exact camera id; '' matches events without a camera; undefined = any. */
  cameraId?: string | undefined;
}

/** Subscribers of every path of this process, and how many may be. */
export class SubscriberBudget {
  active = 0;
  constructor(readonly max: number) {}
}

/** Why a stream was ended by the server rather than by its client. */
export interface Dropped {
  dropped: 'slow_consumer';
  queued: number;
}

export type StreamItem = EventRecord | Dropped;

export const isDropped = (item: StreamItem): item is Dropped => 'dropped' in item;

export class SubscriptionLimitError extends Error {
  constructor(readonly max: number) {
    super(`This server already serves its maximum of ${max} subscriptions; retry later.`);
  }
}

export interface FanoutOptions {
  /** Which path this is (logs). */
  path: 'domain' | 'legacy';
  budget: SubscriberBudget;
  /** Most events queued for one subscriber before it is dropped. */
  queueMax: number;
  logger: Logger;
  observer?: SubscriptionObserver;
}

class Subscriber implements AsyncIterableIterator<StreamItem> {
  readonly queue: StreamItem[] = [];
  ended = false;
  #wake: ((result: IteratorResult<StreamItem>) => void) | undefined;

  constructor(
    readonly filter: EventFilter,
    private readonly onEnd: (s: Subscriber) => void,
  ) {}

  matches(e: EventRecord): boolean {
    const { type, cameraId } = this.filter;
    if (type && e.type !== type) return false;
    if (cameraId === undefined) return true;
    return cameraId === '' ? !e.cameraId : e.cameraId === cameraId;
  }

  push(item: StreamItem): void {
    if (this.ended) return;
    if (this.#wake) {
      const wake = this.#wake;
      this.#wake = undefined;
      wake({ value: item, done: false });
    } else this.queue.push(item);
  }

  /** No more items after the queued ones. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
    if (this.#wake) {
      const wake = this.#wake;
      this.#wake = undefined;
      wake({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<StreamItem>> {
    const item = this.queue.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  return(): Promise<IteratorResult<StreamItem>> {
    this.queue.length = 0;
    this.finish();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

export class Fanout {
  readonly #subscribers = new Set<Subscriber>();
  /** Starts and stops of the source, one after the other. */
  #lifecycle: Promise<void> = Promise.resolve();
  #running = false;
  #closed = false;

  constructor(
    private readonly source: LiveSource,
    private readonly options: FanoutOptions,
  ) {}

  get size(): number {
    return this.#subscribers.size;
  }

  /** Whether the live source runs (e.g. LISTEN is established): events from now on arrive. */
  get running(): boolean {
    return this.#running;
  }

  /** A stream of the matching events from now on. Throws SubscriptionLimitError when full. */
  async subscribe(filter: EventFilter): Promise<AsyncIterableIterator<StreamItem>> {
    const { budget } = this.options;
    if (this.#closed || budget.active >= budget.max) throw new SubscriptionLimitError(budget.max);
    budget.active++;
    const subscriber = new Subscriber(filter, (s) => this.#remove(s));
    this.#subscribers.add(subscriber);
    this.options.observer?.active(this.options.path, this.#subscribers.size);
    try {
      await this.#sync();
    } catch (error) {
      subscriber.finish();
      throw error;
    }
    return subscriber;
  }

  /** Ends every stream (their clients get a complete message) and stops the source. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const s of [...this.#subscribers]) s.finish();
    await this.#sync();
  }

  /** Runs the source while there are subscribers (and not closed), stops it otherwise. */
  #sync(): Promise<void> {
    const run = this.#lifecycle.then(async () => {
      const wanted = this.#subscribers.size > 0 && !this.#closed;
      if (wanted && !this.#running) {
        await this.source.start((records) => this.#deliver(records));
        this.#running = true;
      } else if (!wanted && this.#running) {
        this.#running = false;
        await this.source.stop().catch((error: unknown) => {
          this.options.logger.warn({ err: error, path: this.options.path }, 'event source stop');
        });
      }
    });
    this.#lifecycle = run.catch(() => {});
    return run;
  }

  #deliver(records: EventRecord[]): void {
    let delivered = 0;
    for (const s of this.#subscribers) {
      for (const record of records) {
        if (!s.matches(record)) continue;
        if (s.queue.length >= this.options.queueMax) {
          const queued = s.queue.length;
          this.options.logger.warn(
            { path: this.options.path, queued, reason: 'slow_consumer' },
            'subscription dropped: the client reads slower than events arrive',
          );
          this.options.observer?.dropped(this.options.path, 'slow_consumer');
          s.queue.length = 0;
          s.push({ dropped: 'slow_consumer', queued });
          s.finish();
          break;
        }
        s.push(record);
        delivered++;
      }
    }
    if (delivered > 0) this.options.observer?.delivered(this.options.path, delivered);
  }

  #remove(s: Subscriber): void {
    if (!this.#subscribers.delete(s)) return;
    this.options.budget.active--;
    this.options.observer?.active(this.options.path, this.#subscribers.size);
    if (this.#subscribers.size === 0) void this.#sync().catch(() => {});
  }
}
