// Builds the operator console (console/: Preact + uPlot, TypeScript) with esbuild into
// `outdir` (default dist/console): index.html, and under assets/ the minified script and
// stylesheet with content-hashed names and their source maps. The gateway serves the folder at
// /console (src/console/assets.ts). `node scripts/build-console.mjs [outdir]` runs it alone.
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = join(ROOT, 'console');

/**
 * Builds the console into `outdir` and returns the files written (paths relative to outdir).
 * Only index.html and assets/ of `outdir` are replaced, so old hashed files do not pile up.
 */
export async function buildConsole({ outdir = join(ROOT, 'dist', 'console'), minify = true } = {}) {
  const assets = join(outdir, 'assets');
  await rm(assets, { recursive: true, force: true });
  await rm(join(outdir, 'index.html'), { force: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { console: join(SOURCE, 'src', 'main.tsx') },
    tsconfig: join(SOURCE, 'tsconfig.json'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome111', 'edge111', 'firefox115', 'safari16.4'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify,
    sourcemap: 'linked',
    legalComments: 'eof',
    outdir: assets,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => resolve(ROOT, file));
  const named = (ext) => {
    const file = outputs.find((f) => f.endsWith(ext));
    if (!file) throw new Error(`the console build wrote no ${ext} file`);
    return `/console/assets/${basename(file)}`;
  };
  const template = await readFile(join(SOURCE, 'index.html'), 'utf8');
  const html = template.replace('%SCRIPT%', named('.js')).replace('%STYLE%', named('.css'));
  await writeFile(join(outdir, 'index.html'), html);
  return {
    outdir,
    files: ['index.html', ...outputs.map((f) => relative(outdir, f))],
  };
}

const invoked = process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invoked) {
  const outdir = resolve(process.argv[2] ?? join(ROOT, 'dist', 'console'));
  const { files } = await buildConsole({ outdir });
  for (const file of files) {
    const bytes = await readFile(join(outdir, file));
    const { size } = await stat(join(outdir, file));
    console.log(
      `${file.padEnd(40)} ${String(size).padStart(8)} B  gzip ${gzipSync(bytes).length} B`,
    );
  }
  console.log(`console built into ${relative(process.cwd(), outdir) || '.'}`);
}
