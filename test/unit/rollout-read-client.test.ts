// A domain read whose client goes away stops (its signal aborts with ClientGoneError, nothing
// falls back), whether the client left before the read, during its first moments or later. A
// read that ends quickly never touches the request's signal.
import { describe, expect, it, vi } from 'vitest';
import type { ReadSignal } from '../../src/domain/types.js';
import { ClientGoneError } from '../../src/rollout/client-gone.js';
import { DomainTimeoutError, RequestRollout } from '../../src/rollout/runner.js';
import { silentLogger } from '../doubles/silent-logger.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';

const FLAG = 'events.recent';

function runner(client: AbortSignal, domainTimeoutMs = 5_000) {
  const observer = { decision: vi.fn(), fallback: vi.fn(), duration: vi.fn(), failed: vi.fn() };
  const rollout = new RequestRollout(
    {
      store: new StaticRolloutState({ [FLAG]: 100 }),
      observer,
      logger: silentLogger,
      domainTimeoutMs,
    },
    { stickyKey: 'user-1', forceAllowed: true },
    silentLogger,
    client,
  );
  return { rollout, observer };
}

/** A domain read that answers after `ms` unless its signal aborts first (then: why, and when). */
function slowRead(ms: number) {
  const seen: { reason?: unknown; started?: number; stopped?: number } = {};
  const domain = (signal: ReadSignal) =>
    new Promise<string[]>((resolve, reject) => {
      seen.started = performance.now();
      const stop = () => {
        clearTimeout(timer);
        seen.reason = signal.reason;
        seen.stopped = performance.now();
        reject(signal.reason);
      };
      // As the repositories do: a read that starts aborted does not run.
      const timer = signal.aborted ? undefined : setTimeout(() => resolve(['domain']), ms);
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop);
    });
  return { domain, legacy: async () => ['legacy'], seen };
}

describe('RequestRollout.read and its client', () => {
  it('stops at once a read for a client already gone', async () => {
    const client = new AbortController();
    client.abort();
    const { rollout, observer } = runner(client.signal);
    const paths = slowRead(1_000);
    await expect(rollout.read(FLAG, undefined, paths)).rejects.toBeInstanceOf(ClientGoneError);
    expect(paths.seen.reason).toBeInstanceOf(ClientGoneError);
    expect(paths.seen.stopped! - paths.seen.started!).toBeLessThan(500);
    expect(observer.fallback).not.toHaveBeenCalled();
  });

  it.each([
    ['during its first milliseconds', 2],
    ['after it has run a while', 80],
  ])('stops a read whose client leaves %s', async (_when, leaveAfterMs) => {
    const client = new AbortController();
    const { rollout, observer } = runner(client.signal);
    const paths = slowRead(3_000);
    const answer = rollout.read(FLAG, undefined, paths);
    setTimeout(() => client.abort(), leaveAfterMs);
    await expect(answer).rejects.toBeInstanceOf(ClientGoneError);
    expect(paths.seen.reason).toBeInstanceOf(ClientGoneError);
    // Long before the read's own end (3 s) or its budget (5 s).
    expect(paths.seen.stopped! - paths.seen.started!).toBeLessThan(1_000);
    expect(observer.fallback).not.toHaveBeenCalled();
    expect(observer.failed).not.toHaveBeenCalled();
  });

  it('answers a quick read without listening to the client', async () => {
    const client = new AbortController();
    const listen = vi.spyOn(client.signal, 'addEventListener');
    const { rollout } = runner(client.signal);
    expect(await rollout.read(FLAG, undefined, slowRead(1))).toEqual(['domain']);
    expect(listen).not.toHaveBeenCalled();
    // A read still running after a while does listen, and lets go when it ends.
    const unlisten = vi.spyOn(client.signal, 'removeEventListener');
    expect(await rollout.read(FLAG, undefined, slowRead(60))).toEqual(['domain']);
    expect(listen).toHaveBeenCalledTimes(1);
    expect(unlisten).toHaveBeenCalledTimes(1);
  });

  it('with a budget shorter than the wait before watching, still times out and falls back', async () => {
    const client = new AbortController();
    const { rollout, observer } = runner(client.signal, 10);
    const paths = slowRead(1_000);
    expect(await rollout.read(FLAG, undefined, paths)).toEqual(['legacy']);
    expect(paths.seen.reason).toBeInstanceOf(DomainTimeoutError);
    expect(observer.fallback).toHaveBeenCalledWith(FLAG, 'timeout');
    expect(rollout.reports.get(FLAG)).toMatchObject({ path: 'legacy', fallbackCause: 'timeout' });
  });
});
