// Crawl records → weighted requests (weights from in-links), thresholds from the crawl's latencies.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FastbenchError } from '../../../../src/core/errors.js';
import { importCrawl, percentile, proposedLimit, type CrawlImportOptions } from '../../../../src/cli/import/crawl-import.js';
import { ImportLog, renderImport, type ScenarioDoc } from '../../../../src/cli/import/import-output.js';

const load = [{ connections: 1, duration: '1s' }];
const B = 'http://127.0.0.1:8080';

function rec(path: string, o: { status?: number; links?: string[]; total?: number; error?: string; origin?: string } = {}): string {
  return JSON.stringify({
    url: `${o.origin ?? B}${path}`,
    status: o.status ?? 200,
    error: o.error ?? null,
    timing: o.total === undefined ? null : { total: o.total },
    ...(o.links !== undefined ? { linkUrls: o.links.map((l) => (l.startsWith('http') ? l : `${B}${l}`)) } : {}),
  });
}

function imp(lines: string[], opts: Partial<CrawlImportOptions> = {}): { doc: ScenarioDoc; log: ImportLog } {
  const log = new ImportLog();
  const doc = importCrawl(lines.join('\n') + '\n', 'pages.jsonl', { load, ...opts }, log);
  renderImport(doc, log, 'crawl pages.jsonl', '/tmp/out.yaml'); // validates
  return { doc: parse(renderImport(doc, log, 'crawl', '/tmp/o.yaml').yaml) as ScenarioDoc, log };
}

describe('import crawl', () => {
  const site = [
    rec('/', { links: ['/a', '/b', '/c', '/a', '/'], total: 4 }), // /a twice on one page: one in-link; a self-link: none
    rec('/a', { links: ['/b', '/c'], total: 2 }),
    rec('/b', { links: ['/c', '/gone'], total: 1 }),
    rec('/c', { links: [], total: 3 }),
    rec('/gone', { status: 404, total: 1 }),
    rec('/moved', { status: 301, total: 1 }),
    rec('/err', { status: 0, error: 'ERR_CONN_RESET' }),
    rec('/c', { links: [], total: 3 }), // a repeated record counts once
  ];

  it('weights are in-links from distinct crawled pages; failed, redirected and repeated records are left out', () => {
    const { doc, log } = imp(site);
    expect(doc.target).toBe(B);
    expect(doc.requests!.map((r) => [r.path, r.weight])).toEqual([
      ['/', 1], // a seed: no page links to it
      ['/a', 1],
      ['/b', 2],
      ['/c', 3],
    ]);
    expect(log.notes[0]).toBe('of 8 crawl records, left out 1 redirect(s), 2 failed or 4xx/5xx, 0 other non-2xx');
  });

  it('--uniform, or records without linkUrls (with a warning), weigh every page 1', () => {
    expect(imp(site, { uniform: true }).doc.requests!.every((r) => r.weight === undefined)).toBe(true);
    const { doc, log } = imp([rec('/x'), rec('/y')]);
    expect(doc.requests!.map((r) => r.weight)).toEqual([undefined, undefined]);
    expect(log.warnings).toEqual([{ where: 'pages.jsonl line 1', message: 'no record carries linkUrls (crawl with --links): every page weighs 1, as with --uniform' }]);
  });

  it('--max-urls keeps the most linked pages', () => {
    expect(imp(site, { maxUrls: 2 }).doc.requests!.map((r) => r.path)).toEqual(['/b', '/c']);
  });

  it('other origins keep absolute URLs', () => {
    const { doc } = imp([rec('/1'), rec('/2'), rec('/x', { origin: 'https://cdn.test' })]);
    expect(doc.requests!.map((r) => r.path ?? r.url)).toEqual(['/1', '/2', 'https://cdn.test/x']);
  });

  it('--propose-thresholds: p50 and p99 of the kept pages × margin, at least 10 ms, and errors < 1%', () => {
    const pages = Array.from({ length: 100 }, (_, i) => rec(`/p/${i}`, { total: i + 1 })); // 1..100 ms
    const { doc, log } = imp(pages, { proposeThresholds: true, margin: 2 });
    expect(doc.thresholds).toEqual({ overall: ['p50 < 100ms', 'p99 < 198ms', 'errors < 1%'] });
    expect(log.notes).toContain("thresholds proposed from the crawl's latencies over 100 page(s): p50 50 ms, p99 99 ms, × margin 2, at least 10 ms");
    // fast pages: the floor
    expect(imp([rec('/', { total: 0.4 })], { proposeThresholds: true }).doc.thresholds).toEqual({ overall: ['p50 < 10ms', 'p99 < 10ms', 'errors < 1%'] });
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(proposedLimit(3.1, 3)).toBe(10);
    expect(proposedLimit(12.1, 3)).toBe(37);
  });

  it('bad records are typed errors at their line; nothing usable is ERR_IMPORT_EMPTY', () => {
    const at = (lines: string[]): FastbenchError => {
      try {
        imp(lines);
      } catch (e) {
        if (e instanceof FastbenchError) return e;
        throw e;
      }
      throw new Error('did not throw');
    };
    let e = at([rec('/'), '{"url": ']);
    expect([e.code, e.line]).toEqual(['ERR_IMPORT_PARSE', 2]);
    e = at([rec('/'), '', '{"status": 200}']);
    expect([e.code, e.line, e.message]).toEqual(['ERR_IMPORT_FORMAT', 3, 'line 3: a crawl record needs a "url" string']);
    e = at([rec('/x', { status: 500 })]);
    expect([e.code, e.message]).toEqual(['ERR_IMPORT_EMPTY', 'no 2xx page among 1 crawl record(s)']);
  });
});
