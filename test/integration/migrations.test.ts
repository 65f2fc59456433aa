import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { expect, it } from 'vitest';
import {
  appliedMigrationCount,
  expectedMigrationCount,
  migrationsFolder,
  runMigrations,
} from '../../src/db/migrate.js';
import { createTestDatabase, describeEachDb } from '../helpers/db.js';
import { rollupMismatches } from '../helpers/rollup.js';

/** A copy of the committed migrations that stops after the one tagged `lastTag`. */
async function migrationsUpTo(lastTag: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'gw-migrations-'));
  await cp(migrationsFolder, folder, { recursive: true });
  const path = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(await readFile(path, 'utf8')) as { entries: { tag: string }[] };
  const last = journal.entries.findIndex((e) => e.tag === lastTag);
  if (last < 0) throw new Error(`no migration ${lastTag}`);
  journal.entries = journal.entries.slice(0, last + 1);
  await writeFile(path, JSON.stringify(journal));
  return folder;
}

describeEachDb('migrations', (db, kind) => {
  it('creates every table of the domain model', async () => {
    const rows = await db().rows<{ table_name: string }>(
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'alert_deliveries',
      'alert_history',
      'alert_rule_changes',
      'alert_rule_state',
      'alert_rules',
      'cameras',
      'detection_records',
      'detection_stats_minute',
      'events',
      'ingest_checkpoints',
      'regions',
      'rollout_changes',
      'rollout_controller',
      'rollout_evidence',
      'rollout_flags',
      'rollout_guards',
      'rollout_mismatches',
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

  it.each([
    ['alert history', 'select id from alert_history order by "timestamp" desc, id desc limit 100'],
    [
      'alert history of a camera',
      `select id from alert_history where camera_id = 'cam0' order by "timestamp" desc, id desc limit 100`,
    ],
    ['alert rules', 'select id from alert_rules order by updated_at desc, id desc'],
  ])('serves the %s order, tie-breaker included, from an index', async (_, query) => {
    const plan = await db().db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_bitmapscan = off`);
      const result = await tx.execute(sql.raw(`explain ${query}`));
      return ((result as { rows?: unknown }).rows ?? result) as Record<string, string>[];
    });
    const text = plan.map((r) => Object.values(r)[0]).join('\n');
    expect(text).not.toMatch(/Sort/);
    expect(text).toMatch(/Index/);
  });

  it('fills the statistics rollup from the rows a running deployment already has', async () => {
    const folder = await migrationsUpTo('0001_rollout_control_plane');
    const old = await createTestDatabase(kind, folder);
    try {
      await old.handle.rows(sql`
        insert into detection_records (camera_id, recorded_at, handwash_events, processing_time,
          avg_confidence)
        select 'cam' || g % 8, timestamptz '2026-11-29 10:00Z' - g * interval '7.3 seconds', g % 3,
          g / 997.0, 0.5 + g % 40 / 100.0
        from generate_series(1, 2000) g`);
      await old.handle.rows(sql`
        insert into violation_events (camera_id, occurred_at, violation_type)
        select 'cam1', timestamptz '2026-11-29 10:00Z' - g * interval '41 seconds', 'no_hairnet'
        from generate_series(1, 300) g`);
      await runMigrations(old.handle);
      expect(await appliedMigrationCount(old.handle)).toBe(expectedMigrationCount());
      const [rollup] = await old.handle.rows<{ detections: string; violations: string }>(
        sql`select sum(detections) detections, sum(violations) violations from detection_stats_minute`,
      );
      expect(rollup).toEqual({ detections: '2000', violations: '300' });
      expect(await rollupMismatches(old.handle)).toBe(0);
    } finally {
      await old.drop();
      await rm(folder, { recursive: true, force: true });
    }
  });
});
