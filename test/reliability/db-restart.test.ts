// A real PostgreSQL crash and restart under load. A private cluster (initdb + pg_ctl on a free
// port) is stopped with `-m immediate` while 16 clients read and write through the gateway process,
// and started again 5 s later. What a user of the gateway must see:
// - within 10 s of the database accepting connections, reads are served by the domain path again
//   (no fallback) and /ready says 200;
// - /ready answers within 1 s at every moment, 503 while the database is away;
// - no status change is applied by the legacy path (the flag stands at 100%: every write is a
//   domain write, answered 200 with its audit row, or 503 and then not applied or unknown);
// - every routed request reports the committed percentage, never the seed or a default.
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { createLogger } from '../../src/ops/logger.js';
import { RolloutControl } from '../../src/rollout/control.js';
import { createPrivateCluster, findPostgresBin, type PrivateCluster } from './cluster.js';
import { type GatewayProcess, startGatewayProcess } from './gateway.js';

const bin = findPostgresBin();
if (!bin && process.env.REQUIRE_POSTGRES === '1') {
  throw new Error('REQUIRE_POSTGRES=1 but no initdb/pg_ctl under /usr/lib/postgresql/*/bin');
}
if (!bin) {
  console.warn(
    'SKIPPED test/reliability/db-restart: no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql/*/bin',
  );
}

const CLIENTS = 16;
const VIOLATIONS = 20_000;
const DOWN_MS = 5000;
const RECOVERY_MS = 10_000;

