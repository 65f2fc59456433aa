import { describe, expect, it } from 'vitest';
import {
  bindRolloutGauges,
  createMetrics,
  type Metrics,
  observeHttp,
  observeResolver,
  recordDecision,
  recordFallback,
} from '../../src/ops/metrics.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';

const text = (m: Metrics) => m.registry.metrics();
const lite = () => createMetrics({ defaultMetrics: false });

describe('createMetrics', () => {
  it('counts decisions by flag, path and reason', async () => {
    const m = lite();
    const d = { flag: 'events.recent', percent: 25, bucket: 7 } as const;
    recordDecision(m, { ...d, path: 'domain', reason: 'bucket' });
    recordDecision(m, { ...d, path: 'domain', reason: 'bucket' });
    recordDecision(m, { ...d, path: 'legacy', reason: 'killed' });
    const out = await text(m);
    expect(out).toContain('# TYPE gateway_rollout_decisions_total counter');
    expect(out).toContain(
      'gateway_rollout_decisions_total{flag="events.recent",path="domain",reason="bucket"} 2',
    );
    expect(out).toContain(
      'gateway_rollout_decisions_total{flag="events.recent",path="legacy",reason="killed"} 1',
    );
  });

  it('exports fallbacks by cause from zero, before the first failure', async () => {
    const m = lite();
    recordFallback(m, 'statistics.realtime', 'timeout');
    const out = await text(m);
    expect(out).toContain(
      'gateway_rollout_fallbacks_total{flag="statistics.realtime",cause="timeout"} 1',
    );
    expect(out).toContain(
      'gateway_rollout_fallbacks_total{flag="statistics.realtime",cause="error"} 0',
    );
    expect(out).toContain(
      'gateway_rollout_fallbacks_total{flag="events.recent",cause="timeout"} 0',
    );
  });

  it('records resolver latency in a histogram with sub-millisecond to 5 s buckets', async () => {
    const m = lite();
    observeResolver(m, 'events.recent', 'legacy', 0.003);
    const out = await text(m);
    const series =
      'gateway_resolver_duration_seconds_bucket{le="%s",flag="events.recent",path="legacy"}';
    expect(out).toContain(`${series.replace('%s', '0.0005')} 0`);
    expect(out).toContain(`${series.replace('%s', '0.005')} 1`);
    expect(out).toContain(`${series.replace('%s', '5')} 1`);
    expect(out).toContain(
      'gateway_resolver_duration_seconds_count{flag="events.recent",path="legacy"} 1',
    );
  });

  it('folds flags outside the known set into "other" so labels stay bounded', async () => {
    const m = lite();
    recordDecision(m, { flag: 'user-supplied', path: 'legacy', reason: 'bucket', percent: 0 });
    observeResolver(m, 'another', 'domain', 0.01);
    const out = await text(m);
    expect(out).toContain(
      'gateway_rollout_decisions_total{flag="other",path="legacy",reason="bucket"} 1',
    );
    expect(out).not.toContain('user-supplied');
    expect(out).not.toContain('"another"');
  });

  it('counts HTTP requests by route template, method and status, folding unknown methods', async () => {
    const m = lite();
    observeHttp(m, { route: '/api/v1/events', method: 'get', status: 200, seconds: 0.02 });
    observeHttp(m, { route: '/graphql', method: 'BREW', status: 405, seconds: 0.001 });
    const out = await text(m);
    expect(out).toContain(
      'gateway_http_requests_total{route="/api/v1/events",method="GET",status="200"} 1',
    );
    expect(out).toContain(
      'gateway_http_requests_total{route="/graphql",method="OTHER",status="405"} 1',
    );
    expect(out).toContain('gateway_http_request_duration_seconds_count{route="/api/v1/events"} 1');
  });

  it('keeps the percent and mode gauges equal to the rollout store as it changes', async () => {
    const m = lite();
    const store = new StaticRolloutState({ 'events.recent': 12.5 });
    const unbind = bindRolloutGauges(m, store);
    let out = await text(m);
    expect(out).toContain('gateway_rollout_percent{flag="events.recent"} 12.5');
    expect(out).toContain('gateway_rollout_percent{flag="statistics.realtime"} 0');
    expect(out).toContain('gateway_rollout_mode{flag="events.recent",mode="active"} 1');

    store.set('events.recent', 50);
    store.setMode('events.recent', 'killed');
    out = await text(m);
    expect(out).toContain('gateway_rollout_percent{flag="events.recent"} 50');
    expect(out).toContain('gateway_rollout_mode{flag="events.recent",mode="killed"} 1');
    expect(out).toContain('gateway_rollout_mode{flag="events.recent",mode="active"} 0');

    unbind();
    store.set('events.recent', 75);
    expect(await text(m)).toContain('gateway_rollout_percent{flag="events.recent"} 50');
  });

  it('keeps counts separate between two registries', async () => {
    const a = lite();
    const b = lite();
    recordDecision(a, { flag: 'events.recent', path: 'domain', reason: 'forced', percent: 0 });
    expect(await text(a)).toContain('reason="forced"} 1');
    expect(await text(b)).not.toContain('reason="forced"');
  });

  it('collects process metrics with the gateway_ prefix, per registry', async () => {
    const a = createMetrics();
    const b = createMetrics();
    expect(await text(a)).toContain('gateway_process_cpu_user_seconds_total');
    expect(await text(b)).toContain('gateway_nodejs_heap_size_used_bytes');
    expect(await text(lite())).not.toContain('gateway_process_');
  });
});
