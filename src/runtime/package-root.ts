// Where the package's own files are (migrations, built assets), found the same way from the
// TypeScript sources (src/…) and from the bundles in dist/: the nearest folder above holding a
// package.json (the working directory when there is none).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const roots = new Map<string, string>();

/** The package root above `from` (a file URL or path; default: this module). */
export function packageRoot(from: string = import.meta.url): string {
  let root = roots.get(from);
  if (root === undefined) {
    let dir = dirname(from.startsWith('file:') ? fileURLToPath(from) : from);
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    root = existsSync(join(dir, 'package.json')) ? dir : process.cwd();
    roots.set(from, root);
  }
  return root;
}

/** A path under the package root. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
