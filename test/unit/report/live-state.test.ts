// The live outputs' shared state (report/live-state.ts) driven by hand-made intervals, and the
// pieces around it: merging counts, classic buckets from HDR, the /metrics exposition, --otlp's URL.
import { describe, expect, it } from 'vitest';
import { encodeHistogram } from '../../../src/metrics/encoded-histogram.js';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import { mergeLiveIntervals, mergeRequestCounts, type LiveInterval, type RequestCounts } from '../../../src/metrics/live-interval.js';
import type { SeriesPoint } from '../../../src/metrics/series.js';
import { otlpMetricsUrl } from '../../../src/report/live-otlp.js';
import { PrometheusOutput } from '../../../src/report/live-prometheus.js';
import { failuresByKind, LiveState } from '../../../src/report/live-state.js';
import { parseScenario } from '../../../src/scenario/index.js';

function counts(name: string, ok: number, failed503: number, resets: number): RequestCounts {
  return {
    name, requests: ok + failed503 + resets, responses: ok, errors: failed503 + resets, bytesIn: ok * 10, bytesOut: 0,
    status: { 200: ok, ...(failed503 > 0 ? { 503: failed503 } : {}) },
    failedStatus: failed503 > 0 ? { 503: failed503 } : {},
    errorCodes: resets > 0 ? { ERR_CONN_RESET: resets } : {},
  };
}

function point(latenciesUs: number[]): SeriesPoint {
  const h = LatencyHistogram.create();
  for (const v of latenciesUs) h.record(v);
  return {
    t: 0, ms: 1000, requests: latenciesUs.length, responses: latenciesUs.length, errors: 0, bytesIn: 0, bytesOut: 0,
    p50Us: h.percentile(50), p99Us: h.percentile(99), corrected: encodeHistogram(h),
  };
}

function interval(index: number, over: Partial<LiveInterval>): LiveInterval {
  return {
    index, ms: 1000, elapsedMs: (index + 1) * 1000, phase: 0, phaseName: 'p', warmup: false, completed: 0, errors: 0,
    point: undefined, counts: undefined, health: [], ...over,
  };
}

const rampScenario = parseScenario(`
target: http://127.0.0.1:1
load:
  - name: ramp
    rate: 100 -> 300 over 4s
requests:
  - path: /
`, '/tmp/live-state.yaml', { processEnv: {} });

describe('LiveState', () => {
  it('rows: rate, percentiles from the interval histogram, failures by kind per interval (not cumulative), health', () => {
    const s = new LiveState({ scenario: 'x', phases: rampScenario.phases });
    const a = s.add(interval(0, {
      completed: 120, point: point([1000, 2000, 3000, 4000]), counts: [counts('a', 100, 5, 2)],
      health: [{ utilization: 0.2, cpu: 0.3 }, { utilization: 0.5, cpu: 0.1 }],
    }));
    expect(a.rps).toBe(120);
    expect(a.p50).toBeCloseTo(2, 1);
    expect(a.max).toBeCloseTo(4, 1);
    expect(a.errors).toEqual({ 'status 503': 5, ERR_CONN_RESET: 2 });
    expect(a.loop).toBe(0.5);
    expect(a.cpu).toBeCloseTo(0.4, 9);
    // the next interval: cumulative counts went up by 3 resets only
    const b = s.add(interval(1, { completed: 50, point: point([5000]), counts: [counts('a', 140, 5, 5)] }));
    expect(b.errors).toEqual({ ERR_CONN_RESET: 3 });
    expect(b.p99).toBeCloseTo(5, 1);
    expect(b.loop).toBeNull();
    expect(s.latency.count).toBe(5); // the run's histogram: both intervals added
    expect(s.totals()).toEqual({ requests: 150, responses: 140, errors: 10 });
  });

  it('target rate: the ramp\'s scheduled rate at each interval\'s middle, scaled by a shard\'s share', () => {
    const s = new LiveState({ scenario: 'x', phases: rampScenario.phases });
    const rows = [0, 1, 2, 3].map((i) => s.add(interval(i, {})));
    expect(rows.map((r) => r.target)).toEqual([125, 175, 225, 275]);
    const shard = new LiveState({ scenario: 'x', phases: rampScenario.phases, rateShare: 1 / 4 });
    expect(shard.add(interval(0, {})).target).toBe(31.25);
  });

  it('an interval without a histogram has null percentiles; before measuring, counts stay empty', () => {
    const s = new LiveState({ scenario: 'x', phases: rampScenario.phases });
    const r = s.add(interval(0, { warmup: true, completed: 10, errors: 2 }));
    expect(r.p50).toBeNull();
    expect(r.errors).toEqual({ failed: 2 });
    expect(s.counts).toEqual([]);
  });

  it('failuresByKind adds requests together; mergeRequestCounts adds workers by name', () => {
    const merged = mergeRequestCounts([[counts('a', 1, 2, 3), counts('b', 4, 0, 0)], [counts('a', 10, 20, 30)]]);
    expect(merged.map((c) => c.name)).toEqual(['a', 'b']);
    expect(merged[0]).toMatchObject({ requests: 66, responses: 11, errors: 55, status: { 200: 11, 503: 22 }, errorCodes: { ERR_CONN_RESET: 33 } });
    expect(failuresByKind(merged)).toEqual({ ERR_CONN_RESET: 33, 'status 503': 22 });
  });
});

