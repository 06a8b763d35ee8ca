// issue 18: `fastbench compare` shows streamed-response metrics (ttfb p99, first_event p99, gap p99,
// events/s p50) as informational rows — no per-interval samples exist for them, so no verdict and
// no gate — when both sides streamed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCompareCommand } from '../../../src/cli/compare-command.js';
import { mergeEncodedHistograms } from '../../../src/metrics/encoded-histogram.js';
import type { RunResult } from '../../../src/metrics/run-result.js';
import { compareRuns } from '../../../src/report/compare.js';
import { renderComparisonMarkdown, renderComparisonText } from '../../../src/report/compare-report.js';
import { STREAM_ROWS_NOTE } from '../../../src/report/compare-streams.js';
import { renderJson } from '../../../src/report/json-report.js';
import { makeResult } from '../../fixtures/report/make-result.js';
import { makeStreamResult, type MakeStreamResultOptions } from '../../fixtures/report/make-stream-result.js';

const dir = mkdtempSync(join(tmpdir(), 'fastbench-compare-streams-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// latency held the same on both sides, so only the stream metrics change
const run = (o: MakeStreamResultOptions): RunResult => makeStreamResult({ seconds: 12, perSecond: 30, latencyMs: 200, ...o });

describe('compare: stream rows', () => {
  const base = run({ seed: 1 });
  const slower = run({ seed: 2, gapMs: 30, ttfbMs: 20 });
  const c = compareRuns([base], [slower]);

  it('compares ttfb p99, first_event p99, gap p99 and events/s p50 overall from the merged stream histograms', () => {
    expect(c.streams.map((r) => [r.scope, r.metric, r.unit])).toEqual([
      ['overall', 'ttfb p99', 'ms'], ['overall', 'first_event p99', 'ms'], ['overall', 'gap p99', 'ms'], ['overall', 'events/s p50', 'per_s'],
    ]);
    const gap = c.streams.find((r) => r.metric === 'gap p99')!;
    expect(gap.baseline).toBeCloseTo(mergeEncodedHistograms([base.histograms.stream!.overall!.gap]).percentile(99) / 1000, 6);
    expect(gap.baseline).toBeCloseTo(base.overall.stream!.gapMs.p99, 2);
    expect(gap.current).toBeCloseTo(slower.overall.stream!.gapMs.p99, 2);
    expect(gap.delta!).toBeGreaterThan(1.5); // ~ 15 ms → ~ 45 ms
    expect(gap.n).toEqual([base.overall.stream!.gapMs.count, slower.overall.stream!.gapMs.count]);
    const rate = c.streams.find((r) => r.metric === 'events/s p50')!;
    expect(rate.baseline).toBeCloseTo(base.overall.stream!.eventsPerSecond.p50, 0);
    expect(rate.delta!).toBeLessThan(-0.5);
    expect(rate.n).toEqual([360, 360]);
  });

  it('gives them no verdict and never gates on them: no per-interval samples', () => {
    expect(c.rows.some((r) => /ttfb|gap|event/.test(r.metric))).toBe(false);
    for (const r of c.streams) expect(r).not.toHaveProperty('verdict');
    expect(c.failed).toBe(false); // gap p99 tripled, latency the same: not a regression compare can claim
    const text = renderComparisonText(c);
    expect(text).toContain(`streams — ${STREAM_ROWS_NOTE}:`);
    expect(text).toMatch(/^overall\s+gap p99\s+[\d.]+ ms\s+[\d.]+ ms\s+\+\d+%\s+\d+\/\d+$/m);
    expect(text).toMatch(/^overall\s+events\/s p50\s+[\d.]+\/s\s+[\d.]+\/s\s+−\d+%\s+360\/360$/m);
    expect(text).toMatch(/^PASS: /m);
    const md = renderComparisonMarkdown(c);
    expect(md).toContain('#### Streams\n\nInformational: stream metrics have no per-interval samples');
    expect(md).toMatch(/\| \*\*overall\*\* \| ttfb p99 \| [\d.]+ ms \| [\d.]+ ms \| \+\d+% \| 360\/360 \|/);
    expect(md).toMatch(/\| \*\*overall\*\* \| first\\_event p99 \| [\d.]+ ms \| [\d.]+ ms \| [+−][\d.]+% \| 360\/360 \|/);
  });

  it('adds per-request rows when more than one request streamed', () => {
    const two = (seed: number, gapMs: number): RunResult =>
      run({ seed, gapMs, requestNames: ['tokens', 'ticks', 'plain'], streamed: ['tokens', 'ticks'] });
    const cc = compareRuns([two(1, 10)], [two(2, 10)]);
    expect([...new Set(cc.streams.map((r) => r.scope))]).toEqual(['overall', 'tokens', 'ticks']);
    expect(cc.streams).toHaveLength(12);
  });

  it('has no stream rows unless both sides streamed, and says when only one did', () => {
    const plain = makeResult({ scenario: 'token stream', seconds: 12 });
    const none = compareRuns([plain], [plain]);
    expect(none.streams).toEqual([]);
    expect(renderComparisonText(none)).not.toContain('streams —');
    expect(renderComparisonMarkdown(none)).not.toContain('#### Streams');
    const one = compareRuns([base], [plain], { allowDifferent: true });
    expect(one.streams).toEqual([]);
    expect(one.warnings).toContain('streamed responses (stream:) are only in the baseline results: their metrics are not compared');
  });

  it('reads them from result files (compare --json carries `streams`)', () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const a = join(dir, 'a.json');
      const b = join(dir, 'b.json');
      writeFileSync(a, renderJson(base));
      writeFileSync(b, renderJson(slower));
      expect(runCompareCommand([a, b], { json: true })).toBe(0);
      const json = JSON.parse(String(out.mock.calls.at(-1)?.[0])) as { streams: { metric: string; baseline: number }[] };
      expect(json.streams.map((r) => r.metric)).toEqual(['ttfb p99', 'first_event p99', 'gap p99', 'events/s p50']);
      expect(json.streams[2]!.baseline).toBeCloseTo(c.streams[2]!.baseline!, 6);
    } finally {
      out.mockRestore();
    }
  });
});
