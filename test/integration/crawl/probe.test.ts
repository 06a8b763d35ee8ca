// Probe mode (--urls): a streamed list of URLs and bare hosts, redirects followed in place with
// the chain recorded, duplicates and junk lines dropped; plus the host error budget, the body
// cap, the content-type filter and unreachable hosts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerRequest, ServerResponse } from '../../../src/server/types.js';
import { crawlToFile, startSiteServer, tempDir, type TestServer } from './helpers.js';

const tmp = tempDir('fb-crawl-probe-');
let srv: TestServer;
const BIG = Buffer.alloc(300 * 1024, 0x61);
/** 6 MiB of HTML: over the old 5 MiB default cap. */
const HUGE = Buffer.from(`<html><title>huge</title><p>${'h'.repeat(6 * 1024 * 1024)}</p><a href="/site/p/5">end</a></html>`);
/** A 300 KiB page with one link near its start and one near its end. */
const BIG_LINKS = Buffer.from(`<html><title>big</title><a href="/site/p/3">early</a><p>${'b'.repeat(300 * 1024)}</p><a href="/site/p/4">late</a></html>`);

beforeAll(async () => {
  srv = await startSiteServer({
    pages: 50,
    extra: (req: ServerRequest, res: ServerResponse) => {
      if (req.path.startsWith('/fail/')) {
        res.send(500, 'broken\n', ['Content-Type', 'text/plain']);
        return true;
      }
      if (req.path === '/big') {
        res.send(200, BIG, ['Content-Type', 'text/html']);
        return true;
      }
      if (req.path === '/big-links' || req.path === '/big-links-norange') {
        // Honours `Range: bytes=0-N` (the only form the crawler sends) unless -norange.
        const m = /^bytes=0-(\d+)$/.exec(req.headers.get('range') ?? '');
        if (m !== null && req.path === '/big-links') {
          const end = Math.min(Number(m[1]), BIG_LINKS.length - 1);
          res.send(206, BIG_LINKS.subarray(0, end + 1), ['Content-Type', 'text/html', 'Content-Range', `bytes 0-${end}/${BIG_LINKS.length}`]);
        } else {
          res.send(200, BIG_LINKS, ['Content-Type', 'text/html']);
        }
        return true;
      }
      if (req.path === '/huge') {
        res.send(200, HUGE, ['Content-Type', 'text/html']);
        return true;
      }
      if (req.path === '/data.json') {
        res.send(200, '{"a":1}', ['Content-Type', 'application/json']);
        return true;
      }
      if (req.path === '/scope/home') {
        const port = srv.port;
        const links = [`http://blog.alpha.test:${port}/scope/leaf`, `http://beta.test:${port}/scope/leaf`, '/scope/leaf', '/scope/skip-me', '/scope/leaf?x=1'];
        res.send(200, `<html><title>home</title>${links.map((l) => `<a href="${l}">x</a>`).join('')}</html>`, ['Content-Type', 'text/html']);
        return true;
      }
      if (req.path.startsWith('/scope/')) {
        res.send(200, '<html><title>leaf</title></html>', ['Content-Type', 'text/html']);
        return true;
      }
      if (req.path === '/links-json') {
        res.send(200, '<html><title>j</title><a href="/data.json">data</a><a href="/site/p/1">p1</a></html>', ['Content-Type', 'text/html']);
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

function write(name: string, lines: string[]): string {
  const p = join(tmp.dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

describe('probe mode', () => {
  it('fetches each line once, follows redirects and records the chain', async () => {
    const port = srv.port;
    const file = write('urls.txt', [
      '# a comment',
      '',
      `probe-a.test:${port}`,
      `http://probe-a.test:${port}/site`,
      `http://probe-a.test:${port}/site/r/3`,
      `  http://probe-a.test:${port}/site/p/5  `,
      `http://probe-a.test:${port}/site/p/5#again`,
      `http://probe-a.test:${port}/site/p/9999`,
      'mailto:nobody@example.invalid',
      `http://probe-b.test:${port}/site/private/1`,
    ]);
    const { records, summary } = await crawlToFile(join(tmp.dir, 'probe.jsonl'), { urlsFile: file, resolve: [`probe-a.test:${port}:127.0.0.1`, `probe-b.test:${port}:127.0.0.1`] });
    const by = new Map(records.map((r) => [r.url, r]));
    expect(records).toHaveLength(6);
    expect(summary.invalidLines).toBe(1);
    const bare = by.get(`http://probe-a.test:${port}/`)!;
    expect(bare.status).toBe(200);
    expect(bare.error).toBeNull(); // probes record any content type
    const site = by.get(`http://probe-a.test:${port}/site`)!;
    expect(site).toMatchObject({ status: 200, finalUrl: `http://probe-a.test:${port}/site/`, redirects: [`http://probe-a.test:${port}/site`], title: 'fastbench synthetic site' });
    const r3 = by.get(`http://probe-a.test:${port}/site/r/3`)!;
    expect(r3).toMatchObject({ status: 200, finalUrl: `http://probe-a.test:${port}/site/p/3`, redirects: [`http://probe-a.test:${port}/site/r/3`] });
    expect(by.get(`http://probe-a.test:${port}/site/p/9999`)!.status).toBe(404);
    expect(by.get(`http://probe-b.test:${port}/site/private/1`)!.error).toBe('ERR_CRAWL_ROBOTS_DISALLOWED');
    expect(records.every((r) => r.depth === 0)).toBe(true);
  });

  it('gives up on a host after its error budget, without fetching the rest', async () => {
    const file = write('fail.txt', Array.from({ length: 10 }, (_, i) => `${srv.url}/fail/${i}`));
    srv.log.length = 0;
    const { records, summary } = await crawlToFile(join(tmp.dir, 'fail.jsonl'), { urlsFile: file, hostErrorBudget: 3, backoffBaseMs: 5, perHost: 1 });
    expect(records).toHaveLength(10);
    expect(records.filter((r) => r.status === 500)).toHaveLength(3);
    expect(records.filter((r) => r.error === 'ERR_CRAWL_HOST_BUDGET')).toHaveLength(7);
    expect(srv.log.filter((a) => a.path.startsWith('/fail/'))).toHaveLength(3);
    expect(summary.errorsByCode.ERR_CRAWL_HOST_BUDGET).toBe(7);
    expect(summary.statusCounts['500']).toBe(3);
  });

  it('caps the body size and counts it as the page\'s problem, not the host\'s', async () => {
    const file = write('big.txt', [`${srv.url}/big`, `${srv.url}/site/p/1`]);
    const { records, summary } = await crawlToFile(join(tmp.dir, 'big.jsonl'), { urlsFile: file, maxBodyBytes: 100 * 1024, hostErrorBudget: 1 });
    const big = records.find((r) => r.url.endsWith('/big'))!;
    // The server ignores the Range request for the first 100 KiB: nothing could be read.
    expect(big).toMatchObject({ error: 'ERR_HTTP_BODY_TOO_LARGE', truncated: true });
    expect(records.find((r) => r.url.endsWith('/site/p/1'))!.status).toBe(200);
    expect(records.find((r) => r.url.endsWith('/site/p/1'))!.truncated).toBeUndefined();
    expect(summary.truncated).toBe(1);
  });

  it('reads a page over the cap up to the cap, parses it and marks it truncated', async () => {
    srv.log.length = 0;
    const { records, summary } = await crawlToFile(join(tmp.dir, 'bigl.jsonl'), { seeds: [`${srv.url}/big-links`], maxBodyBytes: 100 * 1024, maxDepth: 1, robots: false });
    const big = records.find((r) => r.url.endsWith('/big-links'))!;
    expect(big).toMatchObject({ status: 206, error: null, truncated: true, title: 'big', bytes: 100 * 1024, links: 1 });
    expect(records.map((r) => new URL(r.url).pathname).sort()).toEqual(['/big-links', '/site/p/3']); // the link past the cap was never read
    expect(summary.truncated).toBe(1);
    expect(srv.log.filter((a) => a.path === '/big-links')).toHaveLength(2);
    const nr = await crawlToFile(join(tmp.dir, 'bign.jsonl'), { seeds: [`${srv.url}/big-links-norange`], maxBodyBytes: 100 * 1024, maxDepth: 1, robots: false });
    expect(nr.records).toHaveLength(1);
    expect(nr.records[0]).toMatchObject({ error: 'ERR_HTTP_BODY_TOO_LARGE', truncated: true, links: 0 });
  });

  it('reads pages of several MiB whole by default (32 MiB cap)', async () => {
    const { records } = await crawlToFile(join(tmp.dir, 'bigd.jsonl'), { seeds: [`${srv.url}/huge`], maxDepth: 0, robots: false });
    expect(records[0]).toMatchObject({ status: 200, error: null, bytes: HUGE.length, links: 1 });
    expect(records[0]!.truncated).toBeUndefined();
  });

  it('times the response apart from the connect: a slow answer is ERR_TIMEOUT_HEADERS', async () => {
    const file = write('slow.txt', [`${srv.url}/delay/3000`, `${srv.url}/site/p/2`]);
    const { records } = await crawlToFile(join(tmp.dir, 'slow.jsonl'), { urlsFile: file, timeoutMs: 150, connectTimeoutMs: 1000, perHost: 1 });
    const slow = records.find((r) => r.url.endsWith('/delay/3000'))!;
    expect(slow.error).toBe('ERR_TIMEOUT_HEADERS');
    expect(slow.timing!.total).toBeLessThan(2000);
    expect(records.find((r) => r.url.endsWith('/site/p/2'))!.status).toBe(200);
  });

  it('records unreachable hosts with the transport error', async () => {
    const file = write('dead.txt', ['http://127.0.0.1:1/', 'http://127.0.0.1:1/a', 'dead-host.invalid']);
    const { records } = await crawlToFile(join(tmp.dir, 'dead.jsonl'), { urlsFile: file, backoffBaseMs: 5, connectTimeoutMs: 2000 });
    expect(records).toHaveLength(3);
    expect(records.filter((r) => r.url.startsWith('http://127.0.0.1:1/')).every((r) => r.error === 'ERR_CONN_REFUSED')).toBe(true);
    expect(records.find((r) => r.url.includes('dead-host.invalid'))!.error).toMatch(/^ERR_DNS_/);
  });
});

describe('content-type filter in a deep crawl', () => {
  it('parses only the listed types and records the others as fetched, not as errors', async () => {
    const { records, summary } = await crawlToFile(join(tmp.dir, 'ct.jsonl'), { seeds: [`${srv.url}/links-json`], maxDepth: 1 });
    const json = records.find((r) => r.url.endsWith('/data.json'))!;
    expect(json).toMatchObject({ status: 200, contentType: 'application/json', error: null, links: 0 });
    expect(summary.errorsByCode.ERR_CRAWL_CONTENT_TYPE).toBeUndefined();
    expect(summary.errorsByCode).toEqual({});
    const again = await crawlToFile(join(tmp.dir, 'ct2.jsonl'), { seeds: [`${srv.url}/links-json`], maxDepth: 1, contentTypes: ['text/html', 'application/*'] });
    expect(again.records.find((r) => r.url.endsWith('/data.json'))!.error).toBeNull();
  });
});

describe('scope and include/exclude in a deep crawl', () => {
  const hosts = (records: { url: string }[]): string[] => records.map((r) => { const u = new URL(r.url); return u.hostname + u.pathname + u.search; }).sort();
  it('host, domain and any; exclude wins over include', async () => {
    const port = srv.port;
    const resolve = ['www.alpha.test', 'blog.alpha.test', 'beta.test'].map((h) => `${h}:${port}:127.0.0.1`);
    const seeds = [`http://www.alpha.test:${port}/scope/home`];
    const common = { seeds, resolve, robots: false };
    const host = await crawlToFile(join(tmp.dir, 'sc1.jsonl'), { ...common, scope: 'host' });
    expect(hosts(host.records)).toEqual(['www.alpha.test/scope/home', 'www.alpha.test/scope/leaf', 'www.alpha.test/scope/leaf?x=1', 'www.alpha.test/scope/skip-me']);
    const domain = await crawlToFile(join(tmp.dir, 'sc2.jsonl'), { ...common, scope: 'domain', exclude: ['/scope/skip-*'] });
    expect(hosts(domain.records)).toEqual(['blog.alpha.test/scope/leaf', 'www.alpha.test/scope/home', 'www.alpha.test/scope/leaf', 'www.alpha.test/scope/leaf?x=1']);
    const any = await crawlToFile(join(tmp.dir, 'sc3.jsonl'), { ...common, scope: 'any', include: ['re:/scope/(home|leaf)'], exclude: ['re:\\?x=1$'] });
    expect(hosts(any.records)).toEqual(['beta.test/scope/leaf', 'blog.alpha.test/scope/leaf', 'www.alpha.test/scope/home', 'www.alpha.test/scope/leaf']);
  });
});
