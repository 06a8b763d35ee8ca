import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCompareCommand } from '../../../src/cli/compare-command.js';
import type { RunResult } from '../../../src/metrics/run-result.js';
import { compareRuns, parseMaxRegression, type CompareRow, type Comparison } from '../../../src/report/compare.js';
import { renderComparisonMarkdown, renderComparisonText } from '../../../src/report/compare-report.js';
import { renderJson } from '../../../src/report/json-report.js';
import { mannWhitneyU, normalCdf, normalQuantile, quantileRankBounds } from '../../../src/report/statistics.js';
import { makeResult, type MakeResultOptions } from '../../fixtures/report/make-result.js';

const dir = mkdtempSync(join(tmpdir(), 'fastbench-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (o: MakeResultOptions): RunResult => makeResult({ seconds: 12, perSecond: 300, requestNames: ['home', 'api'], medians: [2000, 3000], ...o });
const row = (c: Comparison, metric: string, scope = 'overall'): CompareRow => c.rows.find((r) => r.metric === metric && r.scope === scope)!;
const verdicts = (c: Comparison, scope = 'overall'): Record<string, string> =>
  Object.fromEntries(c.rows.filter((r) => r.scope === scope).map((r) => [r.metric, r.verdict]));

describe('statistics', () => {
  it('Mann-Whitney U matches reference p-values (exact and normal approximation)', () => {
    expect(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])).toMatchObject({ u: 0, method: 'exact' });
    expect(mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]).p).toBeCloseTo(0.0079365, 6);
    expect(mannWhitneyU([1.5, 2.5, 3.1, 7, 8, 9.5, 10], [4, 5, 6, 11, 12, 13]).p).toBeCloseTo(0.2342657, 6);
    const ties = mannWhitneyU([1, 2, 2, 3, 4], [3, 4, 5, 5, 6]);
    expect(ties).toMatchObject({ u: 2, method: 'normal' });
    expect(ties.p).toBeCloseTo(0.0344536, 4);
    const big = mannWhitneyU([...Array(25).keys()], [...Array(22).keys()].map((x) => x + 7.5));
    expect(big.method).toBe('normal');
    expect(big.p).toBeCloseTo(0.0095868, 4);
    expect(mannWhitneyU([1, 2, 3], [1, 2, 3]).p).toBeCloseTo(1, 6);
    expect(mannWhitneyU([5, 5, 5], [5, 5, 5]).p).toBe(1);
  });

  it('normal CDF, its inverse and quantile rank bounds', () => {
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.1586553, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.5758293, 5);
    const [lo, hi] = quantileRankBounds(10_000, 0.99, 0.01);
    expect(lo).toBeLessThan(9900);
    expect(hi).toBeGreaterThan(9900);
    expect(quantileRankBounds(10, 0.5, 0.01)).toEqual([1, 10]);
  });
});