describe('mergeLiveIntervals (a fleet\'s shards as one feed)', () => {
  it('adds counts and completions, merges the histograms losslessly, lists every shard\'s health', () => {
    const a = interval(3, { completed: 10, errors: 1, point: point([1000, 2000]), counts: [counts('x', 9, 1, 0)], health: [{ utilization: 0.1, cpu: 0.2 }] });
    const b = interval(3, { completed: 5, errors: 0, elapsedMs: 4100, point: point([3000]), counts: [counts('x', 5, 0, 0)], health: [{ utilization: 0.3, cpu: 0.4 }] });
    const m = mergeLiveIntervals([a, b]);
    expect(m).toMatchObject({ index: 3, completed: 15, errors: 1, elapsedMs: 4100 });
    expect(m.point!.corrected!.count).toBe(3);
    expect(m.counts![0]).toMatchObject({ name: 'x', requests: 15, responses: 14, status: { 200: 14, 503: 1 } });
    expect(m.health).toHaveLength(2);
    const s = new LiveState({ scenario: 'fleet', phases: rampScenario.phases });
    expect(s.add(m).max).toBeCloseTo(3, 1);
  });
});

describe('LatencyHistogram.cumulativeBuckets', () => {
  it('cumulative counts per bound, as Prometheus le buckets, and the sum', () => {
    const h = LatencyHistogram.create();
    for (const v of [50, 150, 150, 900, 5000, 2_000_000]) h.record(v);
    const b = h.cumulativeBuckets([100, 1000, 10_000, 1_000_000]);
    expect(b.counts).toEqual([1, 4, 5, 5]);
    expect(b.sumUs / 2_006_250).toBeCloseTo(1, 2); // within HDR's 0.1 %
    expect(LatencyHistogram.create().cumulativeBuckets([1, 2])).toEqual({ counts: [0, 0], sumUs: 0 });
  });
});

describe('/metrics exposition', () => {
  it('counters by request/status/code, histogram buckets from HDR, interval quantiles, health per worker', async () => {
    const s = new LiveState({ scenario: 'x', phases: rampScenario.phases });
    s.add(interval(0, {
      completed: 7, point: point([200, 800, 3000, 3000]), counts: [counts('GET /', 4, 2, 1)],
      health: [{ utilization: 0.25, cpu: 0.5 }],
    }));
    const out = new PrometheusOutput(s, { host: '127.0.0.1', port: 0, labels: { scenario: 'x' }, holdMs: 0 });
    const url = await out.start();
    try {
      const text = await (await fetch(url)).text();
      const line = (re: RegExp): number => Number(re.exec(text)?.[1]);
      expect(line(/^fastbench_requests_total\{request="GET \/",scenario="x"\} (\S+)$/m)).toBe(7);
      expect(line(/^fastbench_responses_total\{request="GET \/",status="503",scenario="x"\} (\S+)$/m)).toBe(2);
      expect(line(/^fastbench_errors_total\{request="GET \/",code="ERR_CONN_RESET",scenario="x"\} (\S+)$/m)).toBe(1);
      expect(line(/^fastbench_errors_total\{request="GET \/",code="status_503",scenario="x"\} (\S+)$/m)).toBe(2);
      expect(line(/^fastbench_latency_seconds_bucket\{le="0.00025",scenario="x"\} (\S+)$/m)).toBe(1);
      expect(line(/^fastbench_latency_seconds_bucket\{le="0.001",scenario="x"\} (\S+)$/m)).toBe(2);
      expect(line(/^fastbench_latency_seconds_bucket\{le="0.005",scenario="x"\} (\S+)$/m)).toBe(4);
      expect(line(/^fastbench_latency_seconds_bucket\{le="\+Inf",scenario="x"\} (\S+)$/m)).toBe(4);
      expect(line(/^fastbench_latency_seconds_count\{scenario="x"\} (\S+)$/m)).toBe(4);
      expect(line(/^fastbench_latency_seconds_sum\{scenario="x"\} (\S+)$/m)).toBeCloseTo(0.007, 4);
      expect(line(/^fastbench_interval_latency_seconds\{quantile="1",scenario="x"\} (\S+)$/m)).toBeCloseTo(0.003, 5);
      expect(line(/^fastbench_latency_hdr_seconds\{quantile="0.5",scenario="x"\} (\S+)$/m)).toBeCloseTo(0.0008, 5);
      expect(line(/^fastbench_generator_event_loop_utilization\{worker="0",scenario="x"\} (\S+)$/m)).toBe(0.25);
      expect(line(/^fastbench_target_rate_per_second\{scenario="x"\} (\S+)$/m)).toBe(125);
      expect(line(/^fastbench_run_finished\{scenario="x"\} (\S+)$/m)).toBe(0);
      expect(out.scrapes).toBe(1);
    } finally {
      await out.close();
    }
  });
});

describe('otlpMetricsUrl', () => {
  it('adds /v1/metrics to a base URL, keeps a full one, refuses what is not http(s)', () => {
    expect(otlpMetricsUrl('http://127.0.0.1:4318')).toBe('http://127.0.0.1:4318/v1/metrics');
    expect(otlpMetricsUrl('http://c:4318/otel/')).toBe('http://c:4318/otel/v1/metrics');
    expect(otlpMetricsUrl('https://c/v1/metrics')).toBe('https://c/v1/metrics');
    expect(() => otlpMetricsUrl('grpc://c:4317')).toThrow(/OTLP\/HTTP/);
    expect(() => otlpMetricsUrl('not a url')).toThrow(/not a URL/);
  });
});
