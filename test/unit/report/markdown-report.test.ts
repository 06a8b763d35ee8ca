import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../src/report/markdown-report.js';
import { makeResult, thresholdOf } from '../../fixtures/report/make-result.js';
import { makeStreamResult } from '../../fixtures/report/make-stream-result.js';
import { fmtMs } from '../../../src/report/format.js';

/** The rows of the Markdown table that follows `heading`. */
function tableAfter(md: string, heading: string): string[][] {
  const lines = md.split('\n');
  let i = lines.indexOf(heading);
  expect(i, heading).toBeGreaterThanOrEqual(0);
  while (!lines[i]!.startsWith('|')) i++;
  const rows: string[][] = [];
  for (; i < lines.length && lines[i]!.startsWith('|'); i++) {
    rows.push(lines[i]!.slice(2, -2).split(/(?<!\\) \| /));
  }
  return rows;
}

describe('renderMarkdown', () => {
  const result = makeResult({
    scenario: 'shop | checkout',
    requestNames: ['GET /home', 'POST /cart|add'],
    errorEvery: 25,
    thresholds: [thresholdOf('p99 < 1s'), thresholdOf('errors < 1%'), thresholdOf('rps > 100'), thresholdOf('p99<1ms', 'GET /home')],
  });
  const md = renderMarkdown(result);

  it('opens with a verdict and the headline numbers', () => {
    const [title, , headline] = md.split('\n');
    expect(title).toBe('## fastbench · shop \\| checkout · ❌ 2 of 4 thresholds failed');
    expect(headline).toMatch(/^\*\*2,000 requests\*\* in 10\.0 s · \*\*200 rps\*\* · errors 4\.00% \(80\) · p50 \*\*[\d.]+ ms\*\* · p99 \*\*[\d.]+ ms\*\* · max [\d.]+ ms$/);
    expect(md).toContain('<sub>fastbench 0.1.0 · Node v20.0.0 · 2 × Test CPU @ 3.0GHz');
  });

  it('has the latency table with every percentile column and a row per request', () => {
    const rows = tableAfter(md, '### Latency');
    expect(rows[0]).toEqual(['', 'p50', 'p75', 'p90', 'p99', 'p99.9', 'p99.99', 'max', 'mean', 'stdev']);
    expect(rows[1]![0]).toBe(':---');
    expect(rows.slice(2).map((r) => r[0])).toEqual(['**overall**', 'overall service time', 'GET /home', 'POST /cart\\|add']);
    for (const r of rows.slice(2)) expect(r).toHaveLength(10);
    expect(rows[2]![4]).toMatch(/ ms$/);
  });

  it('has the per-request table', () => {
    const rows = tableAfter(md, '### Requests');
    expect(rows[0]).toEqual(['request', 'requests', 'rps', 'errors', 'error rate', 'p50', 'p99', 'received', 'status']);
    expect(rows[2]!.slice(0, 5)).toEqual(['**overall**', '2,000', '200', '80', '4.00%']);
    expect(rows[3]!.slice(0, 3)).toEqual(['GET /home', '1,000', '100']);
    expect(rows[3]![8]).toMatch(/^200: [\d,]+, 503: [\d,]+$/);
  });

  it('lists thresholds with pass/fail and the measured value in its unit', () => {
    const rows = tableAfter(md, '### Thresholds');
    expect(rows[0]).toEqual(['', 'scope', 'threshold', 'actual', 'window']);
    expect(rows.slice(2).map((r) => [r[0], r[1], r[2], r[4]])).toEqual([
      ['✅ pass', 'overall', 'p99 &lt; 1s', 'whole run'],
      ['❌ **fail**', 'overall', 'errors &lt; 1%', 'whole run'],
      ['✅ pass', 'overall', 'rps &gt; 100', 'whole run'],
      ['❌ **fail**', 'GET /home', 'p99 &lt; 1ms', 'whole run'],
    ]);
    expect(rows[3]![3]).toBe('4 %');
    expect(rows[4]![3]).toBe('200 rps');
    expect(rows[5]![3]).toMatch(/^[\d.]+ ms$/);
  });

  it('counts errors by code', () => {
    const rows = tableAfter(md, '### Errors');
    expect(rows.slice(2)).toEqual([['ERR\\_TIMEOUT\\_HEADERS', '80', '100.00%']]);
    expect(md).toMatch(/Status codes: 200: [\d,]+, 503: [\d,]+/);
  });

  it('says so when there is nothing to show, and flags interrupted or invalid runs', () => {
    const quiet = renderMarkdown({ ...makeResult({ seconds: 1, interrupted: true }), valid: false, invalidReason: 'schedule slipped by 40%' });
    expect(quiet).toContain('## fastbench · checkout flow · no thresholds');
    expect(quiet).toContain('No thresholds were set.');
    expect(quiet).toContain('No errors.');
    expect(quiet).toContain('> ⚠️ **Interrupted**');
    expect(quiet).toContain('> ⚠️ **Invalid run**: schedule slipped by 40%');
    expect(renderMarkdown(makeResult({ seconds: 1, thresholds: [thresholdOf('p99 < 10s')] }))).toContain('✅ all 1 thresholds passed');
  });

  it('shows the engine\'s generator health and an abortOnFail stop', () => {
    const r = {
      ...makeResult({ seconds: 1 }),
      abortedBy: 'p99 < 1ms',
      generator: {
        workers: 2, eventLoopDelayMs: { p50: 0.2, p99: 1.5, max: 3 }, eventLoopUtilization: 0.42, cpu: 0.5, cpuPerThread: true,
        schedule: { scheduled: 0, late: 0, maxLagMs: 0, backlogged: 0, backlogMax: 0, missed: 0 }, valid: true, warnings: ['backlog: 12 waited'],
      },
    };
    const out = renderMarkdown(r);
    expect(out).toContain('Generator: 2 workers, event loop busy 42.00%, loop delay p99 1.50 ms, CPU 50.00%');
    expect(out).toContain('> ⚠️ backlog: 12 waited');
    expect(out).toContain('> ⛔ Stopped early by `abortOnFail` threshold: p99 &lt; 1ms');
  });

  it('has the Streams table (issue 18) only when a request streamed', () => {
    expect(md).not.toContain('### Streams');
    const r = makeStreamResult({ requestNames: ['plain', 'tok|ens'], streamed: ['tok|ens'] });
    const out = renderMarkdown(r);
    const rows = tableAfter(out, '### Streams');
    expect(rows[0]).toEqual(['request', 'streams', 'events', 'metric', 'p1', 'p50', 'p90', 'p99', 'max']);
    expect(rows[1]).toEqual([':---', '---:', '---:', ':---', '---:', '---:', '---:', '---:', '---:']);
    expect(rows.slice(2).map((x) => x[3])).toEqual(['ttfb', 'first\\_event', 'gap', 'stream\\_duration', 'events/s']);
    const st = r.requests[1]!.stream!;
    expect(rows[2]!.slice(0, 3)).toEqual(['tok\\|ens', '200', '4,000']);
    expect(rows[3]!.slice(0, 3)).toEqual(['', '', '']);
    expect(rows[2]!.slice(5)).toEqual([st.ttfbMs.p50, st.ttfbMs.p90, st.ttfbMs.p99, st.ttfbMs.max].map(fmtMs));
    expect(rows[4]!.slice(5)).toEqual([st.gapMs.p50, st.gapMs.p90, st.gapMs.p99, st.gapMs.max].map(fmtMs));
    expect(rows[6]![5]).toBe(`${st.eventsPerSecond.p50.toFixed(1)}/s`);
    expect(rows[6]![4]).toMatch(/^\d+\.\d\/s$/);
    for (const row of rows.slice(2)) expect(row).toHaveLength(9);
  });
});
