// Per-request DataLoaders for reference data: any number of events resolve their camera and
// region with one query each. Loaders return results in key order and null for missing keys.
import DataLoader from 'dataloader';
import { inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { cameras, regions } from '../db/schema.js';

export type CameraRow = typeof cameras.$inferSelect;
export type RegionRow = typeof regions.$inferSelect;

function byKey<K, V>(keys: readonly K[], rows: V[], keyOf: (row: V) => K): (V | null)[] {
  const found = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.map((key) => found.get(key) ?? null);
}

export function createLoaders(db: Db) {
  return {
    cameraById: new DataLoader<string, CameraRow | null>(async (ids) =>
      // name: cameras.byIds
      byKey(ids, await db.select().from(cameras).where(inArray(cameras.id, [...ids])), (c) => c.id),
    ),
    regionById: new DataLoader<string, RegionRow | null>(async (ids) =>
      // name: regions.byIds
      byKey(ids, await db.select().from(regions).where(inArray(regions.id, [...ids])), (r) => r.id),
    ),
    regionByName: new DataLoader<string, RegionRow | null>(async (names) =>
      byKey(
        names,
        // name: regions.byNames
        await db.select().from(regions).where(inArray(regions.name, [...names])),
        (r) => r.name,
      ),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
