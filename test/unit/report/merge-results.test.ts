import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { errorId } from '../../../src/core/errors.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { buildRunResult, type RunResult } from '../../../src/metrics/run-result.js';
import { Series } from '../../../src/metrics/series.js';
import { runMergeCommand } from '../../../src/cli/merge-command.js';
import { renderJson } from '../../../src/report/json-report.js';
import { mergeRunResults } from '../../../src/report/merge.js';
import { checkRunResult, parseRunResult } from '../../../src/report/result-file.js';
import { evaluateThresholds } from '../../../src/report/thresholds.js';
import { TEST_ENV, latencySampler, rng, thresholdOf } from '../../fixtures/report/make-result.js';

const NAMES = ['home', 'api', 'cart'];
const START = Date.UTC(2025, 3, 1, 10, 0, 0);
const SECONDS = 8;
const THRESHOLDS = [
  thresholdOf('p99 < 30ms'),
  thresholdOf('p50 < 2ms'),
  thresholdOf('errors < 2%'),
  thresholdOf('rps > 300'),
  thresholdOf('p99 < 12ms over 2s windows'),
  thresholdOf('errors < 5% over last 3s'),
  thresholdOf('p50 < 3ms', 'api'),
  thresholdOf('p50 < 3ms'), // the same expression in another scope: a threshold of its own
  thresholdOf('max < 1s', 'cart'),
  thresholdOf('p99 < 15ms over 2s windows', 'api'),
];

/** As the engine does: RunResult + the series of the requests a windowed threshold names. */
function result(rec: Recorder, apiRec: Recorder, startMs = START): RunResult {
  const r: RunResult = buildRunResult(rec.snapshot(startMs + SECONDS * 1000), {
    scenario: 'sharded', environment: TEST_ENV, durationMs: SECONDS * 1000,
    phases: [{ name: 'steady', startOffsetMs: 0, durationMs: SECONDS * 1000, kind: 'constant' }],
  });
  r.requestSeries = { api: { series: Series.rows(apiRec.series.points), intervals: Series.intervalHistograms(apiRec.series.points) } };
  r.thresholds = evaluateThresholds(THRESHOLDS, r);
  return r;
}

/** The same random samples recorded once into a single recorder and split at random over 3 shards. */
function scenario(seed: number) {
  const one = new Recorder({ requestNames: NAMES, startMs: START, seriesHistograms: 'both' });
  const shards = [0, 1, 2].map(() => new Recorder({ requestNames: NAMES, startMs: START, seriesHistograms: 'both' }));
  const apiOne = new Recorder({ requestNames: ['api'], startMs: START });
  const apiShards = shards.map(() => new Recorder({ requestNames: ['api'], startMs: START }));
  const pick = rng(seed);
  const lat = NAMES.map((_, i) => latencySampler(seed * 31 + i, 1500 * (i + 1), 0.9));
  for (let t = 0; t < SECONDS; t++) {
    const n = 400 + Math.floor(pick() * 200);
    for (let k = 0; k < n; k++) {
      const req = Math.floor(pick() * NAMES.length);
      const us = lat[req]!();
      const s = Math.floor(pick() * 3);
      const roll = pick();
      const targets: Array<[Recorder, number]> = [[one, req], [shards[s]!, req]];
      if (NAMES[req] === 'api') targets.push([apiOne, 0], [apiShards[s]!, 0]);
      for (const [rec, idx] of targets) {
        if (roll < 0.01) rec.recordError(idx, errorId('ERR_CONN_RESET'), us);
        else if (roll < 0.015) rec.recordError(idx, errorId('ERR_TIMEOUT_HEADERS'));
        else rec.record(idx, us, Math.ceil(us * 0.7), roll < 0.03 ? 503 : roll > 0.9999 ? 999 : 200, 700 + (k % 50), 90);
      }
    }
    for (const rec of [one, apiOne, ...shards, ...apiShards]) rec.closeInterval(t);
  }
  return { single: result(one, apiOne), parts: shards.map((s, i) => result(s, apiShards[i]!)) };
}

