// Domain path of violation status changes, and the violation reads. A change is one transaction:
// lock the row, apply it, append its audit row (with the idempotency key, so a repeat is answered
// from the audit trail). Failures are classified for the rollout runner: before COMMIT the
// transaction certainly rolled back (legacy may run, unless the database itself was lost: then
// the legacy path must not apply the change instead); at COMMIT a lost connection leaves the
// outcome unknown, and only then is the caller told so instead of being answered.
//
// A change has a time budget (WRITE_TIMEOUT_MS). Until the transaction's work is done, COMMIT is
// sent only if the budget has not run out, so a change abandoned before that point can never
// commit later ("not applied"); one abandoned while COMMIT is on its way is "outcome unknown".
import {
  and,
  asc,
  desc,
  eq,
  getTableColumns,
  inArray,
  lt,
  lte,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { isConnectionFailure, isDefiniteFailure, pgErrorOf } from '../db/errors.js';
import {
  type ViolationStatusValue,
  violationEvents,
  violationStatusHistory,
} from '../db/schema.js';
import {
  type StatusChangeRow,
  type StatusUpdate,
  type StatusUpdateOutcome,
  statusColumns,
  type ViolationRow,
  type ViolationStatusWriter,
} from '../domain/violations.js';
import { WriteOutcomeUnknownError, WriteRolledBackError } from '../domain/write-errors.js';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

export interface ViolationListQuery {
  status?: ViolationStatusValue | undefined;
  cameraId?: string | undefined;
  first: number;
  after?: ViolationCursor | undefined;
}

/** A keyset position: occurred_at in epoch microseconds (exact, unlike a JS Date) and id. */
export interface ViolationCursor {
  micros: string;
  id: number;
}

export type ListedViolation = ViolationRow & { cursor: string };

function encodeCursor(c: ViolationCursor): string {
  return Buffer.from(`v1:${c.micros}:${c.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): ViolationCursor | undefined {
  const m = /^v1:(-?\d{1,19}):(\d{1,16})$/.exec(Buffer.from(cursor, 'base64url').toString());
  return m ? { micros: m[1]!, id: Number(m[2]) } : undefined;
}

/** Test seam: runs inside the domain transaction after the UPDATE and the audit INSERT. */
export interface WriteHooks {
  beforeCommit?: (tx: Tx) => Promise<void>;
  /** The time budget of one change in ms (WRITE_TIMEOUT_MS); none when absent. */
  timeoutMs?: number;
}

/** Where a change is: COMMIT is sent only after `committing` is set, never once `expired` is. */
interface Attempt {
  expired: boolean;
  committing: boolean;
}

const IDEMPOTENCY_INDEX = 'violation_status_history_idempotency_uq';

export class ViolationRepository implements ViolationStatusWriter {
  constructor(
    private readonly db: Db,
    private readonly hooks: WriteHooks = {},
  ) {}

  async updateStatus(u: StatusUpdate): Promise<StatusUpdateOutcome> {
    const attempt: Attempt = { expired: false, committing: false };
    const running = this.transact(u, attempt);
    const budget = this.hooks.timeoutMs;
    if (budget === undefined) return running;
    // The transaction may settle after the answer; its outcome was already decided below.
    running.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const expiry = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        attempt.expired = true;
        reject(
          attempt.committing
            ? new WriteOutcomeUnknownError(`no answer to COMMIT within the ${budget} ms budget`)
            : new WriteRolledBackError(`not done within the ${budget} ms budget; never committed`, {
                fallback: false,
              }),
        );
      }, budget);
    });
    return Promise.race([running, expiry]).finally(() => clearTimeout(timer));
  }

  private async transact(u: StatusUpdate, attempt: Attempt): Promise<StatusUpdateOutcome> {
    let outcome: StatusUpdateOutcome | undefined;
    let wrote = false;
    try {
      return await this.db.transaction(async (tx) => {
        const result = await this.apply(tx, u, () => {
          wrote = true;
        });
        // Past the budget the caller has been answered "not applied": roll back instead.
        if (attempt.expired) throw new Error('write budget exhausted before COMMIT');
        attempt.committing = true;
        outcome = result;
        return result;
      });
    } catch (error) {
      if (outcome === undefined) {
        // Failed before COMMIT was sent: PostgreSQL never commits such a transaction.
        if (pgErrorOf(error)?.constraint === IDEMPOTENCY_INDEX) return keyReused(u);
        throw new WriteRolledBackError('domain transaction rolled back', {
          cause: error,
          fallback: !isConnectionFailure(error),
        });
      }
      // A read-only transaction (not found, replay) lost nothing; its answer stands.
      if (!wrote) return outcome;
      if (isDefiniteFailure(error)) {
        throw new WriteRolledBackError('COMMIT refused, transaction rolled back', { cause: error });
      }
      throw new WriteOutcomeUnknownError('connection lost during COMMIT', { cause: error });
    }
  }

  private async apply(tx: Tx, u: StatusUpdate, writing: () => void): Promise<StatusUpdateOutcome> {
    // name: violations.lockForUpdate (serialises changes of one violation, and key checks)
    const [current] = await tx
      .select()
      .from(violationEvents)
      .where(eq(violationEvents.id, u.id))
      .for('update');
    if (!current) return { kind: 'not_found', id: u.id };
    if (u.idempotencyKey !== undefined) {
      // name: violations.changeByIdempotencyKey
      const [previous] = await tx
        .select()
        .from(violationStatusHistory)
        .where(eq(violationStatusHistory.idempotencyKey, u.idempotencyKey));
      if (previous) {
        if (!sameRequest(previous, u)) return keyReused(u);
        return { kind: 'updated', violation: current, change: previous, replayed: true };
      }
    }
    writing();
    // name: violations.updateStatus
    const [violation] = await tx
      .update(violationEvents)
      .set(statusColumns(u))
      .where(eq(violationEvents.id, u.id))
      .returning();
    // name: violations.appendStatusHistory
    const [change] = await tx
      .insert(violationStatusHistory)
      .values({
        violationId: u.id,
        fromStatus: current.status,
        toStatus: u.status,
        notes: u.notes ?? null,
        changedBy: u.changedBy,
        changedAt: u.at,
        path: 'domain',
        requestId: u.requestId,
        idempotencyKey: u.idempotencyKey ?? null,
      })
      .returning();
    await this.hooks.beforeCommit?.(tx);
    return { kind: 'updated', violation: violation!, change: change!, replayed: false };
  }

  async byId(id: number): Promise<ViolationRow | null> {
    // name: violations.byId
    const [row] = await this.db.select().from(violationEvents).where(eq(violationEvents.id, id));
    return row ?? null;
  }

  /** Newest first (occurred_at desc, id desc), `first + 1` rows read to learn hasNextPage. */
  async list(q: ViolationListQuery): Promise<{ rows: ListedViolation[]; hasNextPage: boolean }> {
    const v = violationEvents;
    const conditions: SQL[] = [];
    if (q.status) conditions.push(eq(v.status, q.status));
    if (q.cameraId !== undefined) conditions.push(eq(v.cameraId, q.cameraId));
    if (q.after) {
      const at = sql`('epoch'::timestamptz + ${q.after.micros}::bigint * interval '1 microsecond')`;
      // The <= bound lets PostgreSQL start the index scan at the cursor.
      conditions.push(and(lte(v.occurredAt, at), or(lt(v.occurredAt, at), lt(v.id, q.after.id)))!);
    }
    // name: violations.list
    const rows = await this.db
      .select({
        ...getTableColumns(v),
        micros: sql<string>`((extract(epoch from ${v.occurredAt}) * 1000000)::bigint)::text`,
      })
      .from(v)
      .where(and(...conditions))
      .orderBy(desc(v.occurredAt), desc(v.id))
      .limit(q.first + 1);
    const page = rows.slice(0, q.first).map(({ micros, ...row }) => ({
      ...row,
      cursor: encodeCursor({ micros, id: row.id }),
    }));
    return { rows: page, hasNextPage: rows.length > q.first };
  }

  /** Histories of many violations, oldest change first, in key order (a DataLoader batch). */
  async historyFor(ids: readonly number[]): Promise<StatusChangeRow[][]> {
    // name: violations.historyByViolationIds
    const rows = await this.db
      .select()
      .from(violationStatusHistory)
      .where(inArray(violationStatusHistory.violationId, [...ids]))
      .orderBy(asc(violationStatusHistory.violationId), asc(violationStatusHistory.id));
    const byId = new Map<number, StatusChangeRow[]>(ids.map((id) => [id, []]));
    for (const row of rows) byId.get(row.violationId)?.push(row);
    return ids.map((id) => byId.get(id) ?? []);
  }
}

function sameRequest(previous: StatusChangeRow, u: StatusUpdate): boolean {
  return (
    previous.violationId === u.id &&
    previous.toStatus === u.status &&
    previous.notes === (u.notes ?? null) &&
    previous.changedBy === u.changedBy
  );
}

function keyReused(u: StatusUpdate): StatusUpdateOutcome {
  return {
    kind: 'conflict',
    reason: 'idempotency_key_reused',
    message: `Idempotency key "${u.idempotencyKey}" was already used for a different change`,
  };
}
