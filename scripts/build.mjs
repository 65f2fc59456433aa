// Builds what `npm start` runs: one ESM file per entry point (the gateway and the two CLIs)
// under dist/, bundled by esbuild with its dependencies (tree-shaken), and source maps (mappings
// only) so that stack traces under `node --enable-source-maps` name the .ts lines.
//
//   node scripts/build.mjs             build
//   node scripts/build.mjs --if-stale  build only when a source is newer than the last build
//
// Why a bundle and not tsc's file-per-module output: Node then loads one file instead of ~900
// (ours and the dependencies'), and only the code that is used, which is most of the start-up
// and idle-memory difference (BENCHMARKS.md "Footprint"); esbuild builds in under a second where
// tsc takes ~15 s. Type checking stays with `npm run check`.
//
// Left in node_modules (EXTERNAL): PGlite (loads its WASM and data files next to its own
// module, and only when there is no DATABASE_URL), postgres.js (repaired on disk by
// scripts/patch-postgres.mjs, and the gateway checks that repair at start), pino (starts worker
// threads from its own files), ws (optional native add-ons) and GraphiQL's page (17 MB, loaded
// on the first request for it).
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist');
const stamp = join(outdir, '.built');
const inputs = ['src', 'console', 'drizzle', 'package.json', 'package-lock.json', 'scripts'];

/** The newest modification time among the build's inputs (files and folders, recursively). */
function newestInput() {
  let newest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  for (const input of inputs) visit(join(root, input));
  return newest;
}

const EXTERNAL = [
  '@electric-sql/pglite',
  'drizzle-orm/pglite',
  'drizzle-orm/pglite/migrator',
  'postgres',
  'pino',
  'ws',
  '@graphql-yoga/render-graphiql',
];

/**
 * Bundles `entryPoints` (name → source, relative to `workingDir`) into `outdir` as the gateway
 * is built: also used by the benchmark for its own servers, so it measures what `npm start` runs.
 */
export async function bundle(entryPoints, outdir, workingDir = root) {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: workingDir,
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    // CommonJS dependencies bundled into ESM still call require() for Node's built-ins.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
    metafile: true,
  });
  const codec = await import('@jridgewell/sourcemap-codec');
  for (const output of Object.keys(result.metafile.outputs)) {
    if (output.endsWith('.js.map')) ownSourcesOnly(join(workingDir, output), codec);
  }
}

/**
 * Keeps the mappings of the project's own sources in a bundle's source map and drops those of
 * its dependencies (~85% of them): Node turns every mapping into an array the first time it
 * formats a stack, and the whole bundle's took ~40 MB of heap, kept for the process's life.
 * Where a stretch of dependency code begins, one mapping without a source stays, so a frame
 * there is printed at its place in the bundle instead of being taken for the .ts line before.
 */
function ownSourcesOnly(mapPath, { decode, encode }) {
  const map = JSON.parse(readFileSync(mapPath, 'utf8'));
  const own = map.sources.map((source) => !source.split('/').includes('node_modules'));
  const kept = [];
  const index = map.sources.map((source, i) => (own[i] ? kept.push(source) - 1 : -1));
  let inDependency = false;
  const lines = decode(map.mappings).map((line) => {
    const out = [];
    for (const segment of line) {
      const isOwn = segment.length > 1 && own[segment[1]];
      if (isOwn) out.push([segment[0], index[segment[1]], ...segment.slice(2)]);
      else if (!inDependency) out.push([segment[0]]);
      inDependency = !isOwn;
    }
    return out;
  });
  writeFileSync(mapPath, JSON.stringify({ ...map, sources: kept, mappings: encode(lines) }));
}

export async function buildAll() {
  await bundle(
    { main: 'src/main.ts', 'cli/rollout': 'src/cli/rollout.ts', 'cli/ingest': 'src/cli/ingest.ts' },
    outdir,
  );
  const consoleBuild = join(root, 'scripts', 'build-console.mjs');
  if (existsSync(consoleBuild)) {
    const { buildConsole } = await import(consoleBuild);
    await buildConsole({ outdir: join(outdir, 'console') });
  }
  await buildPgliteTemplate();
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

/**
 * The embedded database's initialized, empty data directory (what initdb writes), for the
 * installed PGlite version: the gateway copies it into a new data directory instead of running
 * initdb at its first start (src/db/client.ts). Kept across builds of the same version.
 */
async function buildPgliteTemplate() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const dir = join(outdir, `pglite-template-${pkg.dependencies['@electric-sql/pglite']}`);
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  rmSync(dir, { recursive: true, force: true });
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const { PGlite } = await import('@electric-sql/pglite');
  const pglite = await PGlite.create(partial);
  await pglite.close();
  renameSync(partial, dir);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  if (ifStale && existsSync(stamp) && statSync(stamp).mtimeMs >= newestInput()) process.exit(0);
  const started = performance.now();
  await buildAll();
  console.error(`built dist/ in ${Math.round(performance.now() - started)} ms`);
}
