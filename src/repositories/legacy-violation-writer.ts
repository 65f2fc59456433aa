// Legacy path of violation status changes: the old service's single UPDATE on violation_events,
// with no audit row and no idempotency (it never had either). It reports an unknown id as not
// found (the 404 correction) where the old service answered 200.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { isDefiniteFailure } from '../db/errors.js';
import { violationEvents } from '../db/schema.js';
import {
  type StatusUpdate,
  type StatusUpdateOutcome,
  statusColumns,
  type ViolationStatusWriter,
} from '../domain/violations.js';
import { WriteOutcomeUnknownError, WriteRolledBackError } from '../domain/write-errors.js';

export class LegacyViolationWriter implements ViolationStatusWriter {
  constructor(private readonly db: Db) {}

  async updateStatus(u: StatusUpdate): Promise<StatusUpdateOutcome> {
    try {
      // name: violations.updateStatusLegacy (one autocommit statement)
      const [violation] = await this.db
        .update(violationEvents)
        .set(statusColumns(u))
        .where(eq(violationEvents.id, u.id))
        .returning();
      return violation
        ? { kind: 'updated', violation, change: null, replayed: false }
        : { kind: 'not_found', id: u.id };
    } catch (error) {
      // The server refusing the statement means it did not apply; a dropped connection means
      // it may have committed on its own (autocommit) and nobody can say.
      if (isDefiniteFailure(error)) {
        throw new WriteRolledBackError('legacy UPDATE failed, nothing applied', { cause: error });
      }
      throw new WriteOutcomeUnknownError('connection lost during the legacy UPDATE', {
        cause: error,
      });
    }
  }
}
