// The operator console's files (built from console/ by scripts/build-console.mjs into
// dist/console/): the page at /console and /console/, its scripts, styles and source maps under
// /console/assets/. Each file is served compressed (brotli or gzip) with an ETag; the page is
// revalidated on every load (`no-cache`), the content-hashed assets are cached for good
// (`immutable`). Files are re-read when they change on disk (a rebuild while the gateway runs).
// Without a build, /console answers 503 and says how to build it.
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { CompressedPage } from '../http/compressed-page.js';
import { packageRoot } from '../runtime/package-root.js';

export const CONSOLE_PATH = '/console';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** A name the build writes under assets/: no directories, no dot files. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** esbuild's `[name]-[hash]` (8 characters of base32): the bytes behind such a name never change. */
const HASHED = /-[A-Z0-9]{8}\.[a-z0-9.]+$/;

const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The page talks only to this gateway: no other origin, no framing, no inline script. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/**
 * `dist/console` of the checkout or installed package this file belongs to: the nearest folder
 * above `from` (a file URL or path) that holds a package.json. Works from src/ under tsx and
 * from a compiled copy under dist/ alike.
 */
export function findConsoleDir(from: string = import.meta.url): string {
  return join(packageRoot(from), 'dist', 'console');
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  });
}

export class ConsoleAssets {
  /** One compressed page per file, with the size and mtime it was read at. */
  readonly #files = new Map<string, { version: string; page: CompressedPage }>();

  constructor(readonly dir: string) {}

  /** Whether `pathname` is the console's (/console, /console/…). */
  static owns(pathname: string): boolean {
    return pathname === CONSOLE_PATH || pathname.startsWith(`${CONSOLE_PATH}/`);
  }

  async respond(request: Request): Promise<Response> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return text(405, 'Method Not Allowed', { allow: 'GET, HEAD' });
    }
    const { pathname } = new URL(request.url);
    const file = this.#fileOf(pathname);
    if (!file) return text(404, 'Not Found');
    const page = await this.#page(file);
    if (page) return page.respond(request);
    if (file !== 'index.html') return text(404, 'Not Found');
    return text(
      503,
      `The operator console is not built (no ${join(this.dir, 'index.html')}).\n` +
        'Run `npm run build` (or `npm run build:console`), then reload this page.\n',
      { 'retry-after': '10' },
    );
  }

  /** The file under the console folder that `pathname` names, or null. */
  #fileOf(pathname: string): string | null {
    if (pathname === CONSOLE_PATH || pathname === `${CONSOLE_PATH}/`) return 'index.html';
    const name = pathname.slice(`${CONSOLE_PATH}/assets/`.length);
    if (!pathname.startsWith(`${CONSOLE_PATH}/assets/`) || !ASSET_NAME.test(name)) return null;
    return `assets/${name}`;
  }

  /** The file's page, read again when its size or mtime changed; null when there is no file. */
  async #page(file: string): Promise<CompressedPage | null> {
    const path = join(this.dir, file);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) {
      this.#files.delete(file);
      return null;
    }
    const version = `${info.size}:${info.mtimeMs}`;
    const known = this.#files.get(file);
    if (known?.version === version) return known.page;
    const isPage = file === 'index.html';
    const page = new CompressedPage(
      async () => ({
        body: new Uint8Array(await readFile(path)),
        contentType: CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      }),
      {
        cacheControl: !isPage && HASHED.test(file) ? IMMUTABLE : 'no-cache',
        headers: isPage ? PAGE_HEADERS : { 'x-content-type-options': 'nosniff' },
      },
    );
    this.#files.set(file, { version, page });
    return page;
  }
}
