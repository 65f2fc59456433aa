// The rollout control service: every change of a flag (set, promote, pause, resume, kill) runs in
// one transaction that locks the row, checks the caller's expected version (so two operators
// cannot silently overwrite each other), bumps the version, appends the change log entry and
// NOTIFYs the replicas. Expected refusals are returned as values; the caller maps them.
import { eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { rolloutChanges, rolloutFlags } from '../db/schema.js';
import {
  loadChanges,
  loadFlags,
  notifyChange,
  type RolloutAction,
  type RolloutChangeRow,
  type RolloutMode,
  type RolloutRow,
} from './pg-rows.js';

/** Who asks for a change, and why; every field ends up in the change log. */
export interface ChangeRequest {
  flag: string;
  /** The principal's name. */
  actor: string;
  reason: string;
  requestId?: string | undefined;
  /** The version the caller read; a different current version is a conflict. */
  expectedVersion?: number | null | undefined;
  /** The request's logger (it carries the request id). */
  logger: Logger;
  /** Structured detail kept with the change (the guard's evidence). */
  detail?: unknown;
}

export type RejectCode = 'PAUSED' | 'KILLED' | 'AT_LAST_STEP';

export type ChangeResult =
  | { ok: true; state: RolloutRow; change: RolloutChangeRow | null }
  | { ok: false; error: 'conflict'; message: string; current: RolloutRow }
  | { ok: false; error: 'rejected'; code: RejectCode; message: string; current: RolloutRow }
  | { ok: false; error: 'invalid'; message: string };

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface Target {
  percent: number;
  mode: RolloutMode;
  steps?: number[];
  shadowPercent?: number;
  /** Detail of the change log entry (merged over the request's). */
  detail?: Record<string, unknown>;
  /** Log and version the change even when percent, mode, steps and shadow stay. */
  always?: boolean;
  /** More work in the same transaction, after the flag's row is updated. */
  apply?: (tx: Tx) => Promise<void>;
}
export type Plan = Target | { reject: RejectCode; message: string };

export interface RolloutControlOptions {
  /** Called after a change committed, so this process applies it without waiting for NOTIFY. */
  onApplied?: (row: RolloutRow) => void;
}

export class RolloutControl {
  constructor(
    /** The database the control plane writes (the admin API reads guard tables through it). */
    readonly db: Db,
    private readonly options: RolloutControlOptions = {},
  ) {}

  list(flag?: string): Promise<RolloutRow[]> {
    return loadFlags(this.db, flag);
  }

  history(flag: string | undefined, limit: number): Promise<RolloutChangeRow[]> {
    return loadChanges(this.db, { flag, limit });
  }

  /** Moves the flag to `percent`; optionally replaces its step schedule. */
  set(req: ChangeRequest, percent: number, steps?: number[] | null): Promise<ChangeResult> {
    const invalid = checkPercent(percent) ?? (steps ? checkSteps(steps) : undefined);
    if (invalid) return Promise.resolve({ ok: false, error: 'invalid', message: invalid });
    const p = roundPercent(percent);
    return this.change(req, 'set', (row) => {
      // A pause freezes the rollout: nobody raises it, but lowering it stays possible.
      if (row.mode === 'paused' && p > row.percent) {
        return { reject: 'PAUSED', message: `${row.flag} is paused: resume it before raising it` };
      }
      return { percent: p, mode: row.mode, ...(steps ? { steps: [...steps] } : {}) };
    });
  }

  /** Moves the flag to the next step of its schedule. */
  promote(req: ChangeRequest): Promise<ChangeResult> {
    return this.change(req, 'promote', (row) => {
      if (row.mode !== 'active') return modeRejection(row, 'promoted');
      const next = row.steps.find((step) => step > row.percent);
      if (next === undefined) {
        return { reject: 'AT_LAST_STEP', message: `${row.flag} is at or past its last step` };
      }
      return { percent: next, mode: 'active' };
    });
  }

  pause(req: ChangeRequest): Promise<ChangeResult> {
    return this.change(req, 'pause', (row) =>
      row.mode === 'killed'
        ? modeRejection(row, 'paused')
        : { percent: row.percent, mode: 'paused' },
    );
  }

  /** Back to active from paused or killed, at the percentage the flag had. */
  resume(req: ChangeRequest): Promise<ChangeResult> {
    return this.change(req, 'resume', (row) => ({ percent: row.percent, mode: 'active' }));
  }

  /** Everyone to legacy at once; the percentage is kept for `resume`. */
  kill(req: ChangeRequest): Promise<ChangeResult> {
    return this.change(req, 'kill', (row) => ({ percent: row.percent, mode: 'killed' }));
  }

  /**
   * The one way a flag changes: lock, check the expected version, plan, update, log, notify.
   * Extensions of the control plane (shadow, guard) plan their changes through it.
   */
  async change(
    req: ChangeRequest,
    action: RolloutAction,
    plan: (row: RolloutRow, tx: Tx) => Plan | Promise<Plan>,
  ): Promise<ChangeResult> {
    if (req.reason.trim() === '')
      return { ok: false, error: 'invalid', message: 'a reason is required' };
    const result = await this.db.transaction(async (tx): Promise<ChangeResult> => {
      // rollout.lock-flag: concurrent writers of one flag queue here
      const [row] = await tx
        .select()
        .from(rolloutFlags)
        .where(eq(rolloutFlags.flag, req.flag))
        .for('update');
      if (!row)
        return { ok: false, error: 'invalid', message: `unknown rollout flag: ${req.flag}` };
      if (req.expectedVersion != null && req.expectedVersion !== row.version) {
        const message = `${req.flag} is at version ${row.version}, not ${req.expectedVersion}: someone else changed it`;
        return { ok: false, error: 'conflict', message, current: row };
      }
      const target = await plan(row, tx);
      if ('reject' in target) {
        return {
          ok: false,
          error: 'rejected',
          code: target.reject,
          message: target.message,
          current: row,
        };
      }
      const sameSteps = !target.steps || sameList(target.steps, row.steps);
      const sameShadow =
        target.shadowPercent === undefined || target.shadowPercent === row.shadowPercent;
      const same = target.percent === row.percent && target.mode === row.mode;
      if (same && sameSteps && sameShadow && !target.always) {
        // Nothing to change (e.g. a second kill): acknowledged, but neither versioned nor logged.
        return { ok: true, state: row, change: null };
      }
      // rollout.update-flag
      const [state] = await tx
        .update(rolloutFlags)
        .set({
          percent: target.percent,
          mode: target.mode,
          steps: target.steps ?? row.steps,
          shadowPercent: target.shadowPercent ?? row.shadowPercent,
          version: sql`${rolloutFlags.version} + 1`,
          updatedAt: sql`now()`,
          updatedBy: req.actor,
        })
        .where(eq(rolloutFlags.flag, req.flag))
        .returning();
      // rollout.append-change
      const [change] = await tx
        .insert(rolloutChanges)
        .values({
          flag: req.flag,
          by: req.actor,
          action,
          fromPercent: row.percent,
          fromMode: row.mode,
          toPercent: target.percent,
          toMode: target.mode,
          version: state!.version,
          reason: req.reason,
          requestId: req.requestId ?? null,
          detail: detailOf(req.detail, target.detail),
        })
        .returning();
      await target.apply?.(tx);
      await notifyChange(tx, req.flag);
      return { ok: true, state: state!, change: change! };
    });
    this.report(req, action, result);
    return result;
  }

  private report(req: ChangeRequest, action: RolloutAction, result: ChangeResult): void {
    // The request id comes with the request's logger.
    const base = { flag: req.flag, action, by: req.actor, reason: req.reason };
    if (!result.ok) {
      req.logger.warn(
        { ...base, refused: result.error, detail: result.message },
        'rollout: change refused',
      );
      return;
    }
    if (!result.change) return;
    const c = result.change;
    req.logger.info(
      {
        ...base,
        from: { percent: c.fromPercent, mode: c.fromMode },
        to: { percent: c.toPercent, mode: c.toMode },
        version: c.version,
      },
      'rollout: change applied',
    );
    this.options.onApplied?.(result.state);
  }
}

function detailOf(a: unknown, b: Record<string, unknown> | undefined): unknown {
  if (a === undefined && b === undefined) return null;
  return { ...(a as Record<string, unknown> | undefined), ...b };
}

function modeRejection(row: RolloutRow, verb: string): Plan {
  const code = row.mode === 'killed' ? 'KILLED' : 'PAUSED';
  return {
    reject: code,
    message: `${row.flag} is ${row.mode} and cannot be ${verb}: resume it first`,
  };
}

/** Hundredths, as the engine's buckets: 12.345 would silently mean 12.35 anyway. */
export function roundPercent(percent: number): number {
  return Math.round(percent * 100) / 100;
}

export function checkPercent(percent: number): string | undefined {
  return percent >= 0 && percent <= 100 ? undefined : `percent must be 0–100 (got ${percent})`;
}

export function checkSteps(steps: readonly number[]): string | undefined {
  if (steps.length === 0 || steps.length > 20) return 'a schedule has 1 to 20 steps';
  for (const [i, step] of steps.entries()) {
    if (!(step > 0 && step <= 100)) return `steps must be in (0, 100] (got ${step})`;
    if (i > 0 && step <= steps[i - 1]!) return `steps must rise (got ${steps.join(', ')})`;
  }
  return undefined;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
