// The installed @whatwg-node/promise-helpers carries 2.0.2's fake promises
// (scripts/patch-promise-helpers.mjs, run by `postinstall`), and still behaves as yoga, envelop
// and the server adapter expect of it: values and errors reach the same callbacks, synchronously
// when nothing is asynchronous, and a `finally` runs once either way.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import {
  fakePromise,
  fakeRejectPromise,
  handleMaybePromise,
  mapMaybePromise,
  unfakePromise,
} from '@whatwg-node/promise-helpers';
import { describe, expect, it } from 'vitest';

describe('the installed promise helpers', () => {
  it('carry the backport in their ESM and CommonJS builds', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      'scripts/patch-promise-helpers.mjs',
      '--check',
    ]);
    expect(stdout).toBe('');
    // Fake promises share a prototype (1.3.2 made a new object literal, methods included, each time).
    const cjs = createRequire(import.meta.url)('@whatwg-node/promise-helpers');
    for (const helpers of [{ fakePromise, fakeRejectPromise }, cjs]) {
      const resolved = Object.getPrototypeOf(helpers.fakePromise(1));
      expect(resolved).not.toBe(Object.prototype);
      expect(Object.getPrototypeOf(helpers.fakePromise('other'))).toBe(resolved);
      expect(Object.getPrototypeOf(helpers.fakeRejectPromise(new Error('x')))).not.toBe(
        Object.prototype,
      );
    }
    expect(Object.prototype.toString.call(fakePromise(1))).toBe('[object Promise]');
  });

  it('answer synchronously when nothing is asynchronous', () => {
    const order: string[] = [];
    const out = handleMaybePromise(
      () => {
        order.push('input');
        return 2;
      },
      (value) => {
        order.push('success');
        return value * 3;
      },
      undefined,
      () => {
        order.push('finally');
      },
    );
    expect(out).toBe(6);
    expect(order).toEqual(['input', 'success', 'finally']);
    expect(
      handleMaybePromise(
        () => 2,
        (value) => value + 1,
      ),
    ).toBe(3);
    expect(mapMaybePromise(4, (value) => value * 2)).toBe(8);
    // A fake promise handed back is unwrapped, as before.
    expect(
      handleMaybePromise(
        () => fakePromise(5),
        (value) => fakePromise(value + 1),
      ),
    ).toBe(6);
    expect(unfakePromise(fakePromise(7))).toBe(7);
  });

  it('route a thrown input to the error callback, and throw it without one', () => {
    const boom = new Error('boom');
    const fail = (): string => {
      throw boom;
    };
    expect(
      handleMaybePromise(
        fail,
        (v) => v,
        (error) => `caught ${(error as Error).message}`,
      ),
    ).toBe('caught boom');
    expect(() => handleMaybePromise(fail, (v) => v)).toThrow(boom);
    // A throwing success callback is not the error callback's (as with Promise#then).
    const onError = () => -1;
    expect(() =>
      handleMaybePromise(
        () => 1,
        () => {
          throw boom;
        },
        onError,
      ),
    ).toThrow(boom);
    expect(() => unfakePromise(fakeRejectPromise(boom))).toThrow(boom);
  });

  it('stay asynchronous when the input is a promise, with the same callbacks', async () => {
    const finished: string[] = [];
    const out = handleMaybePromise(
      () => Promise.resolve(2),
      (value) => value * 5,
      undefined,
      () => {
        finished.push('finally');
      },
    );
    expect(out).toBeInstanceOf(Promise);
    await expect(out).resolves.toBe(10);
    expect(finished).toEqual(['finally']);
    await expect(
      handleMaybePromise(
        (): Promise<string> => Promise.reject(new Error('late')),
        (v) => v,
        (error) => `caught ${(error as Error).message}`,
      ),
    ).resolves.toBe('caught late');
    // A thenable that is not a promise is followed too.
    // biome-ignore lint/suspicious/noThenProperty: a thenable is what this case is about
    const thenable = { then: (resolve: (v: number) => void) => resolve(9) };
    await expect(
      Promise.resolve(
        handleMaybePromise(
          () => thenable as unknown as number,
          (v) => v + 1,
        ),
      ),
    ).resolves.toBe(10);
  });
});