describe('compareRuns', () => {
  it('labels two runs of the same system as noise and passes the gate', () => {
    const c = compareRuns([run({ seed: 1 })], [run({ seed: 2 })]);
    expect(verdicts(c)).toEqual({ p50: 'noise', p90: 'noise', p99: 'noise', 'p99.9': 'noise', rps: 'noise', errors: 'noise' });
    expect(c.rows.filter((r) => r.verdict !== 'noise')).toEqual([]);
    expect(c.failed).toBe(false);
    expect(row(c, 'p99').method).toBe('mann-whitney');
    expect(row(c, 'p99').n).toEqual([12, 12]);
    expect(row(c, 'p99.9').n).toEqual([3, 3]); // 300/s: a p99.9 needs ≥ 1000 samples, so 4-second windows
  });

  it('flags a real slowdown as a regression and fails the gate', () => {
    const c = compareRuns([run({ seed: 1 })], [run({ seed: 2, medians: [2800, 4200] })]);
    expect(verdicts(c)).toMatchObject({ p50: 'regression', p90: 'regression', p99: 'regression', rps: 'noise', errors: 'noise' });
    expect(row(c, 'p50').delta).toBeGreaterThan(0.3);
    expect(row(c, 'p50').p).toBeLessThan(0.001);
    expect(row(c, 'p50').gate).toBe('fail');
    expect(c.failed).toBe(true);
    // per request, from order-statistic confidence intervals of the pooled histograms
    expect(row(c, 'p50', 'api')).toMatchObject({ verdict: 'regression', method: 'quantile-ci' });
  });

  it('flags a speed-up as an improvement, which never fails the gate', () => {
    const c = compareRuns([run({ seed: 3 })], [run({ seed: 4, medians: [1200, 1800] })]);
    expect(verdicts(c)).toMatchObject({ p50: 'improvement', p90: 'improvement', p99: 'improvement' });
    expect(c.failed).toBe(false);
  });

  it('applies --max-regression: only named metrics gate, and only beyond their tolerance', () => {
    const base = run({ seed: 1 });
    const slower = run({ seed: 2, medians: [2400, 3600] }); // ~ +20%
    const loose = compareRuns([base], [slower], { maxRegression: parseMaxRegression('p50=50%') });
    expect(row(loose, 'p50')).toMatchObject({ verdict: 'regression', gate: 'pass', tolerance: '50%' });
    expect(row(loose, 'p99').gate).toBe('n/a');
    expect(loose.failed).toBe(false);
    const tight = compareRuns([base], [slower], { maxRegression: parseMaxRegression('p50=5%,rps=5%') });
    expect(tight.failed).toBe(true);
    const absolute = compareRuns([base], [slower], { maxRegression: parseMaxRegression('p50=1s') });
    expect(absolute.failed).toBe(false);
  });

  it('sees a throughput drop and an error-rate rise', () => {
    const c = compareRuns([run({ seed: 5 })], [run({ seed: 6, perSecond: 240, errorEvery: 20 })]);
    expect(row(c, 'rps')).toMatchObject({ verdict: 'regression', gate: 'fail' });
    expect(row(c, 'rps').delta).toBeCloseTo(-0.2, 5);
    expect(row(c, 'errors')).toMatchObject({ verdict: 'regression', gate: 'fail', baseline: 0, current: 0.05 });
    expect(row(c, 'errors', 'api').verdict).toBe('regression');
  });

  it('with several runs per side, a shift inside the run-to-run spread is noise', () => {
    const baseline = [run({ seed: 1 }), run({ seed: 2, medians: [2050, 3075] }), run({ seed: 3, medians: [2600, 3900] })];
    const current = [run({ seed: 4, medians: [2400, 3600] }), run({ seed: 5, medians: [2450, 3675] })];
    const c = compareRuns(baseline, current, { alpha: 0.05 });
    const p50 = row(c, 'p50');
    expect(p50.p).toBeLessThan(0.05); // the pooled intervals alone would call it
    expect(p50.runSpread).toBeGreaterThan(0.2);
    expect(p50.delta).toBeLessThan(p50.runSpread!);
    expect(p50).toMatchObject({ verdict: 'noise', note: 'within the run-to-run spread' });
    expect(c.failed).toBe(false);
    // the same shift measured against consistent runs is a regression
    const steady = compareRuns([run({ seed: 1 }), run({ seed: 7 })], current, { alpha: 0.05 });
    expect(row(steady, 'p50').verdict).toBe('regression');
  });

  it('refuses to call a change from too few intervals, and falls back to the series without interval histograms', () => {
    const short = compareRuns([run({ seed: 1, seconds: 2 })], [run({ seed: 2, seconds: 2, medians: [4000, 6000] })]);
    expect(row(short, 'p50')).toMatchObject({ verdict: 'noise', n: [2, 2] });
    expect(row(short, 'p50').note).toMatch(/too few samples/);
    const bare = compareRuns([run({ seed: 1, seriesHistograms: 'none' })], [run({ seed: 2, seriesHistograms: 'none', medians: [3000, 4500] })]);
    expect(row(bare, 'p50').verdict).toBe('regression');
    expect(row(bare, 'p90')).toMatchObject({ verdict: 'noise', note: 'no per-interval data for this percentile' });
  });
});

