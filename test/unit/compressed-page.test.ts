// A large page that never changes (GraphiQL) is sent compressed, once, and revalidated with its
// ETag, so a reload costs a 304.
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CompressedPage, negotiateEncoding } from '../../src/http/compressed-page.js';

const HTML = `<!doctype html><title>x</title>${'<p>GraphiQL</p>'.repeat(10_000)}`;

function page() {
  let renders = 0;
  const p = new CompressedPage(async () => {
    renders++;
    return { body: HTML, contentType: 'text/html; charset=utf-8' };
  });
  return { p, renders: () => renders };
}

const get = (headers: Record<string, string> = {}, method = 'GET') =>
  new Request('http://gateway/graphql', { method, headers });

describe('CompressedPage', () => {
  it('sends brotli, gzip or the plain page as the client accepts, each with its own ETag', async () => {
    const { p, renders } = page();
    const br = await p.respond(get({ 'accept-encoding': 'gzip, deflate, br' }));
    const gz = await p.respond(get({ 'accept-encoding': 'gzip' }));
    const plain = await p.respond(get());
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString()).toBe(HTML);
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toBe(HTML);
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(HTML);
    const etags = new Set([br, gz, plain].map((r) => r.headers.get('etag')));
    expect(etags.size).toBe(3);
    for (const r of [br, gz, plain]) {
      expect(r.headers.get('cache-control')).toBe('public, no-cache');
      expect(r.headers.get('vary')).toBe('Accept-Encoding');
    }
    expect(Number(br.headers.get('content-length'))).toBeLessThan(HTML.length / 20);
    expect(renders()).toBe(1);
  });

  it('answers 304 without a body to a request naming its ETag', async () => {
    const { p } = page();
    const first = await p.respond(get({ 'accept-encoding': 'br' }));
    const again = await p.respond(
      get({ 'accept-encoding': 'br', 'if-none-match': `W/"other", ${first.headers.get('etag')}` }),
    );
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const otherEncoding = await p.respond(
      get({ 'accept-encoding': 'gzip', 'if-none-match': first.headers.get('etag')! }),
    );
    expect(otherEncoding.status).toBe(200);
    const head = await p.respond(get({}, 'HEAD'));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it.each([
    ['br;q=0, gzip', 'gzip'],
    ['*', 'br'],
    ['identity', 'identity'],
    ['gzip;q=0.5, br;q=0', 'gzip'],
    ['', 'identity'],
  ])('negotiates %j as %s', (header, expected) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });
});
