// The guard's tables: guards (one per flag), the evidence rows every replica publishes (one per
// flag, version and replica, with cumulative totals, so a write is idempotent and only its
// replica writes it), the bounded mismatch store, and the controller lease.
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  rolloutController,
  rolloutEvidence,
  rolloutGuards,
  rolloutMismatches,
} from '../db/schema.js';
import { addCounts, type EvidenceCounts, type EvidenceEntry, emptyCounts } from './evidence.js';
import type { GuardConfig } from './guard-rules.js';
import type { MismatchRecord } from './shadow.js';

export type GuardRow = typeof rolloutGuards.$inferSelect;
export type MismatchRow = typeof rolloutMismatches.$inferSelect;

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Runner = Db | Tx;

export function guardConfig(row: GuardRow): GuardConfig {
  return {
    steps: row.steps,
    holdMs: row.holdMs,
    minRequests: row.minRequests,
    minComparisons: row.minComparisons,
    maxErrorRate: row.maxErrorRate,
    maxFallbackRate: row.maxFallbackRate,
    maxMismatchRate: row.maxMismatchRate,
    maxP99Ratio: row.maxP99Ratio,
    srmPValue: row.srmPValue,
    onBreach: row.onBreach,
  };
}

export async function loadGuards(db: Runner, flag?: string): Promise<GuardRow[]> {
  // guard.load
  const query = db.select().from(rolloutGuards).orderBy(rolloutGuards.flag);
  return flag === undefined ? query : query.where(eq(rolloutGuards.flag, flag));
}

export async function saveGuard(
  tx: Runner,
  flag: string,
  config: GuardConfig,
  by: string,
  reason: string,
): Promise<void> {
  const values = { ...config, steps: [...config.steps], updatedBy: by, reason };
  // guard.save
  await tx
    .insert(rolloutGuards)
    .values({ flag, ...values })
    .onConflictDoUpdate({ target: rolloutGuards.flag, set: { ...values, updatedAt: sql`now()` } });
}

export async function deleteGuard(tx: Runner, flag: string): Promise<boolean> {
  // guard.delete
  const gone = await tx.delete(rolloutGuards).where(eq(rolloutGuards.flag, flag)).returning();
  return gone.length > 0;
}

/** Writes this replica's cumulative totals (idempotent: a retry writes the same numbers). */
export async function publishEvidence(
  db: Runner,
  replica: string,
  entries: EvidenceEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => ({ ...e, replica, updatedAt: new Date() }));
  const excluded = (column: string) => sql.raw(`excluded.${column}`);
  // guard.publish-evidence
  await db
    .insert(rolloutEvidence)
    .values(rows)
    .onConflictDoUpdate({
      target: [rolloutEvidence.flag, rolloutEvidence.version, rolloutEvidence.replica],
      set: Object.fromEntries(
        [
          'domain_runs',
          'domain_errors',
          'domain_served',
          'fallbacks',
          'comparisons',
          'mismatches',
          'noise',
          'bucket_domain',
          'bucket_legacy',
          'domain_latency',
          'legacy_latency',
          'updated_at',
        ].map((c) => [camel(c), excluded(c)]),
      ),
    });
}

function camel(column: string): string {
  return column.replace(/_(.)/g, (_, c: string) => c.toUpperCase());
}

/** Every replica's totals for one version of a flag, summed. */
export async function sumEvidence(
  db: Runner,
  flag: string,
  version: number,
): Promise<{ counts: EvidenceCounts; replicas: number }> {
  // guard.sum-evidence: a handful of rows (one per replica)
  const rows = await db
    .select()
    .from(rolloutEvidence)
    .where(and(eq(rolloutEvidence.flag, flag), eq(rolloutEvidence.version, version)));
  const counts = rows.reduce<EvidenceCounts>((acc, row) => addCounts(acc, row), emptyCounts());
  return { counts, replicas: rows.length };
}

/** Drops the evidence of earlier versions (steps) of a flag. */
export async function pruneEvidence(db: Runner, flag: string, version: number): Promise<void> {
  // guard.prune-evidence
  await db
    .delete(rolloutEvidence)
    .where(and(eq(rolloutEvidence.flag, flag), lt(rolloutEvidence.version, version)));
}

/** Stores a mismatch and keeps only the newest `keep` of its flag. */
export async function insertMismatch(db: Db, record: MismatchRecord, keep: number): Promise<void> {
  await db.transaction(async (tx) => {
    // guard.lock-mismatches: one writer per flag at a time, so the bound holds exactly
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtext(${`rollout_mismatches:${record.flag}`}))`,
    );
    // guard.insert-mismatch
    await tx.insert(rolloutMismatches).values({
      flag: record.flag,
      version: record.version,
      args: record.args ?? {},
      keyHash: record.keyHash,
      primaryPath: record.primaryPath,
      primaryMs: record.primaryMs,
      shadowMs: record.shadowMs,
      // JSON has no undefined: a side without the path is null there.
      diff: record.diff.map((d) => ({
        path: d.path,
        primary: d.primary ?? null,
        shadow: d.shadow ?? null,
      })),
    });
    // guard.trim-mismatches: the bound per flag
    await tx.execute(sql`
      delete from rollout_mismatches where flag = ${record.flag} and id < (
        select min(id) from (
          select id from rollout_mismatches where flag = ${record.flag}
          order by id desc limit ${keep}) newest)`);
  });
}

export async function loadMismatches(
  db: Runner,
  flag: string,
  limit: number,
): Promise<MismatchRow[]> {
  // guard.load-mismatches: newest first
  return db
    .select()
    .from(rolloutMismatches)
    .where(eq(rolloutMismatches.flag, flag))
    .orderBy(desc(rolloutMismatches.id))
    .limit(limit);
}

/**
 * Takes or renews the lease `name` for `holder` for `ttlMs`: succeeds when the lease is free,
 * expired or already this holder's. The database's clock decides, so replicas' clocks may differ.
 */
export async function acquireLease(
  db: Runner,
  name: string,
  holder: string,
  ttlMs: number,
): Promise<boolean> {
  const expires = sql`now() + ${`${ttlMs} milliseconds`}::interval`;
  // guard.acquire-lease
  const rows = await db
    .insert(rolloutController)
    .values({ name, holder, expiresAt: expires as unknown as Date })
    .onConflictDoUpdate({
      target: rolloutController.name,
      set: {
        holder,
        expiresAt: expires as unknown as Date,
        acquiredAt: sql`case when ${rolloutController.holder} = ${holder} then ${rolloutController.acquiredAt} else now() end`,
      },
      setWhere: sql`${rolloutController.holder} = ${holder} or ${rolloutController.expiresAt} < now()`,
    })
    .returning({ holder: rolloutController.holder });
  return rows[0]?.holder === holder;
}

export async function releaseLease(db: Runner, name: string, holder: string): Promise<void> {
  // guard.release-lease
  await db
    .delete(rolloutController)
    .where(and(eq(rolloutController.name, name), eq(rolloutController.holder, holder)));
}

export async function leaseOf(
  db: Runner,
  name: string,
): Promise<{ holder: string; acquiredAt: Date; expiresAt: Date } | null> {
  // guard.lease
  const [row] = await db.select().from(rolloutController).where(eq(rolloutController.name, name));
  return row ?? null;
}