const dir = mkdtempSync(join(tmpdir(), 'fastbench-merge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mergeRunResults', () => {
  it('merges 3 shards of disjoint random samples into exactly the single-histogram result', () => {
    const { single, parts } = scenario(7);
    // the shards really differ from each other and from the whole
    expect(new Set(parts.map((p) => p.histograms.overall.corrected.hdr)).size).toBe(3);
    expect(parts.reduce((a, p) => a + p.summary.requests, 0)).toBe(single.summary.requests);
    const { result: merged, warnings } = mergeRunResults(parts);
    expect(warnings).toEqual([]);
    expect(merged.histograms.overall).toEqual(single.histograms.overall);
    expect(merged.histograms.requests).toEqual(single.histograms.requests);
    expect(merged.histograms.intervals).toEqual(single.histograms.intervals);
    expect(merged.parts).toBe(3);
    // every statistic recomputed from the merged histograms and summed counters
    expect({ ...merged, parts: 1 }).toEqual(single);
  });

  it('re-evaluates the thresholds on the merged result, each in the scope it records', () => {
    const { single, parts } = scenario(11);
    const { result: merged } = mergeRunResults(parts);
    expect(merged.thresholds).toEqual(single.thresholds);
    expect(merged.thresholds.filter((t) => t.expression === 'p50 < 3ms').map((t) => t.scope)).toEqual(['api', 'overall']);
    expect(merged.thresholds.find((t) => t.expression === 'max < 1s')).toMatchObject({ scope: 'cart', metric: 'max', unit: 'ms', limit: 1000 });
    // files written before outcomes recorded their scope are upgraded when read: still matched to its request
    const legacy = parts.map((p) => parseRunResult(JSON.stringify({ ...p, thresholds: p.thresholds.map(({ expression, passed, actual, window }) => ({ expression, passed, actual, window })) })));
    const upgraded = mergeRunResults(legacy).result.thresholds;
    const scoped = (list: RunResult['thresholds']) => list.filter((t) => t.expression === 'p50 < 3ms').map((t) => [t.scope, t.actual]);
    expect(scoped(upgraded)).toEqual(scoped(single.thresholds));
    expect(upgraded.find((t) => t.scope === 'api' && t.expression === 'p50 < 3ms')?.actual).toBe(single.requests.find((q) => q.name === 'api')!.latencyMs.p50);
    expect(merged.requestSeries).toEqual(single.requestSeries);
    expect(merged.thresholds.at(-1)).toMatchObject({ expression: 'p99 < 15ms over 2s windows', window: 'each 2s window' });
    // a gate the shards alone fail (each makes a third of the load) passes once merged
    const rps = (r: RunResult) => r.thresholds.find((t) => t.expression === 'rps > 300')!;
    expect(parts.every((p) => !rps(p).passed)).toBe(true);
    expect(rps(merged).passed).toBe(true);
    // with definitions given (merge --scenario), those are used
    const given = mergeRunResults(parts, { thresholds: [thresholdOf('p99 < 1ms')] }).result.thresholds;
    expect(given).toEqual([{ expression: 'p99 < 1ms', scope: 'overall', metric: 'p99', op: '<', unit: 'ms', limit: 1, passed: false, actual: single.overall.latencyMs.p99 }]);
  });

  it('keeps outcomes it cannot re-evaluate, as the conjunction of the parts, with a warning', () => {
    const { parts } = scenario(3);
    const outcome = { expression: 'latency is fine', scope: 'overall', metric: 'p99', op: '<' as const, unit: 'ms' as const, limit: 5 };
    const odd = parts.map((p, i) => ({ ...p, thresholds: [{ ...outcome, passed: i !== 1, actual: 1 }] }));
    const { result, warnings } = mergeRunResults(odd);
    expect(result.thresholds).toEqual([{ ...outcome, passed: false, actual: null }]);
    expect(warnings[0]).toMatch(/threshold "latency is fine" not re-evaluated/);
  });

  it('lines up shards started at different seconds by wall-clock time', () => {
    const a = new Recorder({ requestNames: ['x'], startMs: START });
    const b = new Recorder({ requestNames: ['x'], startMs: START + 2000 });
    for (let t = 0; t < 3; t++) {
      a.record(0, 1000, 900, 200, 10);
      a.closeInterval(t);
      b.record(0, 2000, 1900, 200, 10);
      b.record(0, 2000, 1900, 200, 10);
      b.closeInterval(t);
    }
    const ra = buildRunResult(a.snapshot(START + 3000), { scenario: 's', environment: TEST_ENV });
    const rb = buildRunResult(b.snapshot(START + 5000), { scenario: 's', environment: TEST_ENV });
    const { result } = mergeRunResults([rb, ra]);
    expect(result.series.map((r) => [r.t, r.requests])).toEqual([[0, 1], [1, 1], [2, 3], [3, 2], [4, 2]]);
    expect(result.startTime).toBe(new Date(START).toISOString());
    expect(result.endTime).toBe(new Date(START + 5000).toISOString());
    expect(checkRunResult(JSON.parse(renderJson(result)))).toEqual([]);
  });

  it('warns about mixed scenarios and carries invalid / interrupted flags', () => {
    const { parts } = scenario(5);
    const { result, warnings } = mergeRunResults([parts[0]!, { ...parts[1]!, scenario: 'other', valid: false, invalidReason: 'slipped' }, { ...parts[2]!, interrupted: true }]);
    expect(warnings).toContain('merging results of different scenarios: sharded, other');
    expect(result.valid).toBe(false);
    expect(result.invalidReason).toBe('slipped');
    expect(result.interrupted).toBe(true);
  });
});

describe('mergeRunResults with sub-second intervals', () => {
  it('lines shards up by interval (interval: 250ms), not by whole seconds', () => {
    const part = (startMs: number): RunResult => {
      const rec = new Recorder({ requestNames: ['a'], startMs, seriesHistograms: 'both' });
      for (let t = 0; t < 4; t++) {
        for (let i = 0; i <= t; i++) rec.record(0, 1000, 1000, 200, 10);
        rec.closeInterval(t, 250);
      }
      return buildRunResult(rec.snapshot(startMs + 1000), { scenario: 'q', environment: TEST_ENV, durationMs: 1000 });
    };
    // the second shard started 500 ms (two intervals) later
    const { result, warnings } = mergeRunResults([part(START), part(START + 500)]);
    expect(warnings).toEqual([]);
    expect(result.series.map((r) => [r.t, r.requests])).toEqual([[0, 1], [1, 2], [2, 3 + 1], [3, 4 + 2], [4, 3], [5, 4]]);
    expect(result.histograms.intervals.map((iv) => iv.ms)).toEqual([250, 250, 250, 250, 250, 250]);
  });
});

describe('fastbench merge', () => {
  it('writes the merged result and exits 1 when a re-evaluated threshold fails', async () => {
    const { single, parts } = scenario(13);
    const files = parts.map((p, i) => {
      const f = join(dir, `shard-${i}.json`);
      writeFileSync(f, renderJson(p));
      return f;
    });
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const merged = join(dir, 'out', 'merged.json');
      const code = await runMergeCommand(files, { out: merged, env: [] });
      const back = parseRunResult(readFileSync(merged, 'utf8'));
      expect({ ...back, parts: 1 }).toEqual(single);
      expect(code).toBe(single.thresholds.some((t) => !t.passed) ? 1 : 0);
      expect(code).toBe(1); // "p50 < 2ms" fails on these samples
      expect(String(out.mock.calls[0]?.[0])).toContain('fastbench — sharded');
      await expect(runMergeCommand([join(dir, 'missing.json')], { env: [] })).rejects.toMatchObject({ code: 'ERR_USAGE_FILE' });
      writeFileSync(join(dir, 'bad.json'), '{"schemaVersion": 1}');
      await expect(runMergeCommand([join(dir, 'bad.json')], { env: [] })).rejects.toMatchObject({ code: 'ERR_RESULT_FILE' });
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
