import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import {
  appliedMigrationCount,
  expectedMigrationCount,
  runMigrations,
} from '../../src/db/migrate.js';
import { describeEachDb } from '../helpers/db.js';

describeEachDb('migrations', (db) => {
  it('creates every table of the domain model', async () => {
    const rows = await db().rows<{ table_name: string }>(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'cameras',
      'detection_records',
      'events',
      'ingest_checkpoints',
      'regions',
      'rollout_changes',
      'rollout_flags',
      'violation_events',
      'violation_status_history',
    ]);
  });

  it('records every committed migration as applied, and applying again changes nothing', async () => {
    expect(await appliedMigrationCount(db())).toBe(expectedMigrationCount());
    await runMigrations(db());
    expect(await appliedMigrationCount(db())).toBe(expectedMigrationCount());
  });

  it('serves the recent-events order from the index, without a sort', async () => {
    // With sequential scans priced out, the only sort-free plan is an index whose order matches.
    const plan = await db().db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_bitmapscan = off`);
      const result = await tx.execute(
        sql`explain select id from events where occurred_at >= now() - interval '1 hour' order by occurred_at desc, id desc limit 100`,
      );
      const rows = (result as { rows?: unknown }).rows ?? result;
      return rows as Record<string, string>[];
    });
    const text = plan.map((r) => Object.values(r)[0]).join('\n');
    expect(text).not.toMatch(/Sort/);
  });
});
