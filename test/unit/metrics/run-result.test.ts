import { describe, expect, it } from 'vitest';
import { errorId } from '../../../src/core/errors.js';
import { Recorder } from '../../../src/metrics/recorder.js';
import { buildRunResult, usToMs, type RunEnvironment } from '../../../src/metrics/run-result.js';
import { detectEnvironment } from '../../../src/metrics/environment.js';
import { mergeSnapshots } from '../../../src/metrics/merge.js';

const ENV: RunEnvironment = { fastbenchVersion: '0.1.0', node: 'v20.0.0', cpuModel: 'test cpu', cores: 2 };

describe('buildRunResult', () => {
  it('computes stats in ms with µs precision from a snapshot', () => {
    const r = new Recorder({ requestNames: ['home', 'api'], startMs: Date.UTC(2025, 0, 1) });
    for (let i = 1; i <= 1000; i++) r.record(i % 2, 1000 + i, 900 + i, i % 10 === 0 ? 404 : 200, 100, 50);
    r.recordError(1, errorId('ERR_TIMEOUT_HEADERS'), 3_000_000);
    r.recordError(0, errorId('ERR_CONN_REFUSED'));
    r.closeInterval(0);
    r.record(0, 1234, 1000, 200, 100);
    r.closeInterval(1, 500);
    const snap = r.snapshot(Date.UTC(2025, 0, 1, 0, 0, 2));
    const res = buildRunResult(snap, {
      scenario: 'smoke',
      environment: ENV,
      phases: [{ name: 'steady', startOffsetMs: 0, durationMs: 2000, kind: 'constant' }],
      thresholds: [{ expression: 'p99 < 50ms', passed: true, actual: 2.0 }],
      interrupted: false,
    });
    expect(res.schemaVersion).toBe(1);
    expect(res.scenario).toBe('smoke');
    expect(res.startTime).toBe('2025-01-01T00:00:00.000Z');
    expect(res.endTime).toBe('2025-01-01T00:00:02.000Z');
    expect(res.durationMs).toBe(2000);
    expect(res.parts).toBe(1);
    expect(res.summary.requests).toBe(1003);
    expect(res.summary.errors).toBe(2);
    expect(res.summary.rps).toBe(501.5);
    expect(Object.keys(res.summary.latencyMs)).toEqual(['min', 'mean', 'p50', 'p75', 'p90', 'p99', 'p99_9', 'p99_99', 'max']);
    expect(res.summary.latencyMs.min).toBe(1.001);
    expect(res.summary.latencyMs.max).toBe(3000);
    expect(res.summary.latencyMs.p50).toBeCloseTo(1.501, 2);
    expect(res.overall.serviceMs.max).toBe(1.9);
    expect(res.overall.serviceMs.count).toBe(1001);
    expect(res.statusCounts).toEqual({ 200: 901, 404: 100 });
    expect(res.errorsByCode).toEqual({ ERR_TIMEOUT_HEADERS: 1, ERR_CONN_REFUSED: 1 });
    expect(res.requests.map((q) => [q.name, q.requests, q.errors])).toEqual([['home', 502, 1], ['api', 501, 1]]);
    expect(res.requests[1]?.errorsByCode).toEqual({ ERR_TIMEOUT_HEADERS: 1 });
    expect(res.requests[1]?.errorRate).toBeCloseTo(1 / 501);
    expect(res.series).toHaveLength(2);
    expect(res.series[0]).toMatchObject({ t: 0, requests: 1002, rps: 1002, errors: 2 });
    expect(res.series[1]).toMatchObject({ t: 1, requests: 1, rps: 2, p50: 1.234 });
    expect(res.histograms.overall.corrected.count).toBe(1002);
    expect(Object.keys(res.histograms.requests)).toEqual(['home', 'api']);
    expect(res.histograms.intervals.map((i) => i.t)).toEqual([0, 1]);
    expect(res.thresholds).toHaveLength(1);
    expect(res.valid).toBe(true);
    expect(res.invalidReason).toBeUndefined();
    expect(res.interrupted).toBe(false);
    expect(JSON.parse(JSON.stringify(res))).toEqual(res);
  });

  it('takes meta overrides and handles an empty run', () => {
    const r = new Recorder({ requestNames: ['x'], startMs: 0 });
    const res = buildRunResult(mergeSnapshots([r.snapshot(0)]), {
      scenario: 'empty', environment: ENV, startTime: 1000, endTime: 1000, valid: false,
      invalidReason: 'schedule slipped', interrupted: true,
    });
    expect(res.summary).toEqual({ requests: 0, errors: 0, rps: 0, latencyMs: { min: 0, mean: 0, p50: 0, p75: 0, p90: 0, p99: 0, p99_9: 0, p99_99: 0, max: 0 } });
    expect(res.valid).toBe(false);
    expect(res.invalidReason).toBe('schedule slipped');
    expect(res.interrupted).toBe(true);
    expect(res.phases).toEqual([]);
    expect(res.thresholds).toEqual([]);
    expect(res.statusCounts).toEqual({});
  });

  it('formats µs as ms with 3 decimals and detects the environment', () => {
    expect(usToMs(1234)).toBe(1.234);
    expect(usToMs(1234.6)).toBe(1.235);
    expect(usToMs(0)).toBe(0);
    const env = detectEnvironment('9.9.9');
    expect(env.fastbenchVersion).toBe('9.9.9');
    expect(env.node).toBe(process.version);
    expect(env.cores).toBeGreaterThan(0);
    expect(env.cpuModel.length).toBeGreaterThan(0);
  });
});
