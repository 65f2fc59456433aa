// A subscription takes its rollout decision once; a domain stream that cannot start, or not in
// time, is replaced by the legacy stream (a counted fallback), and one that starts too late is
// ended rather than left running.
import { describe, expect, it, vi } from 'vitest';
import { RequestRollout } from '../../src/rollout/runner.js';
import { silentLogger } from '../doubles/silent-logger.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';

function runner(percent: number, timeoutMs = 50) {
  const observer = { decision: vi.fn(), fallback: vi.fn(), duration: vi.fn(), failed: vi.fn() };
  const rollout = new RequestRollout(
    {
      store: new StaticRolloutState({ 'events.stream': percent }),
      observer,
      logger: silentLogger,
      domainTimeoutMs: timeoutMs,
    },
    { stickyKey: 'user-1', forceAllowed: true },
  );
  return { rollout, observer };
}

const stream = (name: string) => ({ name, return: vi.fn() });

describe('RequestRollout.subscribe', () => {
  it('starts the stream of the decided path and reports the decision once', async () => {
    const { rollout, observer } = runner(100);
    const domain = stream('domain');
    const started = await rollout.subscribe('events.stream', undefined, {
      domain: async () => domain,
      legacy: async () => stream('legacy'),
    });
    expect(started).toBe(domain);
    expect(observer.decision).toHaveBeenCalledTimes(1);
    expect(rollout.reports.get('events.stream')).toMatchObject({ path: 'domain', fallback: false });
  });

  it('falls back to the legacy stream when the domain stream cannot start', async () => {
    const { rollout, observer } = runner(100);
    const started = await rollout.subscribe('events.stream', undefined, {
      domain: async () => {
        throw new Error('LISTEN failed');
      },
      legacy: async () => stream('legacy'),
    });
    expect(started.name).toBe('legacy');
    expect(observer.fallback).toHaveBeenCalledWith('events.stream', 'error');
    expect(rollout.reports.get('events.stream')).toMatchObject({
      path: 'legacy',
      fallback: true,
      fallbackCause: 'error',
    });
  });

  it('ends a domain stream that started after its time budget', async () => {
    const { rollout } = runner(100, 10);
    const late = stream('domain');
    let release!: () => void;
    const started = await rollout.subscribe('events.stream', undefined, {
      domain: () =>
        new Promise<ReturnType<typeof stream>>((resolve) => (release = () => resolve(late))),
      legacy: async () => stream('legacy'),
    });
    expect(started.name).toBe('legacy');
    expect(rollout.reports.get('events.stream')?.fallbackCause).toBe('timeout');
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(late.return).toHaveBeenCalledTimes(1);
  });
});
