// The signal the rollout runner gives a domain read: it behaves as an AbortSignal does for the
// part a read uses (listeners called once, on abort; the reason thrown after).
import { describe, expect, it } from 'vitest';
import { ReadCancellation } from '../../src/rollout/read-cancellation.js';

describe('ReadCancellation', () => {
  it('calls each listener once, on abort, and throws the reason after', () => {
    const cancellation = new ReadCancellation();
    const calls: string[] = [];
    cancellation.addEventListener('abort', () => calls.push('a'));
    cancellation.addEventListener('abort', () => calls.push('b'));
    expect(() => cancellation.throwIfAborted()).not.toThrow();
    expect(cancellation.aborted).toBe(false);
    expect(cancellation.reason).toBeUndefined();

    const reason = new Error('past the budget');
    cancellation.abort(reason);
    cancellation.abort(new Error('the client went away'));
    expect(calls).toEqual(['a', 'b']);
    expect(cancellation.aborted).toBe(true);
    expect(cancellation.reason).toBe(reason);
    expect(() => cancellation.throwIfAborted()).toThrow(reason);
  });

  it('does not call a listener removed before the abort, nor one added after it', () => {
    const cancellation = new ReadCancellation();
    const calls: string[] = [];
    const removed = () => calls.push('removed');
    cancellation.addEventListener('abort', removed);
    cancellation.addEventListener('abort', () => calls.push('kept'));
    cancellation.removeEventListener('abort', removed);
    cancellation.removeEventListener('abort', () => calls.push('never added'));
    cancellation.abort(new Error('stop'));
    cancellation.addEventListener('abort', () => calls.push('late'));
    expect(calls).toEqual(['kept']);
  });

  it('calls every listener when one throws, then throws its error', () => {
    const cancellation = new ReadCancellation();
    const calls: string[] = [];
    cancellation.addEventListener('abort', () => {
      throw new Error('listener failed');
    });
    cancellation.addEventListener('abort', () => calls.push('second'));
    expect(() => cancellation.abort(new Error('stop'))).toThrow('listener failed');
    expect(calls).toEqual(['second']);
    expect(cancellation.aborted).toBe(true);
  });
});
