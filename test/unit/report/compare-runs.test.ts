import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCompareCommand } from '../../../src/cli/compare-command.js';
import type { RunResult } from '../../../src/metrics/run-result.js';
import { changeText, compareRuns, minSamplesFloor, parseMaxRegression, smallestUTestP, type CompareRow, type Comparison } from '../../../src/report/compare.js';
import { renderComparisonMarkdown, renderComparisonText } from '../../../src/report/compare-report.js';
import { renderJson } from '../../../src/report/json-report.js';
import { mannWhitneyU, normalCdf, normalQuantile, quantileRankBounds } from '../../../src/report/statistics.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { buildRunResult } from '../../../src/metrics/run-result.js';
import { latencySampler, makeResult, TEST_ENV, type MakeResultOptions } from '../../fixtures/report/make-result.js';

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
    // 300/s: a p99.9 needs ≥ 1000 samples, so 4-second windows — 3 a side, too few for the test
    expect(verdicts(c)).toEqual({ p50: 'noise', p90: 'noise', p99: 'noise', 'p99.9': 'within-tolerance', rps: 'noise', errors: 'noise' });
    expect(c.rows.filter((r) => r.verdict !== 'noise' && r.basis === 'noise-test')).toEqual([]);
    expect(c.failed).toBe(false);
    expect(row(c, 'p99')).toMatchObject({ method: 'mann-whitney', basis: 'noise-test', n: [12, 12] });
    expect(row(c, 'p99.9')).toMatchObject({ n: [3, 3], basis: 'point-estimate', gate: 'pass' });
    expect(row(c, 'p99.9').note).toBe('decided without a noise test: 3 vs 3 windows of 4 intervals a side, the noise test needs ≥ 5 a side (measure ≥ 20 s a side, or several runs a side)');
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

  it('fails closed: a change no test can decide is judged on its point estimate against the tolerance', () => {
    // 3 s a side: 3 intervals, and a U test of 3 vs 3 can never reach p < 0.01 (its smallest p is 0.1)
    const short = (o: MakeResultOptions): RunResult => run({ seconds: 3, requestNames: ['one'], medians: [2000], ...o });
    const slow = compareRuns([short({ seed: 1 })], [short({ seed: 2, medians: [40_000], perSecond: 20 })]);
    for (const m of ['p50', 'p90', 'p99', 'p99.9', 'rps']) {
      expect(row(slow, m)).toMatchObject({ verdict: 'regression', basis: 'point-estimate', gate: 'fail', p: null });
    }
    expect(row(slow, 'p50').n).toEqual([3, 3]);
    expect(row(slow, 'p50').note).toBe('decided without a noise test: 3 vs 3 intervals of 1 s a side, the noise test needs ≥ 5 a side (measure ≥ 5 s a side, or record 500 ms intervals: run --interval 500ms, or several runs a side)');
    expect(slow.failed).toBe(true);
    const text = renderComparisonText(slow);
    expect(text).toMatch(/^overall\s+p50\s+[\d.]+ ms\s+[\d.]+ ms\s+\+\d+%\s+regression \(no noise test\)\s+—\s+3\/3\s+FAIL \(> 10%\)$/m);
    expect(text).toContain('note: overall p50, overall p90, overall rps: decided without a noise test: 3 vs 3 intervals of 1 s a side');
    // 20/s: a p99 needs 5 intervals a window, so the current side has none
    expect(text).toContain('note: overall p99: decided without a noise test: 3 vs 0 windows of 5 intervals a side, the noise test needs ≥ 5 a side (measure ≥ 25 s a side');
    expect(text).toMatch(/^FAIL: /m);
    expect(renderComparisonMarkdown(slow)).toContain('🔴 regression (no noise test) <sub>decided without a noise test: 3 vs 3 intervals of 1 s a side');

    // the same system twice: within tolerance, never called "noise" untested; the gate passes
    const same = compareRuns([short({ seed: 1 })], [short({ seed: 3 })], { maxRegression: parseMaxRegression('p50=30%,rps=5%') });
    expect(row(same, 'p50')).toMatchObject({ verdict: 'within-tolerance', basis: 'point-estimate', gate: 'pass' });
    // no tolerance for p90: nothing can judge it
    expect(row(same, 'p90')).toMatchObject({ verdict: 'undecided', basis: 'point-estimate', gate: 'n/a' });
    expect(same.failed).toBe(false);
    // a speed-up beyond tolerance is an improvement, which never fails
    const fast = compareRuns([short({ seed: 1 })], [short({ seed: 2, medians: [500] })]);
    expect(row(fast, 'p50')).toMatchObject({ verdict: 'improvement', basis: 'point-estimate', gate: 'pass' });
  });

  it('reads the interval length from the results (interval: 250ms)', () => {
    const quarter = (medianUs: number, seed: number): RunResult => {
      const rec = new Recorder({ requestNames: ['one'], startMs: 0, seriesHistograms: 'both' });
      const next = latencySampler(seed, medianUs);
      for (let t = 0; t < 3; t++) {
        for (let i = 0; i < 50; i++) rec.record(0, next(), 100, 200, 10);
        rec.closeInterval(t, 250);
      }
      return buildRunResult(rec.snapshot(750), { scenario: 's', environment: TEST_ENV, durationMs: 750 });
    };
    const c = compareRuns([quarter(2000, 1)], [quarter(4000, 2)]);
    expect(row(c, 'p50')).toMatchObject({ verdict: 'regression', basis: 'point-estimate', n: [3, 3] });
    expect(row(c, 'p50').note).toBe('decided without a noise test: 3 vs 3 intervals of 250 ms a side, the noise test needs ≥ 5 a side (measure ≥ 1.3 s a side, or record 100 ms intervals: run --interval 100ms, or several runs a side)');
  });

  it('--min-samples raises the samples a side the noise test needs, never below what can reach alpha', () => {
    expect(smallestUTestP(3, 3)).toBeCloseTo(0.1, 10);
    expect(smallestUTestP(5, 5)).toBeCloseTo(2 / 252, 10);
    expect(minSamplesFloor(0.01)).toBe(5);
    expect(minSamplesFloor(0.001)).toBe(7); // 2/C(14,7) = 0.00058
    const base = run({ seed: 1 });
    const slower = run({ seed: 2, medians: [2400, 3600] });
    expect(row(compareRuns([base], [slower]), 'p50')).toMatchObject({ basis: 'noise-test', verdict: 'regression' });
    const strict = compareRuns([base], [slower], { minSamples: 20 });
    expect(strict.minSamples).toBe(20);
    expect(row(strict, 'p50')).toMatchObject({ basis: 'point-estimate', verdict: 'regression', gate: 'fail', n: [12, 12] });
    expect(row(strict, 'p50').note).toContain('needs ≥ 20 a side (measure ≥ 20 s a side, or record 500 ms intervals: run --interval 500ms, or several runs a side)');
    expect(() => compareRuns([base], [slower], { minSamples: 3 })).toThrow(/cannot reach significance with fewer than 5 samples a side/);
  });

  it('rows that show the same change agree (the whole run and a request)', () => {
    // 3 s, two requests sharing the load evenly: rps −6% overall and per request. The per-request
    // z-test cannot call 6% at this size; the overall row is beyond the 5% tolerance.
    const short = (o: MakeResultOptions): RunResult => run({ seconds: 3, medians: [2000, 2000], ...o });
    const c = compareRuns([short({ seed: 1 })], [short({ seed: 1, perSecond: 282 })]);
    const same = c.rows.filter((r) => r.metric === 'rps');
    expect(same.map((r) => changeText(r.kind, r.delta))).toEqual(['−6.0%', '−6.0%', '−6.0%']);
    expect(same.map((r) => r.verdict)).toEqual(['regression', 'regression', 'regression']);
    expect(row(c, 'rps', 'home').note).toMatch(/^as overall rps, which shows the same change/);
    expect(c.failed).toBe(true);
    for (const a of c.rows) {
      for (const b of c.rows) {
        if (a.metric === b.metric && a.delta !== null && changeText(a.kind, a.delta) === changeText(b.kind, b.delta)) expect([a.scope, a.verdict]).toEqual([a.scope, b.verdict]);
      }
    }
  });

  it('refuses to compare different scenarios unless allowed, and falls back to the series without interval histograms', () => {
    expect(() => compareRuns([run({ seed: 1 })], [run({ seed: 2, scenario: 'other' })])).toThrow(
      expect.objectContaining({ code: 'ERR_COMPARE_SCENARIO_MISMATCH', message: expect.stringContaining('--allow-different') }),
    );
    const allowed = compareRuns([run({ seed: 1 })], [run({ seed: 2, scenario: 'other' })], { allowDifferent: true });
    expect(allowed.warnings).toContain('comparing different scenarios: "checkout flow" vs "other"');
    const bare = compareRuns([run({ seed: 1, seriesHistograms: 'none' })], [run({ seed: 2, seriesHistograms: 'none', medians: [3000, 4500] })]);
    expect(row(bare, 'p50')).toMatchObject({ verdict: 'regression', basis: 'noise-test' });
    // no per-interval data at all for p90: judged on the point estimate (+50% > 10%), not waved through
    expect(row(bare, 'p90')).toMatchObject({ verdict: 'regression', basis: 'point-estimate', gate: 'fail', note: 'decided without a noise test: no per-interval data for p90' });
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
      expect(() => runCompareCommand([base!, same!], { minSamples: 'many' })).toThrow(/--min-samples must be a whole number/);
      const [other] = files('other', run({ seed: 2, scenario: 'other' }));
      expect(() => runCompareCommand([base!, other!], {})).toThrow(expect.objectContaining({ code: 'ERR_COMPARE_SCENARIO_MISMATCH' }));
      expect(runCompareCommand([base!, other!], { allowDifferent: true })).toBe(0);
    } finally {
      out.mockRestore();
    }
  });
});
