// The violation status write: what both paths of updateViolationStatus take and answer, and the
// columns a change sets (the same on both paths, so their answers agree).
import type {
  ViolationStatusValue,
  violationEvents,
  violationStatusHistory,
} from '../db/schema.js';

export type ViolationRow = typeof violationEvents.$inferSelect;
export type StatusChangeRow = typeof violationStatusHistory.$inferSelect;

export interface StatusUpdate {
  /** Ids outside the safe integer range arrive as -1: they cannot exist. */
  id: number;
  status: ViolationStatusValue;
  /** null/undefined keep the current value, on both paths. */
  notes?: string | null | undefined;
  handledBy?: string | null | undefined;
  /** The audit `by`: the authenticated principal, else handledBy. */
  changedBy: string | null;
  at: Date;
  requestId: string;
  idempotencyKey?: string | undefined;
}

export type StatusUpdateOutcome =
  | { kind: 'updated'; violation: ViolationRow; change: StatusChangeRow | null; replayed: boolean }
  | { kind: 'not_found'; id: number }
  | { kind: 'conflict'; reason: 'idempotency_key_reused'; message: string };

/** What both paths of `updateViolationStatus` implement (the legacy one writes no history). */
export interface ViolationStatusWriter {
  /** Throws WriteRolledBackError (nothing applied) or WriteOutcomeUnknownError. */
  updateStatus(update: StatusUpdate): Promise<StatusUpdateOutcome>;
}

/** The columns a status change sets, the same on both paths so their answers agree. */
export function statusColumns(u: StatusUpdate) {
  // drizzle leaves undefined keys out of SET: absent notes/handledBy keep their value.
  return {
    status: u.status,
    notes: u.notes ?? undefined,
    handledBy: u.handledBy ?? undefined,
    handledAt: u.at,
    updatedAt: u.at,
  };
}
