// EXPLAIN (ANALYZE, BUFFERS) of exactly the statements a statistics source sends: a database
// handle whose rows() runs each statement and, beside it, its plan (warm: after the load runs).
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { type DatabaseHandle, openDatabase } from '../src/db/client.js';
import type { StatisticsSource } from '../src/domain/types.js';
import { EventRepository } from '../src/repositories/event-repository.js';
import { StatisticsRepository } from '../src/repositories/statistics-repository.js';
import { RECENT_SQL, TYPED_SQL } from './data.js';
import { RawStatistics } from './raw-statistics.js';

export interface Plan {
  /** The statement's `-- name:` comment in the repository, or its first words. */
  name: string;
  sql: string;
  plan: string;
  ms: number;
}

function nameOf(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 60);
}

async function explainSource(
  url: string,
  make: (handle: DatabaseHandle) => StatisticsSource,
  runs: number,
): Promise<Plan[]> {
  const handle = await openDatabase({ url, poolMax: 1 });
  const dialect = new PgDialect();
  let plans: Plan[] = [];
  const explaining: DatabaseHandle = {
    ...handle,
    rows: async <T>(query: SQL) => {
      const q = dialect.sqlToQuery(query);
      const rows = await handle.sql!.unsafe(
        `explain (analyze, buffers, timing off, summary on) ${q.sql}`,
        q.params as never[],
      );
      const plan = rows.map((r) => r['QUERY PLAN'] as string).join('\n');
      const ms = Number(/Execution Time: ([\d.]+)/.exec(plan)?.[1] ?? Number.NaN);
      plans.push({ name: nameOf(q.sql), sql: q.sql.trim(), plan, ms });
      return handle.rows<T>(query);
    },
  };
  try {
    const source = make(explaining);
    for (let i = 0; i < runs; i++) {
      plans = [];
      await source.realtimeStatistics(new Date());
    }
    return plans;
  } finally {
    await handle.close();
  }
}

const options = () => ({ timeZone: 'UTC', startedAt: new Date() });

/** The product's statements: totals from the per-minute rollup. */
export function explainStatistics(url: string, runs = 3): Promise<Plan[]> {
  return explainSource(url, (h) => new StatisticsRepository(h, options()), runs);
}

/** The same with the totals statement from before the rollup (bench/raw-statistics.ts). */
export function explainRawStatistics(url: string, runs = 3): Promise<Plan[]> {
  return explainSource(url, (h) => new RawStatistics(h, options()), runs);
}

export async function explainRecentEvents(url: string): Promise<Plan> {
  const handle = await openDatabase({ url, poolMax: 1 });
  try {
    const since = new Date(Date.now() - 3_600_000);
    const rows = await handle.sql!.unsafe(`explain (analyze, buffers) ${RECENT_SQL}`, [
      since.toISOString(),
      100,
    ]);
    const plan = rows.map((r) => r['QUERY PLAN'] as string).join('\n');
    const ms = Number(/Execution Time: ([\d.]+)/.exec(plan)?.[1] ?? Number.NaN);
    return { name: 'events.recent', sql: RECENT_SQL, plan, ms };
  } finally {
    await handle.close();
  }
}

/** The SQL EventRepository sends for the shim's query, which the baseline must send too. */
export async function checkRecentSql(url: string): Promise<void> {
  const seen: string[] = [];
  const handle = await openDatabase({ url, poolMax: 1, onQuery: (q) => seen.push(q) });
  try {
    const repository = new EventRepository(handle.db);
    await repository.recentEvents({ limit: 100, since: new Date() }, { projection: 'raw' });
    await repository.recentEvents({ limit: 100, since: new Date() }, { projection: 'typed' });
  } finally {
    await handle.close();
  }
  if (seen[0] !== RECENT_SQL || seen[1] !== TYPED_SQL) {
    throw new Error(`the repository's SQL changed:\n${seen.join('\n')}`);
  }
}
