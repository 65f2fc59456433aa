// The operator console's files: found beside the package, served compressed with ETags, the
// page revalidated and the hashed assets cached for good, nothing outside the folder, and a
// clear 503 before the console is built.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleAssets, findConsoleDir } from '../../src/console/assets.js';

const ROOT = join(import.meta.dirname, '../..');
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});`;

let dir: string;
const get = (assets: ConsoleAssets, path: string, init: RequestInit = {}) =>
  assets.respond(new Request(`http://gateway${path}`, init));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gw-console-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('findConsoleDir', () => {
  it('is dist/console of the nearest folder holding a package.json', async () => {
    expect(findConsoleDir()).toBe(join(ROOT, 'dist', 'console'));
    const pkg = join(dir, 'pkg');
    await mkdir(join(pkg, 'dist', 'src', 'console'), { recursive: true });
    await writeFile(join(pkg, 'package.json'), '{}');
    const compiled = join(pkg, 'dist', 'src', 'console', 'assets.js');
    expect(findConsoleDir(pathToFileURL(compiled).href)).toBe(join(pkg, 'dist', 'console'));
    expect(findConsoleDir(compiled)).toBe(join(pkg, 'dist', 'console'));
  });

  it('falls back to the working directory without any package.json above', () => {
    expect(findConsoleDir('/no-such-folder/deeper/file.js')).toBe(
      join(process.cwd(), 'dist', 'console'),
    );
  });
});

describe('ConsoleAssets', () => {
  it('answers 503 with how to build it while the console is not built', async () => {
    const assets = new ConsoleAssets(join(dir, 'not-built'));
    for (const path of ['/console', '/console/']) {
      const answer = await get(assets, path);
      expect(answer.status).toBe(503);
      expect(answer.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await answer.text()).toMatch(/not built.*\n.*npm run build/);
    }
    expect((await get(assets, '/console/assets/console-ABCDEFGH.js')).status).toBe(404);
  });

  it('serves the page revalidated and hashed assets immutable, compressed, with ETags', async () => {
    const out = join(dir, 'built');
    await mkdir(join(out, 'assets'), { recursive: true });
    await writeFile(join(out, 'index.html'), '<!doctype html><title>console</title>');
    await writeFile(join(out, 'assets', 'console-ABCDEFGH.js'), SCRIPT);
    await writeFile(join(out, 'assets', 'console-ABCDEFGH.js.map'), '{}');
    await writeFile(join(out, 'assets', 'notes.txt'), 'plain');
    const assets = new ConsoleAssets(out);

    for (const path of ['/console', '/console/']) {
      const page = await get(assets, path, { headers: { 'accept-encoding': 'br' } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
      expect(page.headers.get('content-encoding')).toBe('br');
      expect(brotliDecompressSync(Buffer.from(await page.arrayBuffer())).toString()).toContain(
        '<title>console</title>',
      );
    }

    const script = await get(assets, '/console/assets/console-ABCDEFGH.js', {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('content-encoding')).toBe('gzip');
    expect(Number(script.headers.get('content-length'))).toBeLessThan(SCRIPT.length / 10);
    const etag = script.headers.get('etag')!;
    const again = await get(assets, '/console/assets/console-ABCDEFGH.js', {
      headers: { 'accept-encoding': 'gzip', 'if-none-match': etag },
    });
    expect(again.status).toBe(304);

    const map = await get(assets, '/console/assets/console-ABCDEFGH.js.map');
    expect(map.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(map.headers.get('cache-control')).toContain('immutable');
    const plain = await get(assets, '/console/assets/notes.txt');
    expect(plain.headers.get('content-type')).toBe('application/octet-stream');
    expect(plain.headers.get('cache-control')).toBe('no-cache');
    const head = await get(assets, '/console', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('reads a file again after a rebuild', async () => {
    const out = join(dir, 'rebuilt');
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'index.html'), 'one');
    const assets = new ConsoleAssets(out);
    const first = await get(assets, '/console');
    expect(await first.text()).toBe('one');
    await writeFile(join(out, 'index.html'), 'second build');
    const second = await get(assets, '/console');
    expect(await second.text()).toBe('second build');
    expect(second.headers.get('etag')).not.toBe(first.headers.get('etag'));
  });

  it('serves nothing outside its folder and only GET and HEAD', async () => {
    const assets = new ConsoleAssets(join(ROOT));
    for (const path of [
      '/console/package.json',
      '/console/assets/',
      '/console/assets/.hidden',
      '/console/assets/%2e%2e%2fpackage.json',
      '/console/assets/..%2F..%2Fpackage.json',
      '/console/assets/sub/file.js',
    ]) {
      expect((await get(assets, path)).status, path).toBe(404);
    }
    const post = await get(assets, '/console', { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(ConsoleAssets.owns('/console')).toBe(true);
    expect(ConsoleAssets.owns('/console/assets/x.js')).toBe(true);
    expect(ConsoleAssets.owns('/consoles')).toBe(false);
  });
});
