// The rollout state of every flag, held in memory (the request path reads it synchronously, no
// query per request) and kept equal to the rollout_flags table: a NOTIFY on rollout_changed
// re-reads the flag within milliseconds; a periodic resync repairs whatever NOTIFY missed (a
// dropped listening connection, a notification sent while it reconnected), and a probe that
// the listener must hear tells readiness whether the subscription is alive. A lost listening
// connection is subscribed again at once (retrying within a second while the server is away),
// and every new subscription is followed by a full re-read.
//
// Only committed rows are ever routed by: rows are applied in version order, and a row that is
// not a valid flag state is refused rather than applied. Before the first load the store serves
// the environment's seed; the gateway process does not serve requests until the load (main.ts).
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { DatabaseHandle, Db } from '../db/client.js';
import type { FlagState } from './engine.js';
import {
  DEFAULT_STEPS,
  loadFlags,
  ROLLOUT_CHANNEL,
  type RolloutRow,
  seedFlags,
} from './pg-rows.js';
import type { FlagMeta, RolloutStateStore } from './state.js';

export interface PgRolloutStateOptions {
  handle: DatabaseHandle;
  logger: Logger;
  /** config.rolloutPercent: seeds flags without a row, and is served until the first load. */
  seed: Readonly<Record<string, number>>;
  /** Resync (and listener probe) period in ms. Default 5000. */
  resyncMs?: number;
  /** Step schedule of a seeded flag. Default DEFAULT_STEPS. */
  steps?: readonly number[];
}

export interface RolloutSyncStatus {
  /** The table has been read at least once since start. */
  loaded: boolean;
  /** LISTEN is established and the last probe came back. */
  listening: boolean;
  lastSyncAt: Date | null;
  lastSyncError: string | null;
  /** Ready to serve: loaded, and either listening or resyncing successfully. */
  healthy: boolean;
}

type Source = 'load' | 'notify' | 'resync' | 'local';
type Versioned = FlagState & { version: number; shadowPercent?: number };
const PROBE_PREFIX = '~probe:';

export class PgRolloutState implements RolloutStateStore {
  readonly #states = new Map<string, Versioned>();
  readonly #listeners = new Set<(state: FlagState) => void>();
  readonly #db: Db;
  readonly #resyncMs: number;
  readonly #instance = randomUUID();
  #started: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #subscribing: Promise<void> | undefined;
  #seeded = false;
  #loaded = false;
  #listening = false;
  #stopped = false;
  #probe: { payload: string; heard: boolean } | undefined;
  #relistenTimer: NodeJS.Timeout | undefined;
  #relistenAttempt = 0;
  readonly #loadedOnce: Promise<void>;
  #markLoaded: () => void = () => {};
  #lastSyncAt: Date | null = null;
  #lastSyncError: string | null = null;

