// Reference data for the demo and for empty installations: the five regions of the legacy
// kitchen layout and eight cameras cam0..cam7. Seeding is idempotent and never overwrites rows
// an operator has edited.
import type { DatabaseHandle } from '../db/client.js';
import { cameras, regions } from '../db/schema.js';

/** The legacy log's region names (evidence.region) with stable ids for the domain model. */
export const REGIONS = [
  { id: 'entrance', name: '入口线' },
  { id: 'handwash_stand', name: '洗手站立区域' },
  { id: 'sink', name: '洗手池区域' },
  { id: 'drying', name: '烘干区域' },
  { id: 'work_area', name: '工作区区域' },
] as const;

export interface DemoCamera {
  id: string;
  name: string;
  regionId: string;
  regionName: string;
}

/** cam0..cam7, assigned to the regions in turn (cam5..cam7 double up the first three). */
export const CAMERAS: readonly DemoCamera[] = Array.from({ length: 8 }, (_, i) => {
  const region = REGIONS[i % REGIONS.length]!;
  return {
    id: `cam${i}`,
    name: `Camera ${i} (${region.name})`,
    regionId: region.id,
    regionName: region.name,
  };
});

export async function seedReference(handle: DatabaseHandle): Promise<void> {
  await handle.db.transaction(async (tx) => {
    // No conflict target: an existing id or an existing region name both mean "already there".
    await tx
      .insert(regions)
      .values(REGIONS.map((r) => ({ id: r.id, name: r.name })))
      .onConflictDoNothing();
    await tx
      .insert(cameras)
      .values(
        CAMERAS.map((c) => ({ id: c.id, name: c.name, regionId: c.regionId, isActive: true })),
      )
      .onConflictDoNothing();
  });
}
