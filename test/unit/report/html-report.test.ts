import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../../src/metrics/encoded-histogram.js';
import { fmtMs } from '../../../src/report/format.js';
import { chartData, distributionPoints, renderHtml } from '../../../src/report/html-report.js';
import { makeResult, thresholdOf } from '../../fixtures/report/make-result.js';
import { SEARCH_SUMMARY } from './search-fixture.js';
import { makeStreamResult } from '../../fixtures/report/make-stream-result.js';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve('reports/test-artifacts');

const result = makeResult({
  scenario: 'html <report> & "charts"',
  seconds: 30,
  perSecond: 300,
  errorEvery: 45,
  requestNames: ['GET /', 'GET /api/items', 'POST /cart'],
  thresholds: [thresholdOf('p99 < 1s'), thresholdOf('errors < 1%'), thresholdOf('p99 < 20ms over 5s windows'), thresholdOf('p50 < 10us', 'GET /api/items')],
});
const html = renderHtml(result);
// issue 18: two streamed requests (one with a name to escape) beside a plain one
const streamResult = makeStreamResult({ requestNames: ['tokens', 'sse <ticks>', 'plain'], streamed: ['tokens', 'sse <ticks>'], gapMs: 10, firstMs: 50 });
const streamHtml = renderHtml(streamResult);

/** The cells (th and td text) of each body row of the table with this id. */
function tableRows(page: string, id: string): string[][] {
  const body = new RegExp(`<table id="${id}">.*?<tbody>(.*?)</tbody>`, 's').exec(page)?.[1] ?? '';
  return [...body.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)].map((m) => [...m[1]!.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/gs)].map((c) => c[1]!));
}

