// The domain path of recentEvents reads only the columns a selection uses: the REST shim's
// `{ logLine }` reads the logged line alone, typed fields never read it. Whatever the selection
// (fragments, aliases, nested objects), the answer is the one the legacy path gives; and an
// answer that will be compared (shadow) reads what the comparison looks at.
import { beforeAll, expect, it } from 'vitest';
import type { EventProjection, EventSource } from '../../src/domain/types.js';
import { EventRepository } from '../../src/repositories/event-repository.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';
import { buildApp, gql, ingestedFixtureLog } from '../helpers/app.js';
import { describeEachDb } from '../helpers/db.js';

const SELECTIONS: Record<string, [string, EventProjection]> = {
  'the logged line only (the REST shim)': ['logLine', 'raw'],
  'typed fields': ['ts timestamp type cameraId trackId evidence', 'typed'],
  'typed fields and the logged line': ['logLine ts', 'all'],
  'nested objects (camera, region)': ['camera { name } region { name }', 'typed'],
  'the type name only': ['__typename', 'raw'],
  aliases: ['line: logLine when: timestamp', 'all'],
  'a named fragment': ['...F', 'all'],
  'an inline fragment and @include': ['... on Event { type } logLine @include(if: false)', 'all'],
};

describeEachDb('recentEvents reads the columns its selection uses', (db) => {
  let logPath: string;
  beforeAll(async () => {
    logPath = await ingestedFixtureLog(db());
  });

  /** An app whose domain reads are recorded; `percent` of callers on the domain path. */
  function app(percent: number, seen: (EventProjection | undefined)[] = []) {
    const real = new EventRepository(db().db);
    const domain: EventSource = {
      recentEvents: (query, options) => {
        seen.push(options?.projection);
        return real.recentEvents(query, options);
      },
    };
    return buildApp(db(), {
      rolloutState: new StaticRolloutState({ 'events.recent': percent }),
      config: { eventLogPath: logPath },
      services: { events: { domain } },
    });
  }

  it.each(Object.entries(SELECTIONS))('%s', async (_name, [selection, projection]) => {
    const fragment = selection.includes('...F') ? ' fragment F on Event { logLine evidence }' : '';
    const query = `{ recentEvents(limit: 20, minutes: 1440) { ${selection} } }${fragment}`;
    const seen: (EventProjection | undefined)[] = [];
    const domain = await gql(app(100, seen), query);
    const legacy = await gql(app(0), query);
    expect(domain.body.errors).toBeUndefined();
    expect(domain.body.extensions.rollout['events.recent'].path).toBe('domain');
    expect(legacy.body.extensions.rollout['events.recent'].path).toBe('legacy');
    expect(domain.body.data.recentEvents.length).toBeGreaterThan(3);
    expect(domain.body.data).toEqual(legacy.body.data);
    expect(seen).toEqual([projection]);
  });

  it('a field merged with the same field elsewhere reads what both select', async () => {
    // The fragment's field node answers alone in B and merged with the typed field in A.
    const document = `query B { ...Q } query A { ...Q recentEvents(limit: 20, minutes: 1440) { ts } }
      fragment Q on Query { recentEvents(limit: 20, minutes: 1440) { logLine } }`;
    const gateway = app(100);
    const send = (operationName: string) =>
      gateway.fetch('http://gateway/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: document, operationName }),
      });
    const b = await (await send('B')).json();
    const a = await (await send('A')).json();
    expect(b.errors).toBeUndefined();
    expect(a.errors).toBeUndefined();
    expect(a.data.recentEvents[0]).toEqual({
      logLine: b.data.recentEvents[0].logLine,
      ts: expect.any(Number),
    });
  });

  it('the REST shim reads the logged lines only, and answers the legacy bytes', async () => {
    const seen: (EventProjection | undefined)[] = [];
    const url = 'http://gateway/api/v1/events/recent?limit=20&minutes=1440';
    const domain = await app(100, seen).fetch(url);
    const legacy = await app(0).fetch(url);
    expect(domain.headers.get('x-rollout-path')).toBe('domain');
    expect(legacy.headers.get('x-rollout-path')).toBe('legacy');
    expect(await domain.text()).toBe(await legacy.text());
    expect(seen).toEqual(['raw']);
  });

  it('a record read without a column has no value for it', async () => {
    const [line] = await new EventRepository(db().db).recentEvents(
      { limit: 1, since: new Date(0) },
      { projection: 'raw' },
    );
    expect(line?.raw).toMatch(/^\{/);
    expect(line?.type).toBeUndefined();
    const [typed] = await new EventRepository(db().db).recentEvents(
      { limit: 1, since: new Date(0) },
      { projection: 'typed' },
    );
    expect(typed?.occurredAt).toBeInstanceOf(Date);
    expect(typed?.raw).toBeUndefined();
  });
});
