// The rollout tables as the store and the control service see them: row types, the reads both
// share, the seeding of flags that have no row yet, and the NOTIFY that tells every replica.
import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { rolloutChanges, rolloutFlags } from '../db/schema.js';

/** The channel every gateway LISTENs on; the payload is the changed flag. */
export const ROLLOUT_CHANNEL = 'rollout_changed';

/** The schedule a seeded flag gets (the old service's own migration plan: 5% → 100%). */
export const DEFAULT_STEPS: readonly number[] = [5, 10, 25, 50, 100];

export type RolloutRow = typeof rolloutFlags.$inferSelect;
export type RolloutChangeRow = typeof rolloutChanges.$inferSelect;
export type RolloutMode = RolloutRow['mode'];
export type RolloutAction = RolloutChangeRow['action'];

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Runner = Db | Tx;

export async function loadFlags(db: Runner, flag?: string): Promise<RolloutRow[]> {
  // rollout.load-flags
  const query = db.select().from(rolloutFlags).orderBy(rolloutFlags.flag);
  return flag === undefined ? query : query.where(eq(rolloutFlags.flag, flag));
}

export async function loadChanges(
  db: Runner,
  opts: { flag?: string | undefined; limit: number },
): Promise<RolloutChangeRow[]> {
  // rollout.load-changes: newest first
  const query = db.select().from(rolloutChanges).orderBy(desc(rolloutChanges.id)).limit(opts.limit);
  return opts.flag === undefined ? query : query.where(eq(rolloutChanges.flag, opts.flag));
}

/** Asks every listening gateway to re-read `flag`; delivered when the transaction commits. */
export async function notifyChange(db: Runner, flag: string): Promise<void> {
  // rollout.notify
  await db.execute(sql`select pg_notify(${ROLLOUT_CHANNEL}, ${flag})`);
}

/**
 * Inserts a row for every flag that has none, at its environment percentage, with a `seed` entry
 * in the change log. Existing rows are left alone: once a flag has a row, the database is the
 * source of truth. Safe when replicas start together (`on conflict do nothing`).
 */
export async function seedFlags(
  db: Db,
  percents: Readonly<Record<string, number>>,
  steps: readonly number[] = DEFAULT_STEPS,
): Promise<RolloutRow[]> {
  const values = Object.entries(percents).map(([flag, percent]) => ({
    flag,
    percent,
    steps: [...steps],
    updatedBy: 'env',
  }));
  if (values.length === 0) return [];
  return db.transaction(async (tx) => {
    // rollout.seed-flags
    const inserted = await tx.insert(rolloutFlags).values(values).onConflictDoNothing().returning();
    if (inserted.length === 0) return inserted;
    // rollout.seed-changes
    await tx.insert(rolloutChanges).values(
      inserted.map((row) => ({
        flag: row.flag,
        by: 'env',
        action: 'seed' as const,
        toPercent: row.percent,
        toMode: row.mode,
        version: row.version,
        reason: 'seeded from ROLLOUT_PERCENT / ROLLOUT_PERCENT_<FLAG>',
      })),
    );
    for (const row of inserted) await notifyChange(tx, row.flag);
    return inserted;
  });
}
