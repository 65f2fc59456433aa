// Runs on every replica: publishes this replica's evidence every `publishMs`, and competes for
// the controller lease every `tickMs`. The lease holder (exactly one replica while its lease is
// fresh; another takes over within `leaseMs` of its death) sums every replica's evidence per
// guarded flag and promotes or rolls back through the control plane, as the principal `guard`,
// with the version it judged as the expected version: an operator's change in between wins.
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import type { RolloutControl } from './control.js';
import type { EvidenceCounts, EvidenceRecorder } from './evidence.js';
import { GUARD_ACTOR, type GuardControl } from './guard-control.js';
import { evaluateGuard, type GuardDecision } from './guard-rules.js';
import {
  acquireLease,
  type GuardRow,
  guardConfig,
  leaseOf,
  loadGuards,
  pruneEvidence,
  publishEvidence,
  releaseLease,
  sumEvidence,
} from './pg-guard.js';
import { loadFlags, type RolloutRow } from './pg-rows.js';

export const CONTROLLER_LEASE = 'guard';

export interface GuardTiming {
  /** How often each replica publishes its evidence, ms. */
  publishMs: number;
  /** How often each replica tries the lease and, holding it, evaluates the guards, ms. */
  tickMs: number;
  /** How long a lease lasts without renewal: the longest a dead controller stays in charge. */
  leaseMs: number;
}

export const DEFAULT_GUARD_TIMING: GuardTiming = { publishMs: 1000, tickMs: 1000, leaseMs: 5000 };

export interface GuardControllerOptions {
  db: Db;
  guards: GuardControl;
  recorder: EvidenceRecorder;
  /** This replica's name in the evidence rows and the lease. */
  replica: string;
  logger: Logger;
  /** The flags whose fields are reads (shadow comparisons count as their evidence). */
  readFlags: ReadonlySet<string>;
  timing: GuardTiming;
  /** Called with every evaluation the controller acted on or held (metrics). */
  onDecision?: (flag: string, decision: GuardDecision) => void;
  onLeadership?: (leader: boolean) => void;
}

export interface Assessment {
  flag: string;
  version: number;
  since: Date;
  replicas: number;
  counts: EvidenceCounts;
  decision: GuardDecision | null;
}

export class GuardController {
  #leader = false;
  #stopped = true;
  #publishTimer: NodeJS.Timeout | undefined;
  #tickTimer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> = Promise.resolve();

  constructor(private readonly options: GuardControllerOptions) {}

  get control(): RolloutControl {
    return this.options.guards.control;
  }

  get isLeader(): boolean {
    return this.#leader;
  }

  get replica(): string {
    return this.options.replica;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#loop('publish', this.options.timing.publishMs, () => this.publish());
    this.#loop('tick', this.options.timing.tickMs, () => this.tick());
  }

  /**
   * Stops both loops, publishes once more and gives the lease up (a successor need not wait).
   * `{ release: false }` leaves the lease to expire, as a crashed process would.
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#publishTimer);
    clearTimeout(this.#tickTimer);
    await this.#ticking.catch(() => {});
    if (options.release === false) {
      this.#setLeader(false);
      return;
    }
    await this.publish().catch(() => {});
    if (this.#leader) {
      await releaseLease(this.options.db, CONTROLLER_LEASE, this.options.replica).catch(() => {});
      this.#setLeader(false);
    }
  }

  /**
   * Writes this replica's evidence if anything changed since the last write. Writes are
   * serialised: an older snapshot must never land after a newer one.
   */
  publish(): Promise<void> {
    const next = this.#publishing.catch(() => {}).then(() => this.#publish());
    this.#publishing = next;
    return next;
  }

  #publishing: Promise<void> = Promise.resolve();

