// issue 15: /gzip, /deflate, /brotli, and the synthetic site honouring Accept-Encoding with pages
// compressed once and cached.
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { exchange, fakeRequest, FakeResponse } from '../../../fixtures/server/fake-exchange.js';
import { app } from '../../../fixtures/server/default-app.js';
import { SiteCompression } from '../../../../src/server/routes/compressed.js';
import { siteHandler } from '../../../../src/server/routes/site.js';

describe('/gzip, /deflate, /brotli', () => {
  const a = app();
  it.each([
    ['/gzip', 'gzip', gunzipSync, 'gzipped'],
    ['/deflate', 'deflate', inflateSync, 'deflated'],
    ['/brotli', 'br', brotliDecompressSync, 'brotli'],
  ] as const)('%s answers JSON in its coding, whatever the request accepts', (path, coding, decode, flag) => {
    const res = exchange(a, { target: path, headers: [['Host', 'x']] });
    expect(res.status).toBe(200);
    expect(res.header('content-encoding')).toBe(coding);
    expect(res.header('content-type')).toBe('application/json');
    const doc = JSON.parse(decode(res.body).toString('utf8')) as Record<string, unknown>;
    expect(doc[flag]).toBe(true);
    expect(doc.coding).toBe(coding);
    expect(res.body.length).toBeLessThan(decode(res.body).length);
  });
});

describe('the synthetic site and Accept-Encoding', () => {
  const get = (h: (req: ReturnType<typeof fakeRequest>, res: FakeResponse) => void, target: string, ae?: string): FakeResponse => {
    const res = new FakeResponse();
    h(fakeRequest({ target, headers: [['Host', 'site.test'], ...(ae !== undefined ? [['Accept-Encoding', ae] as [string, string]] : [])] }), res);
    return res;
  };

  it('serves the same page plain, gzip or br as the request prefers', () => {
    const h = siteHandler({ pages: 50, seed: 7 });
    const plain = get(h, '/site/p/3');
    expect(plain.header('content-encoding')).toBeUndefined();
    const gz = get(h, '/site/p/3', 'gzip, deflate');
    expect(gz.header('content-encoding')).toBe('gzip');
    expect(gz.header('vary')).toBe('Accept-Encoding');
    expect(gunzipSync(gz.body).toString('utf8')).toBe(plain.text);
    const br = get(h, '/site/p/3', 'gzip, deflate, br');
    expect(br.header('content-encoding')).toBe('br');
    expect(brotliDecompressSync(br.body).toString('utf8')).toBe(plain.text);
    expect(get(h, '/site/p/3', 'identity').header('content-encoding')).toBeUndefined();
  });

  it('compresses a page once, then serves it from the cache', () => {
    const cache = new SiteCompression();
    const h = siteHandler({ pages: 50, seed: 7 }, cache);
    for (let i = 0; i < 5; i++) get(h, '/site/p/4', 'gzip');
    expect(cache.compressions).toBe(1);
    get(h, '/site/p/4', 'br');
    get(h, '/site/p/5', 'gzip');
    expect(cache.compressions).toBe(3);
  });

  it('keeps the cache bounded', () => {
    const cache = new SiteCompression(2);
    const h = siteHandler({ pages: 50, seed: 7 }, cache);
    for (const p of [1, 2, 3, 1]) get(h, `/site/p/${p}`, 'gzip');
    // 1, 2 cached; 3 clears and caches; 1 again must be compressed again
    expect(cache.compressions).toBe(4);
  });
});
