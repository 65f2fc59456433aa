// The old service's `hbd_events_total` series on /metrics (per camera and type, per type, and the
// total), so existing dashboards keep working. Counted from the ingested `events` table
// incrementally: each scrape only aggregates the rows added since the previous one (by id), so
// a scrape never re-reads the whole log or table after the first.
import { Counter, type Registry } from 'prom-client';
import type { DatabaseHandle } from '../db/client.js';
import { eventCountsSince } from '../repositories/event-counts.js';

export function registerLegacyEventCounter(registry: Registry, handle: DatabaseHandle): void {
  if (registry.getSingleMetric('hbd_events_total')) return; // one per registry
  let lastId = 0;
  let pending: Promise<void> | undefined;

  async function catchUp(counter: Counter<'camera' | 'type'>) {
    const rows = await eventCountsSince(handle, lastId);
    for (const row of rows) {
      const n = Number(row.n);
      const type = row.type ?? '';
      if (row.camera_id !== null) counter.inc({ camera: row.camera_id, type }, n);
      counter.inc({ type }, n);
      counter.inc(n);
      lastId = Math.max(lastId, Number(row.max_id));
    }
  }

  new Counter({
    name: 'hbd_events_total',
    help: 'Events in the legacy event log (per camera and type, per type, and in total), as the old service reported them.',
    labelNames: ['camera', 'type'] as const,
    registers: [registry],
    async collect() {
      // Concurrent scrapes share one catch-up, so no row is counted twice.
      pending ??= catchUp(this).finally(() => {
        pending = undefined;
      });
      await pending;
    },
  });
}
