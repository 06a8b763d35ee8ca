import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorId } from '../../../src/core/errors.js';
import { mergeSnapshots } from '../../../src/metrics/merge.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { buildRunResult } from '../../../src/metrics/run-result.js';
import type { SeriesPoint } from '../../../src/metrics/series.js';
import { LiveReports } from '../../../src/report/live-reports.js';
import { ReportWriter } from '../../../src/report/report-writer.js';
import { parseRunResult } from '../../../src/report/result-file.js';
import { TEST_ENV, latencySampler } from '../../fixtures/report/make-result.js';

const dir = mkdtempSync(join(tmpdir(), 'fastbench-live-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const START = Date.UTC(2026, 0, 2, 3, 4, 5);

/** Two workers' recorders; interval(t) records 100 samples in each and returns both points. */
function workers() {
  const recs = [0, 1].map(() => new Recorder({ requestNames: ['x'], startMs: START, seriesHistograms: 'both' }));
  const lat = latencySampler(5, 3000, 0.6);
  const interval = (t: number): SeriesPoint[] => recs.map((rec) => {
    for (let i = 0; i < 100; i++) {
      if (i === 0) rec.recordError(0, errorId('ERR_TIMEOUT_HEADERS'), 10_000);
      else rec.record(0, lat(), 1000, 200, 500, 60);
    }
    return rec.closeInterval(t, 1000);
  });
  return { recs, interval };
}

describe('report files refreshed during a run', () => {
  it('writes the run so far every 10 s of measured time, marked partial, then the final result over it', async () => {
    const { recs, interval } = workers();
    const out = join(dir, 'soak');
    const writer = new ReportWriter({ formats: ['json', 'text', 'md'], outDir: out });
    const live = new LiveReports(writer, { scenario: 'long soak', environment: TEST_ENV, startMs: START });
    for (let t = 0; t < 9; t++) live.onInterval(interval(t));
    await writer.idle();
    expect(existsSync(join(out, 'result.json'))).toBe(false); // 9 s: not yet
    live.onInterval(interval(9));
    await writer.idle();
    // mid-run: the files exist and hold the first 10 s
    const mid = parseRunResult(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(mid.partial).toBe(true);
    expect(mid.summary.requests).toBe(2000);
    expect(mid.summary.errors).toBe(20);
    expect(mid.durationMs).toBe(10_000);
    expect(mid.series).toHaveLength(10);
    expect(mid.series[0]!.requests).toBe(200);
    // the latency figures are the workers' histograms added up, as the final result's will be
    const sofar = buildRunResult(mergeSnapshots(recs.map((r) => r.snapshot(START + 10_000))), { scenario: 'long soak', environment: TEST_ENV, durationMs: 10_000 });
    expect(mid.overall.latencyMs).toEqual(sofar.overall.latencyMs);
    expect(readFileSync(join(out, 'report.txt'), 'utf8')).toMatch(/\[PARTIAL\]/);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\*\*Partial\*\*/);
    for (let t = 10; t < 15; t++) live.onInterval(interval(t));
    await writer.idle();
    expect(parseRunResult(readFileSync(join(out, 'result.json'), 'utf8')).summary.requests).toBe(2000); // 15 s: no rewrite yet
    // the end: the final result replaces the partial files, in the same directory
    const final = buildRunResult(mergeSnapshots(recs.map((r) => r.snapshot(START + 15_000))), { scenario: 'long soak', environment: TEST_ENV, durationMs: 15_000 });
    const written = await writer.final(final);
    expect(written.map((w) => w.path)).toEqual(['result.json', 'report.txt', 'report.md'].map((f) => join(out, f)));
    const end = parseRunResult(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(end.partial).toBeUndefined();
    expect(end.summary.requests).toBe(3000);
    expect(readFileSync(join(out, 'report.txt'), 'utf8')).not.toMatch(/PARTIAL/);
  });

  it('names the directory once: intermediate and final results land on the same files', async () => {
    const { recs, interval } = workers();
    const named: string[] = [];
    const writer = new ReportWriter({ formats: ['json'], outDir: (r) => {
      const d = join(dir, `run-${r.startTime.replace(/\W/g, '')}`);
      named.push(d);
      return d;
    } });
    const live = new LiveReports(writer, { scenario: 's', environment: TEST_ENV, startMs: START, everyMs: 2000 });
    for (let t = 0; t < 2; t++) live.onInterval(interval(t));
    await writer.idle();
    // the final result starts later (the measured start, after a warmup) — same directory still
    const final = buildRunResult(mergeSnapshots(recs.map((r) => r.snapshot(START + 2000))), { scenario: 's', environment: TEST_ENV, startTime: START + 700, durationMs: 1300 });
    const [w] = await writer.final(final);
    expect(named).toHaveLength(1);
    expect(w!.path).toBe(join(named[0]!, 'result.json'));
  });
});