interface Sample {
  kind: 'read' | 'write' | 'ready';
  start: number;
  end: number;
  status: number;
  path?: string | null;
  reason?: string | null;
  percent?: number | null;
  fallback?: boolean;
  requestId?: string;
  violationId?: number;
  code?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!bin)('a PostgreSQL crash and restart under load', () => {
  let cluster: PrivateCluster;
  let gateway: GatewayProcess | undefined;
  let admin: postgres.Sql;

  beforeAll(async () => {
    cluster = await createPrivateCluster(bin!);
    const handle = await openDatabase({ url: cluster.url, poolMax: 2 });
    await runMigrations(handle);
    await handle.close();
    admin = postgres(cluster.url, { max: 2, onnotice: () => {} });
    await admin`
      insert into violation_events (camera_id, occurred_at, violation_type)
      select 'cam0', now() - make_interval(secs => g), 'no_hairnet' from generate_series(1, ${VIOLATIONS}) g`;
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await admin?.end({ timeout: 1 });
    await cluster?.destroy();
  });

  it('is fully healthy again within 10 s, /ready stays bounded, no write lands on legacy', async () => {
    // Committed state: every flag at 100%. The environment seeds 0%, so a seed value leaking into
    // routing would show as percent 0 in a report.
    const seedEnv = {
      DATABASE_URL: cluster.url,
      ROLLOUT_PERCENT: '0',
      DB_POOL_MAX: '10',
      INGEST: 'off',
      DEMO: 'off',
      EVENT_LOG_PATH: `${cluster.dir}/events.jsonl`,
      WRITE_TIMEOUT_MS: '2000',
    };
    gateway = await startGatewayProcess(seedEnv);
    const controlDb = await openDatabase({ url: cluster.url, poolMax: 1 });
    const control = new RolloutControl(controlDb.db);
    const logger = createLogger('silent');
    for (const flag of ['events.recent', 'statistics.realtime', 'violations.updateStatus']) {
      const result = await control.set(
        { flag, actor: 'test', reason: 'full rollout', logger },
        100,
      );
      expect(result.ok).toBe(true);
    }
    await controlDb.close();
    const base = gateway.base;
    // The gateway hears the change through NOTIFY.
    await waitFor(async () => (await read(base, 'warmup')).percent === 100, 5000);

    const samples: Sample[] = [];
    let running = true;
    let nextViolation = 1;
    const t0 = performance.now();
    const clients = Array.from({ length: CLIENTS }, async (_, i) => {
      while (running) {
        if (i % 2 === 0) samples.push(await read(base, `caller-${i}-${samples.length % 97}`));
        else samples.push(await write(base, nextViolation++));
      }
    });
    const readiness = (async () => {
      while (running) {
        samples.push(await ready(base));
        await sleep(100);
      }
    })();

    await sleep(2000);
    const downAt = performance.now();
    await cluster.stopImmediate();
    await sleep(DOWN_MS);
    await cluster.start(); // returns once the server accepts connections
    const upAt = performance.now();
    await sleep(RECOVERY_MS + 3000);
    running = false;
    await Promise.all([...clients, readiness]);

    const after = (s: Sample) => s.start >= upAt + RECOVERY_MS;
    const reads = samples.filter((s) => s.kind === 'read');
    const writes = samples.filter((s) => s.kind === 'write');
    const readies = samples.filter((s) => s.kind === 'ready');
    const summary = {
      downAtMs: Math.round(downAt - t0),
      upAtMs: Math.round(upAt - t0),
      reads: reads.length,
      writes: writes.length,
      readyMaxMs: Math.round(Math.max(...readies.map((s) => s.end - s.start))),
      readFallbacks: reads.filter((s) => s.fallback).length,
      firstCleanReadAfterUpMs: firstRecovered(reads, upAt),
      writeStatuses: count(writes.map((s) => `${s.status}:${s.path}:${s.code ?? ''}`)),
    };
    console.log('restart under load:', JSON.stringify(summary));

    // Within 10 s of the database being back, reads take the domain path without fallback.
    const late = reads.filter(after);
    expect(late.length).toBeGreaterThan(20);
    expect(late.filter((s) => s.status !== 200 || s.path !== 'domain' || s.fallback)).toEqual([]);
    // ... writes are domain writes again, and /ready says so.
    const lateWrites = writes.filter(after);
    expect(lateWrites.length).toBeGreaterThan(20);
    expect(lateWrites.filter((s) => s.status !== 200 || s.path !== 'domain')).toEqual([]);
    expect(readies.filter(after).filter((s) => s.status !== 200)).toEqual([]);
    // /ready is bounded at every moment, and said 503 while the database was away.
    expect(readies.filter((s) => s.end - s.start > 1000)).toEqual([]);
    expect(readies.some((s) => s.start > downAt + 500 && s.end < upAt && s.status === 503)).toBe(
      true,
    );
    // Routing state: every report carries the committed 100%, never the 0% seed.
    const routed = [...reads, ...writes].filter(
      (s) => s.percent !== undefined && s.percent !== null,
    );
    expect(routed.filter((s) => s.percent !== 100)).toEqual([]);
    // The reason is the sticky bucket, or the flag's breaker, open while the domain path failed
    // (it probes again after its cool-down, well inside the 10 s checked above).
    expect(
      reads.filter(
        (s) =>
          s.reason !== null &&
          s.reason !== undefined &&
          s.reason !== 'bucket' &&
          s.reason !== 'breaker_open',
      ),
    ).toEqual([]);

    // No write was applied by the legacy path: the flag is at 100%, so nothing may answer
    // `legacy`, and in the table every changed violation has its domain audit row.
    expect(writes.filter((s) => s.path === 'legacy')).toEqual([]);
    const changed = await admin<{ id: number; rows: number; domain: number }[]>`
      select v.id::int, count(h.id)::int as rows, count(h.id) filter (where h.path = 'domain')::int as domain
      from violation_events v left join violation_status_history h on h.violation_id = v.id
      where v.status <> 'pending' group by v.id`;
    expect(changed.filter((r) => r.rows !== 1 || r.domain !== 1)).toEqual([]);
    // Every 200 is durable with its own request id; every WRITE_NOT_APPLIED left nothing.
    const history = new Map(
      (
        await admin<{ request_id: string; violation_id: number }[]>`
          select request_id, violation_id::int from violation_status_history`
      ).map((r) => [r.request_id, r.violation_id]),
    );
    const ok = writes.filter((s) => s.status === 200);
    expect(ok.filter((s) => history.get(s.requestId!) !== s.violationId)).toEqual([]);
    const notApplied = writes.filter((s) => s.code === 'WRITE_NOT_APPLIED');
    expect(notApplied.filter((s) => history.has(s.requestId!))).toEqual([]);
    // Nothing else than 200 and the two documented 503s.
    expect(
      writes.filter(
        (s) =>
          s.status !== 200 &&
          !(
            s.status === 503 &&
            (s.code === 'WRITE_NOT_APPLIED' || s.code === 'WRITE_OUTCOME_UNKNOWN')
          ),
      ),
    ).toEqual([]);
    // The process survived (no crash-and-restart hides a fault here).
    expect(gateway.child.exitCode).toBeNull();
  }, 90_000);
});

