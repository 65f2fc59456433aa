// Backports one fix of @graphql-tools/executor 2.1.0 to 2.0.1 in node_modules (run by
// `postinstall`, idempotent). 2.0.1 is pinned in package.json's `overrides` because 2.0.3 and
// later need @whatwg-node/promise-helpers 2, which declares Node ≥ 22.15; but 2.0.1 builds an
// object's fields in the order they resolve, so a field answered from the database came after
// one answered at once (`pageInfo` before `edges`), against the order of the query. 2.1.0
// reserves each key in query order before its value resolves; so does this.
//
// Used where graphql-jit does not run (GRAPHQL_JIT=off, documents with @include/@skip,
// subscriptions); test/integration/graphql-jit.test.ts compares the bytes of both.
// Any other executor version stops the install: check it, then update or remove this script.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installedPackage, nodeModules } from './installed-package.mjs';

const VERSION = '2.0.1';
const MARKER = '/* gateway: keys in query order */';
const pkgDir = installedPackage(
  '@graphql-tools/executor',
  VERSION,
  'check whether it keeps keys in query order, then update or remove scripts/patch-graphql-executor.mjs',
);
const check = process.argv.includes('--check');
let unrepaired = 0;
for (const file of ['esm', 'cjs'].map((f) => join(pkgDir, f, 'execution', 'promiseForObject.js'))) {
  const text = readFileSync(file, 'utf8');
  if (text.includes(MARKER)) continue;
  const before =
    /( *)if \(\(0, promise_helpers_1\.isPromise\)\(valueSet\$\)\) \{\n|( *)if \(isPromise\(valueSet\$\)\) \{\n/;
  const match = before.exec(text);
  if (!match) {
    console.error(`${file}: the code to repair was not found`);
    process.exit(1);
  }
  if (check) {
    unrepaired++;
    continue;
  }
  const indent = `${match[1] ?? match[2]}    `;
  const repaired = text.replace(
    before,
    (line) => `${line}${indent}${MARKER} resolvedObject[key] = undefined;\n`,
  );
  writeFileSync(file, repaired);
  console.log(`patched ${file.slice(nodeModules.length + 1)} (keys in query order)`);
}
if (check && unrepaired > 0) process.exit(1);