  async #publish(): Promise<void> {
    const changed = this.options.recorder.takeChanged();
    if (!changed) return;
    try {
      await publishEvidence(this.options.db, this.options.replica, changed);
    } catch (error) {
      this.options.recorder.markDirty();
      throw error;
    }
  }

  /** One controller period: renew or take the lease; as the holder, judge every guard. */
  tick(): Promise<void> {
    this.#ticking = this.#tick();
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    const { db, replica, timing } = this.options;
    const leader = await acquireLease(db, CONTROLLER_LEASE, replica, timing.leaseMs).catch(
      (error: unknown) => {
        this.options.logger.warn({ err: error }, 'guard: lease check failed');
        return false;
      },
    );
    this.#setLeader(leader);
    if (!leader || this.#stopped) return;
    await this.publish().catch(() => {});
    const guards = await loadGuards(db);
    if (guards.length === 0) return;
    const flags = new Map((await loadFlags(db)).map((row) => [row.flag, row]));
    for (const guard of guards) {
      const row = flags.get(guard.flag);
      if (row) await this.#act(row, guard);
    }
  }

  /** The evidence of a flag's current step and what the guard would decide now. */
  async assess(
    row: RolloutRow,
    guard: GuardRow | undefined,
    now = new Date(),
  ): Promise<Assessment> {
    const { counts, replicas } = await sumEvidence(this.options.db, row.flag, row.version);
    const flag = {
      flag: row.flag,
      percent: row.percent,
      mode: row.mode,
      version: row.version,
      since: row.updatedAt,
      shadowPercent: row.shadowPercent,
      read: this.options.readFlags.has(row.flag),
    };
    const decision = guard ? evaluateGuard(flag, guardConfig(guard), counts, now) : null;
    return {
      flag: row.flag,
      version: row.version,
      since: row.updatedAt,
      replicas,
      counts,
      decision,
    };
  }

  async #act(row: RolloutRow, guard: GuardRow): Promise<void> {
    const { logger } = this.options;
    const a = await this.assess(row, guard);
    const decision = a.decision!;
    this.options.onDecision?.(row.flag, decision);
    await pruneEvidence(this.options.db, row.flag, row.version).catch(() => {});
    if (decision.action !== 'promote' && decision.action !== 'rollback') {
      logger.debug({ flag: row.flag, reason: decision.reason }, 'guard: holding');
      return;
    }
    const req = {
      flag: row.flag,
      actor: GUARD_ACTOR,
      reason: decision.reason,
      expectedVersion: row.version,
      logger,
      detail: { evidence: summary(a) },
    };
    const result =
      decision.action === 'promote'
        ? await this.control.promote(req)
        : await this.options.guards.rollback(req, decision.target!);
    if (!result.ok) {
      // Most often an operator's change came first: the next period judges the new step.
      logger.info(
        { flag: row.flag, refused: result.error, detail: result.message },
        'guard: change not applied',
      );
      return;
    }
    const log = decision.action === 'promote' ? logger.info : logger.warn;
    log.call(
      logger,
      {
        flag: row.flag,
        action: decision.action,
        from: row.percent,
        to: decision.target,
        reason: decision.reason,
      },
      decision.action === 'promote' ? 'guard: promoted' : 'guard: rolled back',
    );
  }

  /** The current lease: who holds it until when. */
  lease() {
    return leaseOf(this.options.db, CONTROLLER_LEASE);
  }

  #setLeader(leader: boolean): void {
    if (leader === this.#leader) return;
    this.#leader = leader;
    this.options.logger.info(
      { replica: this.options.replica, leader },
      leader ? 'guard: controller lease taken' : 'guard: controller lease lost',
    );
    this.options.onLeadership?.(leader);
  }

  #loop(name: 'publish' | 'tick', ms: number, run: () => Promise<void>): void {
    const schedule = () => {
      if (this.#stopped) return;
      const timer = setTimeout(() => {
        run()
          .catch((error: unknown) =>
            this.options.logger.warn({ err: error }, `guard: ${name} failed`),
          )
          .finally(schedule);
      }, ms);
      timer.unref();
      if (name === 'publish') this.#publishTimer = timer;
      else this.#tickTimer = timer;
    };
    schedule();
  }
}

/** The evidence a decision is logged with (counts; latency as p99 per path in the reason). */
function summary(a: Assessment) {
  const { domainLatency: _d, legacyLatency: _l, ...counts } = a.counts;
  return {
    version: a.version,
    replicas: a.replicas,
    ...counts,
    gates: a.decision?.gates.map(({ name, status, value, limit, samples }) => ({
      name,
      status,
      value,
      limit,
      samples,
    })),
  };
}
