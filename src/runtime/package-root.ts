// Where the package's own files are (migrations, built assets), found the same way from the
// TypeScript sources (src/…) and from the bundles in dist/: the folder above holding package.json.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The package's root folder. */
export function packageRoot(): string {
  if (root === undefined) {
    let dir = dirname(fileURLToPath(import.meta.url));
    while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
    root = dir;
  }
  return root;
}

/** A path under the package root. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}
