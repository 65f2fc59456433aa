// Repairs postgres.js 3.4.9's write scheduler in node_modules (run by `postinstall`, so after every
// `npm ci` / `npm install`; idempotent). Without it, a connection that closes while a small write
// is buffered keeps a stale `nextWriteTimer` and `chunk`: the reconnected socket never sends its
// startup message and times out after connect_timeout, again and again; and a write scheduled
// after the close throws an uncatchable TypeError (`socket` is null) from a setImmediate.
//
// The repair (the guard proposed upstream, plus the reset on teardown):
// - nextWrite() on a closed connection drops the buffered bytes and fails the connection's
//   pending queries with CONNECTION_CLOSED instead of throwing;
// - terminate() and closed() forget the buffered bytes and the timer, so the next socket starts
//   clean with its own startup message.
//
// `node scripts/patch-postgres.mjs --check` only verifies (exit 1 when a file is not repaired).
// Any other postgres version stops the install: check whether upstream fixed it, then update or
// remove this script.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { installedPackage } from './installed-package.mjs';

const VERSION = '3.4.9';
const MARKER = '/* gateway: closed-socket write guard */';

const replacements = [
  {
    before: '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    after: `  function nextWrite(fn) {\n    ${MARKER}\n    if (socket === null) {\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)`,
  },
  {
    // terminate()
    before: '    clearImmediate(nextWriteTimer)\n    if (socket) {',
    after:
      '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {',
  },
  {
    // closed()
    before: '    incomings = null\n    clearImmediate(nextWriteTimer)\n',
    after:
      '    incomings = null\n    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n',
  },
];

const root = installedPackage(
  'postgres',
  VERSION,
  'check whether the closed-socket write fix is upstream, then update or remove scripts/patch-postgres.mjs',
);
const checkOnly = process.argv.includes('--check');

let failed = false;
for (const file of ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js']) {
  const path = join(root, file);
  let text = readFileSync(path, 'utf8');
  if (text.includes(MARKER)) continue;
  if (checkOnly) {
    console.error(`postgres/${file} is not repaired (run: node scripts/patch-postgres.mjs)`);
    failed = true;
    continue;
  }
  for (const { before, after } of replacements) {
    if (text.split(before).length !== 2) {
      console.error(`postgres/${file}: expected code not found once; not patched`);
      process.exit(1);
    }
    text = text.replace(before, after);
  }
  writeFileSync(path, text);
  console.log(`patched postgres/${file} (closed-socket write guard)`);
}
process.exit(failed ? 1 : 0);