  constructor(private readonly options: PgRolloutStateOptions) {
    this.#db = options.handle.background;
    this.#resyncMs = options.resyncMs ?? 5000;
    this.#loadedOnce = new Promise((resolve) => {
      this.#markLoaded = resolve;
    });
    // Version 0: any row in the table, even a just-seeded one, replaces the environment value.
    for (const [flag, percent] of Object.entries(options.seed)) {
      this.#states.set(flag, { flag, percent, mode: 'active', version: 0 });
    }
  }

  get(flag: string): FlagState {
    const s = this.#states.get(flag);
    return s ? { flag, percent: s.percent, mode: s.mode } : { flag, percent: 0, mode: 'active' };
  }

  meta(flag: string): FlagMeta {
    const s = this.#states.get(flag);
    return { version: s?.version ?? 0, shadowPercent: s?.shadowPercent ?? 0 };
  }

  all(): FlagState[] {
    return [...this.#states.keys()].sort().map((flag) => this.get(flag));
  }

  onChange(listener: (state: FlagState) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Seeds, loads and subscribes; resolves after the first attempt. A failed attempt rejects, but
   * the periodic resync keeps retrying, so a gateway started before its database recovers.
   */
  start(): Promise<void> {
    this.#started ??= this.#sync('load').finally(() => this.#schedule());
    return this.#started;
  }

  /** Resolves once the table has been read (the periodic resync keeps retrying until then). */
  loaded(): Promise<void> {
    return this.#loadedOnce;
  }

  /** Reads every row and applies what changed; also (re)subscribes and seeds when needed. */
  async resync(): Promise<void> {
    await this.#sync('resync');
  }

  /**
   * Applies a row read from the table (or just written by this process). Ignores rows older than
   * what the store holds, so a slow read can never move a flag back. Returns whether it changed.
   */
  apply(
    row: Pick<RolloutRow, 'flag' | 'percent' | 'mode' | 'version'> & { shadowPercent?: number },
    source: Source,
  ): boolean {
    if (!isFlagState(row)) {
      this.options.logger.error({ row, source }, 'rollout: refused a row that is no flag state');
      return false;
    }
    const known = this.#states.get(row.flag);
    if (known && known.version >= row.version) return false;
    const next: Versioned = {
      flag: row.flag,
      percent: row.percent,
      mode: row.mode,
      version: row.version,
      shadowPercent: row.shadowPercent ?? 0,
    };
    this.#states.set(row.flag, next);
    if (known && known.percent === next.percent && known.mode === next.mode) return false;
    this.options.logger.info(
      { flag: row.flag, percent: row.percent, mode: row.mode, version: row.version, source },
      'rollout: state applied',
    );
    for (const listener of [...this.#listeners]) listener(this.get(row.flag));
    return true;
  }

  status(): RolloutSyncStatus {
    const fresh =
      this.#lastSyncError === null &&
      this.#lastSyncAt !== null &&
      Date.now() - this.#lastSyncAt.getTime() <= 3 * this.#resyncMs;
    return {
      loaded: this.#loaded,
      listening: this.#listening,
      lastSyncAt: this.#lastSyncAt,
      lastSyncError: this.#lastSyncError,
      healthy: this.#loaded && (this.#listening || fresh),
    };
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#relistenTimer);
    await this.#unlisten?.().catch(() => {});
    this.#unlisten = undefined;
    this.#listening = false;
  }

  async #sync(source: 'load' | 'resync'): Promise<void> {
    try {
      if (!this.#seeded) {
        await seedFlags(this.#db, this.options.seed, this.options.steps ?? DEFAULT_STEPS);
        this.#seeded = true;
      }
      // Subscribe before reading, so a change committed after the read is notified. A LISTEN
      // that cannot be set up must not stop the read: the resync alone keeps the state fresh,
      // and a later successful LISTEN resyncs through #onListen. Later periods do not wait for
      // it (a connection attempt to a lost server can take its whole connect timeout).
      const subscribed = this.#subscribe().catch((error: unknown) => {
        this.options.logger.warn({ err: error }, 'rollout: LISTEN failed; relying on resync');
      });
      if (source === 'load') await subscribed;
      // rollout.resync
      for (const row of await loadFlags(this.#db)) this.apply(row, source);
      this.#loaded = true;
      this.#markLoaded();
      this.#lastSyncAt = new Date();
      this.#lastSyncError = null;
    } catch (error) {
      this.#lastSyncError = (error as Error).message;
      this.options.logger.error({ err: error }, 'rollout: state sync failed');
      throw error;
    }
  }

  async #refresh(flag: string): Promise<void> {
    try {
      for (const row of await loadFlags(this.#db, flag)) this.apply(row, 'notify');
    } catch (error) {
      // The next resync repairs it; a failing database also shows in readiness.
      this.options.logger.warn({ err: error, flag }, 'rollout: refresh after NOTIFY failed');
    }
  }

  #onPayload = (payload: string): void => {
    if (this.#stopped) return;
    if (payload.startsWith(PROBE_PREFIX)) {
      if (this.#probe?.payload === payload) this.#probe.heard = true;
      return;
    }
    void this.#refresh(payload);
  };

  // Called on the first LISTEN and again whenever postgres.js re-established it after losing
  // the connection: notifications sent in between are lost, so read everything again.
  #onListen = (): void => {
    if (this.#stopped) return;
    this.#listening = true;
    this.#relistenAttempt = 0;
    if (!this.#loaded) return; // the start-up sync reads everything anyway
    this.options.logger.info('rollout: listening (again); resyncing');
    this.resync().catch(() => {});
  };

  // The listening connection closed: its subscription is gone. Subscribe again now, and retry
  // quickly (0.1 s doubling to 1 s) while the server is away; #onListen then resyncs.
  #onLost = (): void => {
    if (this.#stopped) return;
    this.options.logger.warn('rollout: listening connection lost; subscribing again');
    this.#listening = false;
    this.#unlisten = undefined;
    this.#subscribing = undefined;
    this.#relisten();
  };

  #relisten(): void {
    if (this.#stopped) return;
    clearTimeout(this.#relistenTimer);
    const delay =
      this.#relistenAttempt === 0 ? 0 : Math.min(100 * 2 ** this.#relistenAttempt, 1000);
    this.#relistenAttempt += 1;
    this.#relistenTimer = setTimeout(() => {
      if (this.#listening || this.#stopped) return;
      this.#subscribe().catch(() => this.#relisten());
    }, delay);
    this.#relistenTimer.unref();
  }

  /** Subscribes once; concurrent callers share the attempt, a failed one is retried later. */
  #subscribe(): Promise<void> {
    this.#subscribing ??= this.#listen().catch((error: unknown) => {
      this.#subscribing = undefined;
      this.#listening = false;
      throw error;
    });
    return this.#subscribing;
  }

  async #listen(): Promise<void> {
    // A handle that cannot LISTEN (none of the gateway's) is kept fresh by the resync alone.
    const { handle } = this.options;
    if (!handle.listen) return;
    this.#unlisten = await handle.listen(ROLLOUT_CHANNEL, this.#onPayload, this.#onLost);
    this.#onListen();
  }

  /** One resync period: judge the last probe, resync, send the next probe. */
  async #tick(): Promise<void> {
    if (this.#probe && !this.#probe.heard && this.#listening) {
      // The listener did not hear its own notification for a whole period: subscribe anew
      // (a duplicate subscription only means an extra, idempotent re-read).
      this.options.logger.warn('rollout: listener did not hear its probe; subscribing again');
      this.#listening = false;
      const stale = this.#unlisten;
      this.#unlisten = undefined;
      this.#subscribing = undefined;
      await stale?.().catch(() => {});
    }
    await this.resync().catch(() => {});
    const payload = `${PROBE_PREFIX}${this.#instance}:${Date.now()}`;
    this.#probe = { payload, heard: false };
    // rollout.probe
    await this.#db.execute(sql`select pg_notify(${ROLLOUT_CHANNEL}, ${payload})`).catch(() => {});
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.#tick().finally(() => this.#schedule());
    }, this.#resyncMs);
    // Background upkeep must not keep a finished process (or test worker) alive.
    this.#timer.unref();
  }
}

const MODES: ReadonlySet<string> = new Set(['active', 'paused', 'killed']);

/** A row as the table's constraints allow it; anything else is not a committed flag state. */
function isFlagState(row: Pick<RolloutRow, 'flag' | 'percent' | 'mode' | 'version'>): boolean {
  return (
    typeof row.flag === 'string' &&
    typeof row.percent === 'number' &&
    row.percent >= 0 &&
    row.percent <= 100 &&
    MODES.has(row.mode) &&
    Number.isSafeInteger(row.version) &&
    row.version >= 1
  );
}
