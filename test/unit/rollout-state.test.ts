import { describe, expect, it } from 'vitest';
import type { FlagState } from '../../src/rollout/engine.js';
import { StaticRolloutState } from '../doubles/static-rollout-state.js';

describe('StaticRolloutState', () => {
  it('starts every configured flag active at its configured percentage', () => {
    const store = new StaticRolloutState({ 'events.recent': 25, 'statistics.realtime': 0 });
    expect(store.get('events.recent')).toEqual({
      flag: 'events.recent',
      percent: 25,
      mode: 'active',
    });
    expect(store.all().map((s) => s.flag)).toEqual(['events.recent', 'statistics.realtime']);
  });

  it('reports a flag it does not know as 0% and active', () => {
    expect(new StaticRolloutState().get('nope')).toEqual({
      flag: 'nope',
      percent: 0,
      mode: 'active',
    });
  });

  it('notifies subscribers of a change in percentage or mode, and stops after unsubscribe', () => {
    const store = new StaticRolloutState({ 'events.recent': 0 });
    const seen: FlagState[] = [];
    const unsubscribe = store.onChange((s) => seen.push(s));
    store.set('events.recent', 10);
    store.setMode('events.recent', 'paused');
    unsubscribe();
    store.set('events.recent', 20);
    expect(seen).toEqual([
      { flag: 'events.recent', percent: 10, mode: 'active' },
      { flag: 'events.recent', percent: 10, mode: 'paused' },
    ]);
    expect(store.get('events.recent')).toEqual({
      flag: 'events.recent',
      percent: 20,
      mode: 'paused',
    });
  });

  it('does not notify when a set changes nothing, but does when it adds a new flag', () => {
    const store = new StaticRolloutState({ 'events.recent': 10 });
    const seen: string[] = [];
    store.onChange((s) => seen.push(`${s.flag}=${s.percent}`));
    store.set('events.recent', 10);
    store.set('violations.updateStatus', 0);
    expect(seen).toEqual(['violations.updateStatus=0']);
  });

  it('keeps its state when a caller mutates what get() or all() returned', () => {
    const store = new StaticRolloutState({ 'events.recent': 10 });
    store.get('events.recent').percent = 100;
    const all = store.all();
    all[0]!.mode = 'killed';
    expect(store.get('events.recent')).toMatchObject({ percent: 10, mode: 'active' });
  });

  it.each([-1, 100.5, Number.NaN])('rejects a percentage of %d', (percent) => {
    expect(() => new StaticRolloutState({ f: percent })).toThrow(RangeError);
    expect(() => new StaticRolloutState().set('f', percent)).toThrow(RangeError);
  });
});
