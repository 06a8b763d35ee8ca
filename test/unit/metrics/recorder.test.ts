import { describe, expect, it } from 'vitest';
import { ERROR_ID_LIMIT, errorId } from '../../../src/core/errors.js';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import { FAILED_STATUS, Recorder, STATUS_LIMIT } from '../../../src/metrics/recorder.js';
import { buildRunResult } from '../../../src/metrics/run-result.js';
import { decodeHistogram } from '../../../src/metrics/encoded-histogram.js';

describe('Recorder', () => {
  it('counts responses, bytes, statuses per request and overall', () => {
    const r = new Recorder({ requestNames: ['home', 'login'], startMs: 1000 });
    r.record(0, 1500, 1200, 200, 100, 40);
    r.record(0, 2500, 2000, 200, 100, 40);
    r.record(1, 9000, 800, 503, 10, 20);
    r.record(1, 100, 90, 42, 1, 2); // odd status → "other" (index 0)
    const [home, login] = r.slots;
    expect(home?.requests).toBe(2);
    expect(home?.responses).toBe(2);
    expect(home?.bytesIn).toBe(200);
    expect(home?.bytesOut).toBe(80);
    expect(home?.statusCounts[200]).toBe(2);
    expect(login?.statusCounts[503]).toBe(1);
    expect(login?.statusCounts[0]).toBe(1);
    expect(r.overall.requests).toBe(4);
    expect(r.overall.bytesIn).toBe(211);
    expect(r.overall.bytesOut).toBe(102);
    expect(r.overall.statusCounts[200]).toBe(2);
    expect(r.overall.statusCounts.length).toBe(STATUS_LIMIT);
    expect(r.overall.errorCounts.length).toBe(ERROR_ID_LIMIT);
    expect(r.overall.corrected.count).toBe(4);
    expect(r.overall.corrected.max).toBe(9000);
    expect(r.overall.service.max).toBe(2000);
    expect(home?.corrected.percentile(100)).toBeGreaterThanOrEqual(2500);
    expect(login?.service.min).toBe(90);
    expect(r.overall.intervalCorrected.count).toBe(4);
    expect(r.overall.intervalRequests).toBe(4);
  });

  it('counts errors by id, and puts their latency in the corrected histograms only', () => {
    const r = new Recorder({ requestNames: ['a'] });
    const timeout = errorId('ERR_TIMEOUT_HEADERS');
    r.recordError(0, timeout, 5_000_000);
    r.recordError(0, errorId('ERR_CONN_REFUSED'));
    r.recordError(0, 99_999); // unknown id → ERR_INTERNAL (1)
    r.record(0, 1000, 1000, 200, 5);
    const a = r.slots[0];
    expect(a?.requests).toBe(4);
    expect(a?.errors).toBe(3);
    expect(a?.responses).toBe(1);
    expect(a?.errorCounts[timeout]).toBe(1);
    expect(a?.errorCounts[errorId('ERR_CONN_REFUSED')]).toBe(1);
    expect(a?.errorCounts[1]).toBe(1);
    expect(r.overall.errorCounts[timeout]).toBe(1);
    expect(a?.corrected.count).toBe(2);
    expect(a?.corrected.max).toBe(5_000_000);
    expect(a?.service.count).toBe(1);
    expect(r.overall.intervalErrors).toBe(3);
  });

  it('counts a failed response as an error, keeping its status, bytes and latency', () => {
    const r = new Recorder({ requestNames: ['a'] });
    const expectFailed = errorId('ERR_EXPECT_FAILED');
    r.record(0, 100, 90, 404, 50, 20, FAILED_STATUS);
    r.record(0, 200, 180, 200, 60, 20, expectFailed);
    r.record(0, 300, 270, 200, 70, 20);
    const a = r.slots[0]!;
    expect([a.requests, a.responses, a.errors]).toEqual([3, 1, 2]);
    expect(a.bytesIn).toBe(180);
    expect(a.bytesOut).toBe(60);
    expect(a.statusCounts[404]).toBe(1);
    expect(a.statusCounts[200]).toBe(2);
    expect(a.failedStatusCounts[404]).toBe(1);
    expect(a.failedStatusCounts[200]).toBe(0);
    expect(a.errorCounts[expectFailed]).toBe(1);
    expect(a.corrected.count).toBe(3);
    expect(a.service.count).toBe(3);
    const result = buildRunResult(r.snapshot(), { scenario: 's', environment: { fastbenchVersion: '0', node: 'v', cpuModel: 'c', cores: 1 } });
    expect(result.errorsByStatus).toEqual({ '404': 1 });
    expect(result.errorsByCode).toEqual({ ERR_EXPECT_FAILED: 1 });
    expect(result.statusCounts).toEqual({ '200': 2, '404': 1 });
    expect(result.requests[0]!.errorsByStatus).toEqual({ '404': 1 });
  });

  it('counts the bytes of failed attempts, and connection errors outside the request counts', () => {
    const r = new Recorder({ requestNames: ['a'] });
    r.recordError(0, errorId('ERR_HTTP_BODY_TOO_LARGE'), 1000, 65_536, 80);
    r.recordConnectionError(errorId('ERR_HTTP_UNSOLICITED_RESPONSE'), 40);
    expect(r.slots[0]!.bytesIn).toBe(65_536);
    expect(r.slots[0]!.bytesOut).toBe(80);
    expect(r.overall.bytesIn).toBe(65_536 + 40);
    expect(r.overall.requests).toBe(1);
    expect(r.overall.errors).toBe(1);
    expect(r.overall.errorCounts[errorId('ERR_HTTP_UNSOLICITED_RESPONSE')]).toBe(1);
    expect(r.slots[0]!.errorCounts[errorId('ERR_HTTP_UNSOLICITED_RESPONSE')]).toBe(0);
  });

  it('rejects unknown request indexes', () => {
    const r = new Recorder({ requestNames: ['a'] });
    expect(() => r.record(1, 1, 1, 200, 0)).toThrow(RangeError);
    expect(() => r.recordError(-1, 1)).toThrow(RangeError);
    expect(() => new Recorder({ requestNames: [] })).toThrow(RangeError);
  });

  it('closes intervals into the series and resets only interval state', () => {
    const r = new Recorder({ requestNames: ['a', 'b'], seriesHistograms: 'both' });
    for (let i = 1; i <= 100; i++) r.record(i % 2, i * 10, i * 5, 200, 10, 1);
    r.recordError(1, errorId('ERR_CONN_RESET'), 50);
    const p0 = r.closeInterval(0);
    expect(p0).toMatchObject({ t: 0, ms: 1000, requests: 101, responses: 100, errors: 1, bytesIn: 1000, bytesOut: 100 });
    const expected = LatencyHistogram.create();
    for (let i = 1; i <= 100; i++) expected.record(i * 10);
    expected.record(50);
    expect(p0.p50Us).toBe(expected.percentile(50));
    expect(p0.p99Us).toBe(expected.percentile(99));
    expect(p0.corrected?.count).toBe(101);
    expect(p0.service?.count).toBe(100);
    expect(decodeHistogram(p0.corrected!).encode()).toBe(expected.encode());
    expect(r.overall.intervalCorrected.count).toBe(0);
    expect(r.slots[0]?.intervalCorrected.count).toBe(0);
    expect(r.slots[1]?.intervalService.count).toBe(0);
    expect(r.overall.intervalRequests).toBe(0);
    expect(r.overall.corrected.count).toBe(101);

    r.record(0, 7, 7, 204, 0);
    const p1 = r.closeInterval(1, 400);
    expect(p1).toMatchObject({ t: 1, ms: 400, requests: 1, errors: 0, p50Us: 7, p99Us: 7 });
    expect(r.series.points.map((p) => p.t)).toEqual([0, 1]);
    const empty = r.closeInterval(2);
    expect(empty).toMatchObject({ requests: 0, p50Us: 0, p99Us: 0 });
  });

  it('keeps interval histograms per option', () => {
    const none = new Recorder({ requestNames: ['a'], seriesHistograms: 'none' });
    none.record(0, 1, 1, 200, 0);
    const p = none.closeInterval(0);
    expect(p.corrected).toBeUndefined();
    expect(p.service).toBeUndefined();
    const def = new Recorder({ requestNames: ['a'] });
    def.record(0, 1, 1, 200, 0);
    const q = def.closeInterval(0);
    expect(q.corrected?.count).toBe(1);
    expect(q.service).toBeUndefined();
  });

  it('reset forgets everything', () => {
    const r = new Recorder({ requestNames: ['a'] });
    r.record(0, 10, 10, 200, 10);
    r.recordError(0, 3, 5);
    r.closeInterval(0);
    r.record(0, 10, 10, 200, 10);
    r.reset(5000);
    expect(r.startMs).toBe(5000);
    expect(r.overall.requests).toBe(0);
    expect(r.overall.corrected.count).toBe(0);
    expect(r.overall.intervalCorrected.count).toBe(0);
    expect(r.overall.statusCounts[200]).toBe(0);
    expect(r.slots[0]?.errorCounts[3]).toBe(0);
    expect(r.series.points).toEqual([]);
  });
});