describe('parseMaxRegression', () => {
  it('parses relative, absolute and error-rate tolerances', () => {
    expect(parseMaxRegression('p99=10%, rps=5%,errors=0.5%,p50=2ms')).toEqual({
      p99: { kind: 'relative', value: 0.1, text: '10%' },
      rps: { kind: 'relative', value: 0.05, text: '5%' },
      errors: { kind: 'absolute', value: 0.005, text: '0.5%' },
      p50: { kind: 'absolute', value: 2, text: '2ms' },
    });
    expect(() => parseMaxRegression('latency=10%')).toThrow(/metric must be/);
    expect(() => parseMaxRegression('rps=5ms')).toThrow(/give a percentage/);
    expect(() => parseMaxRegression('')).toThrow(/names no metric/);
  });
});

describe('rendering and fastbench compare', () => {
  const files = (name: string, ...runs: RunResult[]): string[] =>
    runs.map((r, i) => {
      const f = join(dir, `${name}-${i}.json`);
      writeFileSync(f, renderJson(r));
      return f;
    });

  it('renders a text table and a Markdown PR comment', () => {
    const c = compareRuns([run({ seed: 1 })], [run({ seed: 2, medians: [2800, 4200] })]);
    const text = renderComparisonText(c);
    expect(text).toMatch(/^overall\s+p50\s+[\d.]+ ms\s+[\d.]+ ms\s+\+\d+%\s+regression\s+<0\.0001\s+12\/12\s+FAIL \(> 10%\)$/m);
    expect(text).toContain('FAIL: ');
    const md = renderComparisonMarkdown(c);
    expect(md.split('\n')[0]).toMatch(/^### fastbench compare · ❌ \d+ regressions? beyond tolerance/);
    expect(md).toContain('| :--- | :--- | ---: | ---: | ---: | :--- | :--- | ---: |');
    expect(md).toMatch(/\| \*\*overall\*\* \| p50 \| [\d.]+ ms \| [\d.]+ ms \| \+\d+% \| 🔴 regression \| <0\.0001 \| ❌ FAIL \(&gt; 10%\) \|/);
    expect(md).toContain('<details><summary>How rows are labelled</summary>');
  });

  it('exits 1 on a regression beyond tolerance, 0 otherwise, and takes several files per side', () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const [base] = files('base', run({ seed: 1 }));
      const [same] = files('same', run({ seed: 2 }));
      const [slow] = files('slow', run({ seed: 3, medians: [3000, 4500] }));
      expect(runCompareCommand([base!, same!], {})).toBe(0);
      expect(runCompareCommand([base!, slow!], {})).toBe(1);
      expect(runCompareCommand([base!, slow!], { maxRegression: 'p50=80%,p90=80%,p99=80%,p99.9=80%' })).toBe(0);
      expect(runCompareCommand([], { baseline: files('b', run({ seed: 4 }), run({ seed: 5 })), current: files('c', run({ seed: 6 }), run({ seed: 8 })), md: true })).toBe(0);
      expect(String(out.mock.calls.at(-1)?.[0])).toMatch(/^### fastbench compare · ✅/);
      expect(runCompareCommand([base!, slow!], { json: true })).toBe(1);
      expect(JSON.parse(String(out.mock.calls.at(-1)?.[0])).failed).toBe(true);
      expect(() => runCompareCommand([base!], {})).toThrow(/needs a baseline and a current/);
      expect(() => runCompareCommand([base!, same!], { alpha: '2' })).toThrow(/--alpha must be between/);
      expect(() => runCompareCommand([base!, join(dir, 'nope.json')], {})).toThrow(expect.objectContaining({ code: 'ERR_USAGE_FILE' }));
    } finally {
      out.mockRestore();
    }
  });
});
