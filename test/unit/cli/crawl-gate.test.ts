// Crawl thresholds: parsing (status counts and shares, the run's latency/errors/rps expressions,
// no windows) and judging on a crawl's RunResult built from records.
import { describe, expect, it } from 'vitest';
import { judgeCrawl, parseCrawlThreshold, crawlExitCode, type CrawlThreshold } from '../../../src/cli/crawl-gate.js';
import { parseCrawlScenario } from '../../../src/cli/crawl-scenario.js';
import { CrawlGateStats, OTHER_HOSTS, PER_HOST_LIMIT } from '../../../src/crawl/crawl-result.js';
import { newRecord } from '../../../src/crawl/page-reader.js';
import type { CrawlRecord } from '../../../src/crawl/crawl-record.js';

function rec(url: string, status: number, total: number, error: string | null = null): CrawlRecord {
  const r = newRecord(url, url, 0, 0);
  r.status = status;
  r.error = error;
  r.timing = total > 0 ? { connWait: 0, dns: 0, connect: 0, tls: 0, write: 0, firstByte: total, body: 0, total, reused: true } : null;
  return r;
}

function ok(text: string): CrawlThreshold {
  const t = parseCrawlThreshold(text);
  if ('error' in t) throw new Error(t.error);
  return t;
}

const env = { fastbenchVersion: '0', node: 'v20', cpuModel: 'x', cores: 1 };

describe('crawl thresholds', () => {
  it('parses status counts and shares, and the run\'s expressions', () => {
    expect(ok('status:5xx=0')).toMatchObject({ kind: 'status', status: '5xx', op: '<=', value: 0, share: false });
    expect(ok(' status:404 < 10 ')).toMatchObject({ status: '404', op: '<', value: 10 });
    expect(ok('status:4xx<2%')).toMatchObject({ status: '4xx', value: 0.02, share: true });
    expect(ok('p99<500ms')).toMatchObject({ kind: 'latency', value: 500 });
    expect(ok('errors<1%')).toMatchObject({ kind: 'errors', value: 0.01 });
    expect(parseCrawlThreshold('status:5xx=2')).toMatchObject({ error: expect.stringContaining('"= 0"') });
    expect(parseCrawlThreshold('status:600<1')).toMatchObject({ error: expect.stringContaining('status:5xx') });
    expect(parseCrawlThreshold('p99<5ms over 10s windows')).toMatchObject({ error: expect.stringContaining('window') });
    expect(parseCrawlThreshold('p99')).toHaveProperty('error');
  });

  it('judges on the crawl: errors are error codes and statuses >= 400; robots-skipped URLs do not count', () => {
    const g = new CrawlGateStats();
    for (let i = 0; i < 96; i++) g.add(rec(`http://a.test/p${i}`, 200, 10));
    g.add(rec('http://a.test/gone', 404, 5));
    g.add(rec('http://a.test/boom', 503, 900));
    g.add(rec('http://a.test/slow', 0, 0, 'ERR_TIMEOUT_HEADERS'));
    g.add(rec('http://b.test:8080/x', 200, 20));
    g.add(rec('http://a.test/private', 0, 0, 'ERR_CRAWL_ROBOTS_DISALLOWED'));
    const result = g.result({ name: 't', environment: env, startMs: 0, endMs: 10_000, interrupted: false });
    expect(result.overall).toMatchObject({ requests: 100, errors: 3, responses: 97 });
    expect(result.requests.map((r) => [r.name, r.requests])).toEqual([['a.test', 99], ['b.test:8080', 1]]);
    const out = judgeCrawl([ok('status:5xx=0'), ok('status:404<2'), ok('errors<5%'), ok('errors<2%'), ok('p50<100ms'), ok('max<500ms'), ok('rps>5'), ok('status:4xx<=1%'),
      { ...ok('status:5xx=0'), request: 'b.test:8080' } as CrawlThreshold, { ...ok('p99<1ms'), request: 'nowhere' } as CrawlThreshold], result);
    expect(out.map((t) => [t.expression, t.passed, t.actual])).toEqual([
      ['status:5xx=0', false, 1], ['status:404<2', true, 1], ['errors<5%', true, 0.03], ['errors<2%', false, 0.03], ['p50<100ms', true, 10.007] /* HDR bucket */,
      ['max<500ms', false, 900], ['rps>5', true, 10], ['status:4xx<=1%', true, 0.01], ['status:5xx=0', true, 0], ['p99<1ms', false, null],
    ]);
    expect(out[0]).toMatchObject({ unit: 'count', scope: 'overall', metric: 'status:5xx' });
    expect(out[8]!.scope).toBe('b.test:8080');
    expect(crawlExitCode(result)).toBe(1);
    result.thresholds = result.thresholds.filter((t) => t.passed);
    expect(crawlExitCode(result)).toBe(0);
  });

  it('adds up hosts beyond the per-host limit as one row', () => {
    const g = new CrawlGateStats();
    for (let i = 0; i < PER_HOST_LIMIT + 5; i++) g.add(rec(`http://h${i}.test/`, 200, 1));
    const rows = g.byHost();
    expect(rows).toHaveLength(PER_HOST_LIMIT + 1);
    expect(rows[rows.length - 1]).toMatchObject({ name: OTHER_HOSTS, requests: 5 });
  });
});

describe('crawl scenario files', () => {
  it('reads seeds, settings and thresholds', () => {
    const sc = parseCrawlScenario('name: g\ncrawl:\n  seeds: [http://a.test/]\n  perHost: 3\n  delay: 50ms\n  robots: false\n  include: /docs/*\nthresholds:\n  - status:5xx = 0\n  - { check: p99 < 1s, request: a.test }\n', 'g.yaml');
    expect(sc).toMatchObject({ name: 'g', seeds: ['http://a.test/'], flags: { perHost: '3', delay: '50ms', robots: false, include: ['/docs/*'] } });
    expect(sc.thresholds).toHaveLength(2);
    expect(sc.thresholds[1]).toMatchObject({ request: 'a.test', value: 1000 });
  });
  it('reports every problem with its line and column', () => {
    let err: unknown;
    try {
      parseCrawlScenario('crawl:\n  perHost: many\n  bogus: 1\nthresholds:\n  - status:5xx = 4\n', 'b.yaml');
    } catch (e) {
      err = e;
    }
    const errors = (err as { errors: { code: string; line: number; column: number }[] }).errors;
    expect(errors.map((e) => [e.code, e.line, e.column])).toEqual([
      ['ERR_SCENARIO_UNKNOWN_KEY', 3, 3], ['ERR_SCENARIO_MISSING', 2, 3], ['ERR_SCENARIO_TYPE', 2, 12], ['ERR_SCENARIO_THRESHOLD', 5, 5],
    ]);
  });
});
