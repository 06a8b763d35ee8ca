// issue 15: crawl --compressed (pages decoded before link extraction) and --cookies (a jar per host).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlToFile, expectedPaths, fetched, pathOf, startSiteServer, tempDir, type TestServer } from './helpers.js';

const PAGES = 120;
let srv: TestServer;
const tmp = tempDir('fb-crawl-web-');
const COOKIE = Buffer.from('cookie', 'latin1');

beforeAll(async () => {
  srv = await startSiteServer({
    pages: PAGES,
    // /jar/ sets a cookie; /jar/inner links to /jar/secret only for a client that sent it back.
    extra: (req, res) => {
      if (req.path === '/jar/') {
        res.send(200, '<a href="/jar/inner">in</a>', ['Content-Type', 'text/html', 'Set-Cookie', 'visited=yes; Path=/jar']);
        return true;
      }
      if (req.path === '/jar/inner') {
        const i = req.headers.indexOf(COOKIE);
        const ok = i >= 0 && req.headers.value(i) === 'visited=yes';
        res.send(200, ok ? '<a href="/jar/secret">s</a>' : 'no cookie', ['Content-Type', 'text/html']);
        return true;
      }
      if (req.path === '/jar/secret') {
        res.send(200, 'secret', ['Content-Type', 'text/html']);
        return true;
      }
      return false;
    },
  });
});
afterAll(async () => {
  await srv.close();
  tmp.cleanup();
});

describe('crawl --compressed', () => {
  it('finds the same URLs as the reference crawl, from compressed pages', async () => {
    const { records } = await crawlToFile(join(tmp.dir, 'c.jsonl'), { seeds: [`${srv.url}/site/`], perHost: 4, concurrency: 8, compressed: true });
    const want = expectedPaths(PAGES, { robots: true, nofollow: false });
    const got = fetched(records);
    expect(new Set(got.map((r) => pathOf(r.url)))).toEqual(new Set(want.keys()));
    // The pages came compressed: fewer bytes on the wire than decoded.
    const html = got.filter((r) => r.status === 200 && r.contentType?.startsWith('text/html') === true);
    expect(html.length).toBeGreaterThan(10);
    for (const r of html) {
      expect(r.decodedBytes).toBeDefined();
      expect(r.bytes).toBeLessThan(r.decodedBytes!);
    }
  });

  it('without it the pages come plain (no decodedBytes)', async () => {
    const { records } = await crawlToFile(join(tmp.dir, 'p.jsonl'), { seeds: [`${srv.url}/site/`], perHost: 4, concurrency: 8, maxPages: 5 });
    expect(fetched(records).every((r) => r.decodedBytes === undefined)).toBe(true);
  });
});

describe('crawl --cookies', () => {
  it('sends a host\'s cookies back to it: /jar/secret is only reachable with them', async () => {
    const withJar = await crawlToFile(join(tmp.dir, 'j1.jsonl'), { seeds: [`${srv.url}/jar/`], robots: false, cookies: true });
    expect(fetched(withJar.records).map((r) => pathOf(r.url)).sort()).toEqual(['/jar/', '/jar/inner', '/jar/secret']);
    const without = await crawlToFile(join(tmp.dir, 'j2.jsonl'), { seeds: [`${srv.url}/jar/`], robots: false });
    expect(fetched(without.records).map((r) => pathOf(r.url)).sort()).toEqual(['/jar/', '/jar/inner']);
  });
});
