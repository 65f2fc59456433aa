// The house rules of docs/architecture.md, checked on the source: every import goes to the same
// folder or to a lower floor, no import circle, and SQL only where the rules allow it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');

/** Floors, bottom first. A folder may import its own files and folders on lower floors only. */
const FLOORS: Record<string, number> = {
  runtime: 0,
  http: 1,
  db: 1,
  auth: 1,
  console: 2, // the operator console's static files (over http)
  domain: 2,
  legacy: 3,
  repositories: 3,
  rollout: 4,
  ingest: 4,
  alerts: 4,
  demo: 4,
  ops: 5,
  config: 6,
  graphql: 6,
  rest: 7,
  fields: 8,
  cli: 9,
  '.': 10, // app.ts, schema.ts, main.ts
};

/** The only places that may import drizzle-orm: the database module, repositories and stores. */
const SQL_ALLOWED = [
  /^db\//,
  /^repositories\//,
  /^rollout\/(control|pg-[a-z-]+)\.ts$/,
  /^ingest\/checkpoint-store\.ts$/,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /(?:import|export)\s+(?:type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/g;

function importsOfText(text: string): string[] {
  return [...text.matchAll(IMPORT)].map((m) => m[1]!);
}

const importsOf = (file: string) => importsOfText(readFileSync(file, 'utf8'));

const files = sourceFiles(SRC).map((f) => relative(SRC, f));
const folderOf = (file: string) => (file.includes('/') ? file.split('/')[0]! : '.');

function localImports(file: string): string[] {
  return importsOf(join(SRC, file))
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts'));
}

describe('the house', () => {
  it('puts every source folder on a floor', () => {
    const unplaced = [...new Set(files.map(folderOf))].filter((f) => FLOORS[f] === undefined);
    expect(unplaced).toEqual([]);
  });

  it('imports only from the same folder or a lower floor', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      for (const target of localImports(file)) {
        const to = folderOf(target);
        if (to !== from && FLOORS[to]! >= FLOORS[from]!) upward.push(`${file} -> ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no import circle', () => {
    const graph = new Map(files.map((f) => [f, localImports(f)]));
    const state = new Map<string, 'visiting' | 'done'>();
    const circles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        circles.push([...trail.slice(trail.indexOf(file)), file].join(' -> '));
        return;
      }
      state.set(file, 'visiting');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(circles).toEqual([]);
  });

  it('keeps SQL in the database module, the repositories and the stores', () => {
    const outside = files.filter(
      (file) =>
        importsOf(join(SRC, file)).some((spec) => spec.startsWith('drizzle-orm')) &&
        !SQL_ALLOWED.some((rule) => rule.test(file)),
    );
    expect(outside).toEqual([]);
  });

  it('reads every kind of import and re-export', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "import './side-effect.js';",
      'import {\n  c,\n  type D,\n} from "./c.js";',
      "export { e } from './e.js';",
      "export type { F } from './f.js';",
      "const x = 'not an import';",
    ].join('\n');
    expect(importsOfText(text)).toEqual([
      './a.js',
      '../b.js',
      './side-effect.js',
      './c.js',
      './e.js',
      './f.js',
    ]);
  });
});