async function read(base: string, key: string): Promise<Sample> {
  const start = performance.now();
  try {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-rollout-key': key },
      body: JSON.stringify({ query: '{ recentEvents(limit: 5) { ts } }' }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await response.json()) as {
      extensions?: { rollout?: Record<string, Record<string, unknown>> };
    };
    const report = body.extensions?.rollout?.['events.recent'];
    return {
      kind: 'read',
      start,
      end: performance.now(),
      status: response.status,
      path: (report?.path as string) ?? null,
      reason: (report?.reason as string) ?? null,
      percent: (report?.percent as number) ?? null,
      fallback: report?.fallback === true,
    };
  } catch {
    return { kind: 'read', start, end: performance.now(), status: 0 };
  }
}

async function write(base: string, violationId: number): Promise<Sample> {
  const start = performance.now();
  const requestId = randomUUID();
  try {
    const response = await fetch(
      `${base}/api/v1/records/violations/${violationId}/status?status=resolved`,
      {
        method: 'PUT',
        headers: { 'x-request-id': requestId, 'x-rollout-key': `writer-${violationId}` },
        signal: AbortSignal.timeout(15_000),
      },
    );
    const text = await response.text();
    const code = /WRITE_NOT_APPLIED|WRITE_OUTCOME_UNKNOWN/.exec(
      `${text} ${response.headers.get('x-error-code') ?? ''}`,
    )?.[0];
    return {
      kind: 'write',
      start,
      end: performance.now(),
      status: response.status,
      path: response.headers.get('x-rollout-path'),
      reason: response.headers.get('x-rollout-reason'),
      requestId,
      violationId,
      ...(code ? { code } : response.status === 503 ? { code: classify503(text) } : {}),
    };
  } catch {
    return { kind: 'write', start, end: performance.now(), status: 0, requestId, violationId };
  }
}

/** The REST 503 bodies carry the GraphQL message; tell the two codes apart by it. */
function classify503(text: string): string {
  if (/may or may not have been applied/.test(text)) return 'WRITE_OUTCOME_UNKNOWN';
  if (/nothing was applied/.test(text)) return 'WRITE_NOT_APPLIED';
  return 'unknown 503';
}

async function ready(base: string): Promise<Sample> {
  const start = performance.now();
  try {
    const response = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(15_000) });
    await response.arrayBuffer();
    return { kind: 'ready', start, end: performance.now(), status: response.status };
  } catch {
    return { kind: 'ready', start, end: performance.now(), status: 0 };
  }
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`condition not met within ${ms} ms`);
}

/** Milliseconds after `upAt` from which every read is a clean domain read. */
function firstRecovered(reads: Sample[], upAt: number): number | null {
  const sorted = reads.filter((s) => s.start >= upAt).sort((a, b) => a.start - b.start);
  let from: number | null = null;
  for (const s of sorted) {
    const clean = s.status === 200 && s.path === 'domain' && !s.fallback;
    if (!clean) from = null;
    else from ??= s.start - upAt;
  }
  return from === null ? null : Math.round(from);
}

function count(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