describe('renderHtml', () => {
  it('is one self-contained file: uPlot inlined, nothing fetched', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('/*! https://github.com/leeoniya/uPlot (v1.6.32) */');
    expect(html).toContain('.uplot, .uplot *');
    expect(html).not.toMatch(/<script[^>]+src=/i);
    expect(html).not.toMatch(/<link[\s>]/i);
    expect(html).not.toMatch(/<img[\s>]/i);
    // exactly our three script elements, none closed early by inlined text
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });

  it('escapes text and embeds the chart data as JSON that cannot break out of its element', () => {
    expect(html).toContain('<title>fastbench — html &#60;report&#62; &#38; &#34;charts&#34;</title>');
    const json = /<script type="application\/json" id="fastbench-data">([^<]*)<\/script>/.exec(html);
    expect(json).not.toBeNull();
    const data = JSON.parse(json![1]!) as ReturnType<typeof chartData>;
    expect(data.time.t).toHaveLength(30);
    expect(data.time.errors.reduce((a, b) => a + b, 0)).toBe(result.summary.errors);
    expect(data.distribution.series.map((s) => s.label)).toEqual(['overall (from scheduled send)', 'overall service time', 'GET /', 'GET /api/items', 'POST /cart']);
  });

  it('plots the percentile distribution on the 1/(1-p) axis, ending at the max', () => {
    const h = decodeHistogram(result.histograms.overall.corrected);
    const s = distributionPoints('x', h);
    expect(s.xs[0]).toBe(1); // 0%
    for (let i = 1; i < s.xs.length; i++) expect(s.xs[i]!).toBeGreaterThan(s.xs[i - 1]!);
    expect(s.ys.at(-1)).toBe(result.overall.latencyMs.max);
    const at90 = s.xs.findIndex((x) => Math.abs(x - 10) < 1e-9);
    expect(at90).toBeGreaterThan(0);
    expect(s.ys[at90]).toBeCloseTo(h.percentile(90) / 1000, 1);
  });

  it('has the per-request, threshold and error tables', () => {
    expect(html).toContain('<table id="request-table">');
    expect(html).toMatch(/<th scope="row">GET \/api\/items<\/th><td class="num">3,000<\/td>/);
    expect(html).toContain('<table id="threshold-table"><thead><tr><th scope="col"></th><th scope="col">scope</th><th scope="col">threshold</th><th scope="col">actual</th><th scope="col">window</th>');
    expect(html).toMatch(/<td class="text">overall<\/td><td class="text"><code>p99 &#60; 20ms<\/code><\/td><td class="num">[\d.]+ ms<\/td><td class="text">each 5s window<\/td>/);
    expect(html).toMatch(/<td class="text fail">FAIL<\/td><td class="text">overall<\/td><td class="text"><code>errors &#60; 1%<\/code><\/td><td class="num">[\d.]+ %<\/td>/);
    expect(html).toMatch(/<td class="text fail">FAIL<\/td><td class="text">GET \/api\/items<\/td><td class="text"><code>p50 &#60; 0.01ms<\/code><\/td><td class="num">[\d.]+ ms<\/td>/);
    expect(html).toContain('<code>ERR_TIMEOUT_HEADERS</code>');
  });

  // issue 18: a capacity search's result
  const searchResult = { ...makeResult({ seconds: 3, perSecond: 100 }), search: SEARCH_SUMMARY };
  const searchHtml = renderHtml(searchResult);

  it('has no search section on an ordinary run', () => {
    expect(html).not.toContain('<h2>Capacity search</h2>');
    expect(html).not.toContain('<div class="chart" id="chart-search">');
    expect((chartData(result) as { search?: unknown }).search).toBeUndefined();
  });

  it('a capacity search: the answer, its chart data by offered rate, and every step', () => {
    expect(searchHtml).toContain('<h2>Capacity search</h2>');
    expect(searchHtml).toMatch(/<p id="search-answer">capacity: 1450\/s under p99 &#60; 50ms, errors &#60; 1% \(1420\.\.1500\/s\), confirmed over the hold<\/p>/);
    expect(searchHtml).toContain('<div class="chart" id="chart-search"></div>');
    const d = chartData(searchResult).search!;
    expect(d.rate).toEqual([400, 800, 1200, 1400, 1450, 1450, 1500, 1600]);
    expect(d.p99).toEqual([3, 3.2, 4, 6, 9, 12, 61, 480]);
    expect(d.errors).toEqual([0, 0, 0, 0, 0, 0, 0, 2]);
    expect(d.knee).toBe(1450);
    const rows = searchHtml.match(/<table id="search-table">.*?<\/table>/s)![0].match(/<tr><th scope="row">/g);
    expect(rows).toHaveLength(SEARCH_SUMMARY.steps.length);
    expect(searchHtml).toMatch(/<th scope="row">3<\/th><td class="text">climb<\/td><td class="num">1600<\/td>.*?<td class="text fail">fail<\/td>/);
  });

  it('has no Streams section when no request streamed', () => {
    expect(html).not.toContain('<h2>Streams</h2>');
    expect(html).not.toContain('<table id="stream-table"');
    expect(html).not.toContain('id="chart-stream-gaps"');
    expect(chartData(result).streamGaps).toBeUndefined();
  });

  it('has a Streams table per streamed request when a request has stream stats', () => {
    expect(streamHtml).toContain('<h2>Streams</h2>');
    expect(streamHtml).toContain('<table id="stream-table"><thead><tr><th scope="col">request</th><th scope="col">streams</th><th scope="col">events</th><th scope="col">metric</th><th scope="col">p1</th><th scope="col">p50</th><th scope="col">p90</th><th scope="col">p99</th><th scope="col">max</th></tr></thead>');
    const rows = tableRows(streamHtml, 'stream-table');
    expect(rows.map((r) => r[0])).toEqual(['tokens', '', '', '', '', 'sse &#60;ticks&#62;', '', '', '', '']);
    expect(rows.map((r) => r[3])).toEqual(Array(2).fill(['ttfb', 'first_event', 'gap', 'stream_duration', 'events/s']).flat());
    const st = streamResult.requests[0]!.stream!;
    expect(rows[0]!.slice(1, 3)).toEqual([String(st.streams), '4,000']);
    // p50/p90/p99/max as the text report's table; p1 from the histogram
    expect(rows[2]!.slice(5)).toEqual([fmtMs(st.gapMs.p50), fmtMs(st.gapMs.p90), fmtMs(st.gapMs.p99), fmtMs(st.gapMs.max)]);
    expect(rows[4]![5]).toBe(`${st.eventsPerSecond.p50.toFixed(1)}/s`);
    const p1 = decodeHistogram(streamResult.histograms.stream!.requests.tokens!.rate).percentile(1) / 1000;
    expect(rows[4]![4]).toBe(`${p1.toFixed(1)}/s`);
    expect(p1).toBeLessThan(st.eventsPerSecond.p50);
    expect(rows.some((r) => r[0] === 'plain')).toBe(false);
  });

  it('plots each streamed request\'s gaps by percentile', () => {
    const gaps = chartData(streamResult).streamGaps!;
    expect(gaps.series.map((s) => s.label)).toEqual(['tokens', 'sse <ticks>']);
    expect(gaps.series[0]!.ys.at(-1)).toBe(streamResult.requests[0]!.stream!.gapMs.max);
    expect(streamHtml).toContain('<div class="chart" id="chart-stream-gaps"></div>');
  });

  describe.skipIf(!existsSync(CHROMIUM))('in headless Chromium', () => {
    const profile = mkdtempSync(join(tmpdir(), 'fastbench-chromium-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, 'report.html');
    writeFileSync(file, html);
    const url = pathToFileURL(file).href;
    const args = (n: string): string[] => [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${join(profile, n)}`,
      '--virtual-time-budget=3000', '--window-size=1200,1600',
    ];
    afterAll(() => rmSync(profile, { recursive: true, force: true }));

    it('draws every chart with data', async () => {
      const { stdout } = await run(CHROMIUM, [...args('dom'), '--dump-dom', url], { timeout: 60_000, maxBuffer: 32 << 20 });
      expect(stdout).toMatch(/<body[^>]* data-charts-ready="3"/);
      const expected: Record<string, number> = {
        'chart-distribution': chartData(result).distribution.series.reduce((a, s) => a + s.xs.length, 0),
        'chart-time': 30,
        'chart-errors': 30,
      };
      for (const [id, points] of Object.entries(expected)) {
        const tag = new RegExp(`<div class="chart" id="${id}"[^>]*>`).exec(stdout)?.[0] ?? '';
        expect(tag, id).toContain('data-drawn="true"');
        expect(tag, id).toContain(`data-points="${points}"`);
      }
      expect(stdout.match(/<canvas/g)?.length).toBeGreaterThanOrEqual(3);
      expect(stdout).toContain('class="u-title">Latency by percentile</div>');
    }, 90_000);

    it('draws the capacity search chart beside the others', async () => {
      const searchFile = join(ARTIFACTS, 'report-search.html');
      writeFileSync(searchFile, searchHtml);
      const { stdout } = await run(CHROMIUM, [...args('search'), '--dump-dom', pathToFileURL(searchFile).href], { timeout: 60_000, maxBuffer: 32 << 20 });
      expect(stdout).toMatch(/<body[^>]* data-charts-ready="4"/);
      const tag = /<div class="chart" id="chart-search"[^>]*>/.exec(stdout)?.[0] ?? '';
      expect(tag).toContain('data-drawn="true"');
      expect(tag).toContain('data-points="8"');
      expect(stdout).toContain('Capacity search: offered rate vs p99 and errors (knee 1450 req/s)');
    });

    it('renders the Streams table in the DOM and draws the gaps chart', async () => {
      const streamFile = join(ARTIFACTS, 'report-streams.html');
      writeFileSync(streamFile, streamHtml);
      const { stdout } = await run(CHROMIUM, [...args('streams'), '--dump-dom', pathToFileURL(streamFile).href], { timeout: 60_000, maxBuffer: 32 << 20 });
      expect(stdout).toMatch(/<body[^>]* data-charts-ready="4"/);
      const tag = /<div class="chart" id="chart-stream-gaps"[^>]*>/.exec(stdout)?.[0] ?? '';
      expect(tag).toContain('data-drawn="true"');
      expect(tag).toContain(`data-points="${chartData(streamResult).streamGaps!.series.reduce((a, s) => a + s.xs.length, 0)}"`);
      expect(stdout).toContain('class="u-title">Gaps between chunks/events by percentile</div>');
      const rows = tableRows(stdout, 'stream-table');
      expect(rows).toHaveLength(10);
      expect(rows[0]!.slice(0, 4)).toEqual(['tokens', '200', '4,000', 'ttfb']);
    }, 90_000);

    it('renders a screenshot (saved in reports/test-artifacts/)', async () => {
      const png = join(ARTIFACTS, 'report.png');
      rmSync(png, { force: true });
      await run(CHROMIUM, [...args('shot'), `--screenshot=${png}`, url], { timeout: 60_000 });
      const bytes = readFileSync(png);
      expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
      expect(bytes.readUInt32BE(16)).toBe(1200); // IHDR width
      expect(bytes.readUInt32BE(20)).toBe(1600); // IHDR height
      expect(statSync(png).size).toBeGreaterThan(50_000); // charts and tables, not a blank page
    }, 90_000);
  });

  if (!existsSync(CHROMIUM)) {
    console.warn(`html-report: browser check skipped: ${CHROMIUM} is not installed (apt-get install chromium; CI installs it)`);
  }
});
