import hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../../src/metrics/encoded-histogram.js';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import { HLOG_LEGEND, renderHlog } from '../../../src/report/hlog-report.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { buildRunResult } from '../../../src/metrics/run-result.js';
import { makeResult, TEST_ENV } from '../../fixtures/report/make-result.js';

/** Read every histogram of a tag with the HdrHistogram port's own log reader. */
function readLog(text: string, tag?: string): JsHistogram[] {
  const reader = new hdr.HistogramLogReader(text, 64);
  const out: JsHistogram[] = [];
  for (let h = reader.nextIntervalHistogram(); h !== null; h = reader.nextIntervalHistogram()) {
    if ((h.tag === 'NO TAG' ? undefined : h.tag) === tag) out.push(h as JsHistogram);
  }
  return out;
}

/** ns histogram → our µs histogram, as the header comment of hlog-report.ts says. */
function backToMicros(ns: JsHistogram): LatencyHistogram {
  const us = LatencyHistogram.create();
  const it = ns.recordedValuesIterator;
  it.reset();
  while (it.hasNext()) {
    const v = it.next();
    us.recordCount(Math.floor(ns.medianEquivalentValue(v.valueIteratedTo) / 1000), v.countAtValueIteratedTo);
  }
  return us;
}

describe('renderHlog', () => {
  const samples: number[] = [];
  const result = makeResult({ seconds: 6, perSecond: 300, samples, spread: 1.2, startMs: Date.UTC(2025, 5, 1, 8, 30, 0, 250) });
  const text = renderHlog(result);
  const lines = text.trimEnd().split('\n');

  it('writes the V1.3 header, StartTime/BaseTime and the legend', () => {
    expect(lines[1]).toBe('#[Histogram log format version 1.3]');
    expect(lines[2]).toBe('#[StartTime: 1748766600.250 (seconds since epoch), 2025-06-01T08:30:00.250Z]');
    expect(lines[3]).toBe('#[BaseTime: 1748766600.250 (seconds since epoch)]');
    expect(lines).toContain(HLOG_LEGEND);
    const data = lines.filter((l) => !l.startsWith('#') && !l.startsWith('"'));
    expect(data).toHaveLength(12); // 6 corrected + 6 Tag=service
    for (const l of data) expect(l).toMatch(/^(Tag=service,)?\d+\.\d{3},\d+\.\d{3},\d+\.\d{3},HISTFAA[A-Za-z0-9+/=]+$/);
  });

  it('is read back by HdrHistogram\'s log reader with every count and timestamp', () => {
    const hs = readLog(text);
    expect(hs).toHaveLength(result.histograms.intervals.length);
    hs.forEach((h, i) => {
      const iv = result.histograms.intervals[i]!;
      expect(h.totalCount).toBe(iv.corrected.count);
      expect(h.startTimeStampMsec).toBeCloseTo(Date.UTC(2025, 5, 1, 8, 30, 0, 250) + iv.t * 1000, 0);
      expect(h.endTimeStampMsec - h.startTimeStampMsec).toBeCloseTo(iv.ms, 0);
    });
    const total = hs.reduce((a, h) => a + h.totalCount, 0);
    expect(total).toBe(samples.length);
    expect(readLog(text, 'service').map((h) => h.totalCount)).toEqual(result.histograms.intervals.map((iv) => iv.service!.count));
  });

  it('holds nanoseconds that map back exactly onto the µs buckets (lossless)', () => {
    readLog(text).forEach((ns, i) => {
      const original = decodeHistogram(result.histograms.intervals[i]!.corrected);
      expect(backToMicros(ns).encode()).toBe(original.encode());
      // what HistogramLogProcessor prints by default (ns / 1e6 = ms) agrees with our ms figures
      for (const p of [50, 90, 99, 99.9]) {
        const ms = ns.getValueAtPercentile(p) / 1e6;
        expect(Math.abs(ms - original.percentile(p) / 1000)).toBeLessThanOrEqual((original.percentile(p) / 1000) * 0.002 + 0.001);
      }
    });
  });

  it('writes Interval_Max in milliseconds, from the exact max', () => {
    const first = lines.find((l) => /^\d/.test(l))!.split(',');
    const iv = result.histograms.intervals[0]!;
    expect(first[0]).toBe('0.000');
    expect(first[1]).toBe('1.000');
    expect(first[2]).toBe((iv.corrected.max / 1000).toFixed(3));
  });

  it('writes a header only for a run without intervals', () => {
    const empty = renderHlog(makeResult({ seconds: 0 }));
    expect(empty.trimEnd().split('\n').at(-1)).toBe(HLOG_LEGEND);
    expect(readLog(empty)).toEqual([]);
  });

  it('places sub-second intervals (interval: 250ms) at their real start times', () => {
    const rec = new Recorder({ requestNames: ['a'], startMs: 0, seriesHistograms: 'corrected' });
    for (let t = 0; t < 4; t++) {
      rec.record(0, 1000 + t, 1000, 200, 10);
      rec.closeInterval(t, 250);
    }
    const r = buildRunResult(rec.snapshot(1000), { scenario: 's', environment: TEST_ENV });
    const starts = renderHlog(r).trimEnd().split('\n').filter((l) => /^\d/.test(l)).map((l) => l.split(',').slice(0, 2).join(','));
    expect(starts).toEqual(['0.000,0.250', '0.250,0.250', '0.500,0.250', '0.750,0.250']);
  });
});
