// Per-request DataLoaders for reference data: any number of events resolve their camera and
// region with one query each. Loaders return results in key order and null for missing keys.
import DataLoader from 'dataloader';
import { inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { cameras, regions } from '../db/schema.js';

export type CameraRow = typeof cameras.$inferSelect;
export type RegionRow = typeof regions.$inferSelect;

/** One query per batch; results in key order, null where no row has the key. */
function keyedLoader<Row>(fetch: (keys: string[]) => Promise<Row[]>, keyOf: (row: Row) => string) {
  return new DataLoader<string, Row | null>(async (keys) => {
    const found = new Map((await fetch([...keys])).map((row) => [keyOf(row), row]));
    return keys.map((key) => found.get(key) ?? null);
  });
}

export function createLoaders(db: Db) {
  return {
    cameraById: keyedLoader(
      // name: cameras.byIds
      (ids) => db.select().from(cameras).where(inArray(cameras.id, ids)),
      (camera) => camera.id,
    ),
    regionById: keyedLoader(
      // name: regions.byIds
      (ids) => db.select().from(regions).where(inArray(regions.id, ids)),
      (region) => region.id,
    ),
    regionByName: keyedLoader(
      // name: regions.byNames
      (names) => db.select().from(regions).where(inArray(regions.name, names)),
      (region) => region.name,
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
