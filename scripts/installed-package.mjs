// Where the install repairs in this folder find the dependency they change: its directory in
// node_modules, only when it is the exact version the repair was written for. Any other version
// stops the install with `hint` (what to check), so an upgrade forces a look at the repair.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const nodeModules = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules');

/** The package's directory; exits 1 when its installed version is not `expected`. */
export function installedPackage(name, expected, hint) {
  const dir = join(nodeModules, ...name.split('/'));
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (version !== expected) {
    console.error(`${name} is ${version}, the repair is for ${expected}: ${hint}`);
    process.exit(1);
  }
  return dir;
}
