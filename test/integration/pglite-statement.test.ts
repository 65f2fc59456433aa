// A statement prepared in PGlite itself answers as PGlite's `query()` does (drizzle's reading of
// the values), reports PostgreSQL's errors with their fields and leaves the connection usable,
// and waits for a transaction in flight instead of running inside it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/client.js';
import { openDatabase } from '../../src/db/client.js';
import { pgErrorOf } from '../../src/db/errors.js';
import { PgliteStatement } from '../../src/db/pglite-statement.js';

describe('PgliteStatement (PGlite)', () => {
  let handle: DatabaseHandle;

  beforeAll(async () => {
    handle = await openDatabase({ dataDir: 'memory://' });
    await handle.pglite!.exec(`
      create table t (id bigint, x float8, n int4, s text, at timestamptz, j jsonb);
      insert into t values
        (1, 0.5, 7, 'ä "quoted"', '2026-11-30 12:00:00.123456+00', '{"a": [1, 2]}'),
        (2, null, null, null, null, null);`);
  });

  afterAll(async () => {
    await handle?.close();
  });

  it('answers the rows PGlite answers, numbers as numbers and the rest as text', async () => {
    const text = 'select id, x, n, s, at, j::text as j from t where id >= $1 order by id limit $2';
    const statement = new PgliteStatement(handle.pglite!, text);
    const rows = await statement.rows([1, 10]);
    // What PGlite's query() answers with drizzle's parsers (timestamps kept as text).
    const viaQuery = await handle.pglite!.query<Record<string, unknown>>(text, [1, 10], {
      parsers: { 1184: (v: string) => v },
    });
    expect(rows).toEqual(viaQuery.rows);
    expect(rows[0]).toEqual({
      id: 1,
      x: 0.5,
      n: 7,
      s: 'ä "quoted"',
      at: '2026-11-30 12:00:00.123456+00',
      j: '{"a": [1, 2]}',
    });
    expect(rows[1]).toEqual({ id: 2, x: null, n: null, s: null, at: null, j: null });
    // Run again: the same answer from the statement prepared once.
    expect(await statement.rows([2, 10])).toEqual([rows[1]]);
  });

  it('sends parameters in their text form: booleans, JSON, dates and null', async () => {
    const statement = new PgliteStatement(
      handle.pglite!,
      `select $1::bool::text as b, $2::jsonb::text as j, $3::timestamptz = 'epoch' as t, $4::text as n`,
    );
    expect(await statement.rows([true, { a: [1] }, new Date(0), null])).toEqual([
      { b: 'true', j: '{"a": [1]}', t: true, n: null },
    ]);
  });

  it('throws PostgreSQL errors with their fields, and the connection stays usable', async () => {
    const statement = new PgliteStatement(handle.pglite!, 'select id from t where at >= $1');
    const error = await statement.rows(['not a time']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(pgErrorOf(error)).toMatchObject({ code: '22007', severity: 'ERROR' });
    expect((error as Error).message).toMatch(/invalid input syntax for type timestamp/);
    expect(await statement.rows(['2000-01-01T00:00:00Z'])).toEqual([{ id: 1 }]);
    expect((await handle.pglite!.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('with genericPlan, runs on one plan for any values; the setting ends with each run', async () => {
    const text = 'select id from t where id >= $1 order by id desc limit $2';
    const statement = new PgliteStatement(handle.pglite!, text, { genericPlan: true });
    for (const from of [0, 1, 2]) expect(await statement.rows([from, 1])).toEqual([{ id: 2 }]);
    const plans = await handle.pglite!.query(
      'select generic_plans::int, custom_plans::int from pg_prepared_statements where statement = $1',
      [text],
    );
    expect(plans.rows).toEqual([{ generic_plans: 3, custom_plans: 0 }]);
    const mode = async () => (await handle.pglite!.query('show plan_cache_mode')).rows;
    expect(await mode()).toEqual([{ plan_cache_mode: 'auto' }]);
    expect(pgErrorOf(await statement.rows(['x', 1]).catch((e: unknown) => e))?.code).toBe('22P02');
    expect(await mode()).toEqual([{ plan_cache_mode: 'auto' }]);
  });

  it('prepares again after a failed prepare', async () => {
    const statement = new PgliteStatement(handle.pglite!, 'select v from later order by v');
    expect(pgErrorOf(await statement.rows([]).catch((e: unknown) => e))?.code).toBe('42P01');
    await handle.pglite!.exec(`create table later (v text); insert into later values ('here');`);
    expect(await statement.rows([])).toEqual([{ v: 'here' }]);
  });

  it('is refused once PGlite is closed, as its queries are', async () => {
    const other = await openDatabase({ dataDir: 'memory://' });
    const statement = new PgliteStatement(other.pglite!, 'select 1 as one');
    expect(await statement.rows([])).toEqual([{ one: 1 }]);
    await other.close();
    await expect(statement.rows([])).rejects.toThrow(/closed/);
  });

  it('waits for a transaction in flight, and sees what it committed', async () => {
    const statement = new PgliteStatement(handle.pglite!, 'select count(*)::int4 as c from t');
    let release!: () => void;
    let inserted!: () => void;
    const didInsert = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    const tx = handle.pglite!.transaction(async (t) => {
      await t.query(`insert into t (id) values (3)`);
      inserted();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await didInsert;
    let answered = false;
    const counted = statement.rows([]).then((rows) => {
      answered = true;
      return rows;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(answered).toBe(false);
    release();
    await tx;
    expect(await counted).toEqual([{ c: 3 }]);
  });
});
