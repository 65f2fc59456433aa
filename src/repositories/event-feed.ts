// The domain path's live events: the ingester announces each committed batch with
// `NOTIFY events_added '<first id>:<last id>'` (sent in the batch's transaction, so delivered only
// once it committed, to every listening gateway on the database). The feed LISTENs once per
// process, reads each announced range and hands on the rows it has not handed on already (two
// ingesters' ranges may interleave, so a range can hold another batch's rows). PGlite delivers
// notifications in process. A LISTEN re-established after a lost connection reads what was
// committed meanwhile (ids past the last one seen), up to `catchUpLimit` rows.
import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../db/client.js';
import type { EventRecord } from '../domain/types.js';
import { type DriverRow, toEventRecord } from './event-repository.js';

/** The channel the ingester notifies on. */
export const EVENTS_CHANNEL = 'events_added';

export interface EventFeedOptions {
  /** Called when a notification could not be read (the rows are then not handed on). */
  onError?: (error: unknown) => void;
  /** Most rows read after a reconnect. Default 10,000. */
  catchUpLimit?: number;
}

/** Ids already handed on; only the newest are remembered (duplicates come from nearby ranges). */
const REMEMBERED_IDS = 100_000;

export class EventFeed {
  readonly #handle: DatabaseHandle;
  readonly #options: EventFeedOptions;
  readonly #seen = new Set<number>();
  #maxId = 0;
  #emit: ((records: EventRecord[]) => void) | undefined;
  #unlisten: (() => Promise<void>) | undefined;
  #reads: Promise<void> = Promise.resolve();
  #listened = false;

  constructor(handle: DatabaseHandle, options: EventFeedOptions = {}) {
    this.#handle = handle;
    this.#options = options;
  }

  /** LISTENs; resolves once notifications are being received (rejects if LISTEN fails). */
  async start(emit: (records: EventRecord[]) => void): Promise<void> {
    this.#emit = emit;
    const { sql: client, pglite } = this.#handle;
    if (client) {
      const { unlisten } = await client.listen(EVENTS_CHANNEL, this.#onPayload, this.#onListen);
      this.#unlisten = unlisten;
    } else if (pglite) {
      const unlisten = await pglite.listen(EVENTS_CHANNEL, this.#onPayload);
      this.#unlisten = () => unlisten();
    }
  }

  async stop(): Promise<void> {
    this.#emit = undefined;
    await this.#unlisten?.().catch(() => {});
    this.#unlisten = undefined;
    this.#listened = false;
    await this.#reads;
  }

  #onPayload = (payload: string): void => {
    const match = /^(\d+):(\d+)$/.exec(payload);
    if (!match) return;
    this.#enqueue(() => this.#readRange(Number(match[1]), Number(match[2])));
  };

  // postgres.js calls this after the first LISTEN and after each reconnect.
  #onListen = (): void => {
    if (!this.#listened) {
      this.#listened = true;
      return;
    }
    if (this.#maxId > 0) this.#enqueue(() => this.#readAfter(this.#maxId));
  };

  /** Reads one at a time, so rows are handed on in notification order. */
  #enqueue(read: () => Promise<void>): void {
    this.#reads = this.#reads.then(read).catch((error: unknown) => this.#options.onError?.(error));
  }

  async #readRange(first: number, last: number): Promise<void> {
    // event-feed.range
    const rows = await this.#handle.rows<DriverRow & { id: number | string }>(sql`
      select id, ts, occurred_at, type, camera_id, track_id, evidence::text as evidence, raw
      from events where id between ${first} and ${last} order by id`);
    this.#handOn(rows);
  }

  async #readAfter(after: number): Promise<void> {
    // event-feed.catch-up
    const rows = await this.#handle.rows<DriverRow & { id: number | string }>(sql`
      select id, ts, occurred_at, type, camera_id, track_id, evidence::text as evidence, raw
      from events where id > ${after} order by id limit ${this.#options.catchUpLimit ?? 10_000}`);
    this.#handOn(rows);
  }

  #handOn(rows: (DriverRow & { id: number | string })[]): void {
    const fresh: EventRecord[] = [];
    for (const row of rows) {
      const id = Number(row.id);
      if (this.#seen.has(id)) continue;
      this.#seen.add(id);
      if (id > this.#maxId) this.#maxId = id;
      fresh.push(toEventRecord(row));
    }
    while (this.#seen.size > REMEMBERED_IDS) {
      this.#seen.delete(this.#seen.values().next().value!);
    }
    if (fresh.length > 0) this.#emit?.(fresh);
  }
}
