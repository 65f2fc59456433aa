// What a migrated field is: a flag, a schema coordinate, the service holding its two
// implementations, and the legacy REST routes that shim it. Each field's folder exports one
// of these from its index.ts; src/fields/index.ts lists them.
import type { DatabaseHandle } from '../db/client.js';
import type { Services } from '../graphql/context.js';
import type { LegacyEventLog } from '../legacy/event-log.js';
import type { Logger } from '../ops/logger.js';
import type { SubscriptionObserver } from '../ops/subscription-metrics.js';
import type { RestRoute } from '../rest/v1/router.js';
import type { RolloutFlag } from '../rollout/flags.js';

/** What the implementations are built from (one set per app). */
export interface FieldDeps {
  handle: DatabaseHandle;
  /** The shared reader of the legacy log. */
  legacyLog: LegacyEventLog;
  /** IANA zone of "today" and of the legacy naive timestamps. */
  timeZone: string;
  /** When this process started (uptime). */
  startedAt: Date;
  /** Time budget of a domain write, in ms. */
  writeTimeoutMs: number;
  /** Registers what the app's close() must release (open files, timers). */
  onClose(close: () => Promise<void>): void;
  logger: Logger;
  /** Bounds and metrics of live subscriptions. */
  subscriptions: {
    /** Most subscribers in this process, all paths together. */
    max: number;
    /** Most events queued for one subscriber before it is dropped. */
    queueMax: number;
    observer?: SubscriptionObserver;
  };
}

export interface MigratedField<K extends keyof Services = keyof Services> {
  flag: RolloutFlag;
  /**
   * The schema coordinate of the field, e.g. `Query.recentEvents`, or several when one flag moves
   * several fields together (e.g. two mutations of one table).
   */
  coordinate: string | readonly string[];
  /** The key of `ctx.services` holding the domain and legacy implementations. */
  service: K;
  createService(deps: FieldDeps): Services[K];
  /**
   * Reads: what the shadow comparison compares (the comparator's description). Absent for
   * writes, which are never shadow-executed.
   */
  compares?: string;
  /** The legacy /api/v1 routes answered through this field. */
  routes: readonly RestRoute[];
  /** Releases what the service holds (ends live streams); called when the app closes. */
  close?(service: Services[K]): Promise<void>;
}

/** Declares a field module (keeps the service key and its implementations' type together). */
export function defineField<K extends keyof Services>(field: MigratedField<K>): MigratedField<K> {
  return field;
}
