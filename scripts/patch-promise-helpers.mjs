// Backports the fake-promise rewrite of @whatwg-node/promise-helpers 2.0.2 to 1.3.2 in
// node_modules (run by `postinstall`, idempotent). 1.3.2 is the newest release that does not
// declare Node ≥ 22.15, so yoga, envelop and the server adapter resolve it here; 2.x also drops
// `mapMaybePromise`, which they call.
//
// Every yoga/envelop hook and every server-adapter step goes through `handleMaybePromise`. In
// 1.3.2 each call builds two or three fake promises, each a fresh object literal with its own
// methods and symbol keys: in a profile of a REST shim request under load, the promise helpers
// were ~5% of the gateway's busy time, most of it `fakePromise`. 2.0.2 calls the factories
// directly when a value is not a promise, and its fake promises are instances of three classes
// (methods on a shared prototype). This script puts 2.0.2's `handleMaybePromise`, `fakePromise`,
// `fakeRejectPromise` and those classes in place of 1.3.2's (their code as released, fewer
// comments). 1.3.2's own `isPromise` stays, so what counts as a promise does not change; so does
// the rest of 1.3.2.
//
// `node scripts/patch-promise-helpers.mjs --check` only verifies (exit 1 when a file is not
// patched). Any other version stops the install: check it, then update or remove this script.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installedPackage, nodeModules } from './installed-package.mjs';

const VERSION = '1.3.2';
const MARKER = '/* gateway: fake promises of promise-helpers 2.0.2 */';
const pkgDir = installedPackage(
  '@whatwg-node/promise-helpers',
  VERSION,
  'check whether yoga still needs 1.x, then update or remove scripts/patch-promise-helpers.mjs',
);

/** 2.0.2's code (MIT licence, Arda TANRIKULU), as in its esm/index.js. */
const REPLACEMENTS = {
  handleMaybePromise: `function handleMaybePromise(inputFactory, outputSuccessFactory, outputErrorFactory, finallyFactory) {
    // When a finally callback is present, keep the fake-promise chain so cleanup
    // semantics stay identical (including async finally and success/error throws).
    if (finallyFactory) {
        let result$ = fakePromise().then(inputFactory).then(outputSuccessFactory, outputErrorFactory);
        result$ = result$.finally(finallyFactory);
        return unfakePromise(result$);
    }
    // Sync-friendly path: call the factories directly when the input is not a
    // thenable, so hot callers avoid allocating temporary fake-promise wrappers.
    let input;
    let inputIsPromise;
    try {
        input = inputFactory(undefined);
        inputIsPromise = isPromise(input);
    }
    catch (err) {
        if (!outputErrorFactory) {
            throw err;
        }
        const output = outputErrorFactory(err);
        return isPromise(output) ? unfakePromise(fakePromise(output)) : output;
    }
    if (!inputIsPromise) {
        const output = outputSuccessFactory(input);
        return isPromise(output) ? unfakePromise(fakePromise(output)) : output;
    }
    return unfakePromise(fakePromise(input).then(outputSuccessFactory, outputErrorFactory));
}`,
  fakePromise: `class FakePromise {
    __fakePromiseValue;
    [kFakePromise];
    constructor(value) {
        this.__fakePromiseValue = value;
        this[kFakePromise] = 'resolved';
    }
    then(onfulfilled, _onrejected) {
        if (onfulfilled) {
            try {
                return fakePromise(onfulfilled(this.__fakePromiseValue));
            }
            catch (err) {
                return fakeRejectPromise(err);
            }
        }
        return this;
    }
    catch(_onrejected) {
        return this;
    }
    finally(onfinally) {
        if (onfinally) {
            try {
                const value = this.__fakePromiseValue;
                return fakePromise(onfinally()).then(() => value, () => value);
            }
            catch (err) {
                return fakeRejectPromise(err);
            }
        }
        return this;
    }
    get [Symbol.toStringTag]() {
        return 'Promise';
    }
}
class FakeRejectPromise {
    __fakeRejectError;
    [kFakePromise];
    constructor(error) {
        this.__fakeRejectError = error;
        this[kFakePromise] = 'rejected';
    }
    then(_onfulfilled, onrejected) {
        if (onrejected) {
            try {
                return fakePromise(onrejected(this.__fakeRejectError));
            }
            catch (err) {
                return fakeRejectPromise(err);
            }
        }
        return this;
    }
    catch(onrejected) {
        if (onrejected) {
            try {
                return fakePromise(onrejected(this.__fakeRejectError));
            }
            catch (err) {
                return fakeRejectPromise(err);
            }
        }
        return this;
    }
    finally(onfinally) {
        if (onfinally) {
            try {
                onfinally();
            }
            catch (err) {
                return fakeRejectPromise(err);
            }
        }
        return this;
    }
    get [Symbol.toStringTag]() {
        return 'Promise';
    }
}
class ThenableFakePromise {
    _thenable;
    constructor(thenable) {
        this._thenable = thenable;
    }
    then(onfulfilled, onrejected) {
        return fakePromise(this._thenable.then(onfulfilled, onrejected));
    }
    catch(onrejected) {
        return fakePromise(this._thenable.then(res => res, onrejected));
    }
    finally(onfinally) {
        return fakePromise(onfinally ? promiseLikeFinally(this._thenable, onfinally) : this._thenable);
    }
    get [Symbol.toStringTag]() {
        return 'Promise';
    }
}
function fakePromise(value) {
    if (value && isActualPromise(value)) {
        return value;
    }
    if (isPromise(value)) {
        return new ThenableFakePromise(value);
    }
    return new FakePromise(value);
}`,
  fakeRejectPromise: `function fakeRejectPromise(error) {
    return new FakeRejectPromise(error);
}`,
};

const check = process.argv.includes('--check');
let unpatched = 0;
for (const file of ['esm', 'cjs'].map((f) => join(pkgDir, f, 'index.js'))) {
  let text = readFileSync(file, 'utf8');
  if (text.includes(MARKER)) continue;
  for (const [name, code] of Object.entries(REPLACEMENTS)) {
    // A top-level function: from its declaration (`export ` in esm) to the first `}` that
    // starts a line.
    const found = new RegExp(`^(export )?function ${name}\\(.*?^\\}\\n`, 'ms').exec(text);
    if (!found) {
      console.error(`${file}: function ${name} was not found`);
      process.exit(1);
    }
    const declared = found[1]
      ? code.replace(new RegExp(`(^|\\n)function ${name}\\(`), `$1export function ${name}(`)
      : code;
    text = `${text.slice(0, found.index)}${declared}\n${text.slice(found.index + found[0].length)}`;
  }
  if (check) {
    unpatched++;
    continue;
  }
  writeFileSync(file, `${MARKER}\n${text}`);
  console.log(`patched ${file.slice(nodeModules.length + 1)} (fake promises of 2.0.2)`);
}
if (check && unpatched > 0) process.exit(1);
