// `--otlp http://collector:4318`: the live metrics pushed as OTLP/HTTP (JSON encoding) through
// OpenTelemetry's own SDK and exporter, loaded only when the flag is given. Observable instruments
// read the LiveState when the SDK collects (once per export interval), so the load loop never
// sees OpenTelemetry. The same metrics as /metrics (live-prometheus.ts), in OpenTelemetry's
// naming: cumulative counters by request / status / error code, the HDR percentiles of the last
// interval and of the run so far as gauges (the metrics API records a histogram one sample at a
// time, which the HDR buckets would have to be replayed into: not worth it once a second), the
// interval's rate, the open model's target rate, the phase, the workers' health.
//
// At the end the final result's counts replace the running ones and are flushed before the SDK
// shuts down. A collector that cannot be reached is reported once on stderr (ERR_LIVE_EXPORT);
// the run goes on.
import { FastbenchError } from '../core/errors.js';
import { LIVE_PERCENTILES, type LiveState } from './live-state.js';

type Sdk = typeof import('@opentelemetry/sdk-metrics');
type PushMetricExporter = import('@opentelemetry/sdk-metrics').PushMetricExporter;

export interface OtlpOptions {
  /** The collector's base URL (http://host:4318) or its full metrics URL (…/v1/metrics). */
  url: string;
  /** Export interval, ms (the run's interval). */
  intervalMs: number;
  /** Resource attributes (scenario, shard). */
  attributes: Record<string, string>;
  /** Where to say that an export failed (once). */
  warn: (line: string) => void;
}

/** `--otlp`'s URL as the exporter wants it: …/v1/metrics. Throws ERR_USAGE_BAD_URL. */
export function otlpMetricsUrl(base: string): string {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new FastbenchError('ERR_USAGE_BAD_URL', `--otlp: not a URL: ${base}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new FastbenchError('ERR_USAGE_BAD_URL', `--otlp: needs an http:// or https:// URL (OTLP/HTTP), got ${base}`);
  if (!u.pathname.endsWith('/v1/metrics')) u.pathname = `${u.pathname.replace(/\/+$/, '')}/v1/metrics`;
  return u.toString();
}

const QUANTILES = [...LIVE_PERCENTILES.map((p) => p / 100), 1];

export class OtlpOutput {
  private provider: InstanceType<Sdk['MeterProvider']> | undefined;
  private warned = false;
  /** Exports that succeeded / failed. */
  exported = 0;
  failed = 0;

  constructor(private readonly state: LiveState, private readonly options: OtlpOptions) {}

  async start(): Promise<string> {
    const url = otlpMetricsUrl(this.options.url);
    const [sdk, { OTLPMetricExporter }, { resourceFromAttributes }] = await Promise.all([
      import('@opentelemetry/sdk-metrics'),
      import('@opentelemetry/exporter-metrics-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
    // An export gives up after one interval (the SDK retries within that): a collector that is
    // down delays neither the run nor its end by more than that.
    const inner = new OTLPMetricExporter({ url, timeoutMillis: Math.max(1000, this.options.intervalMs) });
    const exporter: PushMetricExporter = {
      export: (metrics, done) => inner.export(metrics, (result) => {
        if (result.code === 0) this.exported++;
        else this.onFailure(result.error);
        done(result);
      }),
      forceFlush: () => inner.forceFlush(),
      shutdown: () => inner.shutdown(),
      selectAggregationTemporality: (t) => inner.selectAggregationTemporality(t),
    };
    const reader = new sdk.PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: Math.max(1000, this.options.intervalMs),
      exportTimeoutMillis: Math.max(1000, this.options.intervalMs),
    });
    this.provider = new sdk.MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'fastbench', ...this.options.attributes }),
      readers: [reader],
    });
    this.register(this.provider.getMeter('fastbench'));
    return url;
  }

  private onFailure(error: Error | undefined): void {
    this.failed++;
    if (this.warned) return;
    this.warned = true;
    this.options.warn(`warning[ERR_LIVE_EXPORT]: --otlp: could not export metrics to ${this.options.url}: ${error?.message ?? 'failed'} (the run goes on)`);
  }

  private register(meter: ReturnType<InstanceType<Sdk['MeterProvider']>['getMeter']>): void {
    const s = this.state;
    const counter = (name: string, description: string, unit: string, fill: (observe: (v: number, a: Record<string, string>) => void) => void): void => {
      meter.createObservableCounter(name, { description, unit }).addCallback((r) => fill((v, a) => r.observe(v, a)));
    };
    const gauge = (name: string, description: string, unit: string, fill: (observe: (v: number, a: Record<string, string>) => void) => void): void => {
      meter.createObservableGauge(name, { description, unit }).addCallback((r) => fill((v, a) => r.observe(v, a)));
    };
    counter('fastbench.requests', 'Completed attempts (responses + failed attempts) of the measured run, by request', '{request}', (o) => {
      for (const q of s.counts) o(q.requests, { request: q.name });
    });
    counter('fastbench.responses', 'Responses by request and status code (failed ones included)', '{response}', (o) => {
      for (const q of s.counts) for (const [status, n] of Object.entries(q.status)) o(n, { request: q.name, status });
    });
    counter('fastbench.errors', 'Failed attempts by request and error code (status_NNN: a status not accepted)', '{error}', (o) => {
      for (const q of s.counts) {
        for (const [code, n] of Object.entries(q.errorCodes)) o(n, { request: q.name, code });
        for (const [status, n] of Object.entries(q.failedStatus)) o(n, { request: q.name, code: `status_${status}` });
      }
    });
    counter('fastbench.received', 'Bytes received, by request', 'By', (o) => {
      for (const q of s.counts) o(q.bytesIn, { request: q.name });
    });
    counter('fastbench.sent', 'Bytes sent, by request', 'By', (o) => {
      for (const q of s.counts) o(q.bytesOut, { request: q.name });
    });
    gauge('fastbench.latency', 'HDR percentiles of the latency from the scheduled send over the measured run so far (quantile 1: max)', 's', (o) => {
      const h = s.latency;
      if (h.count > 0) for (const q of QUANTILES) o((q >= 1 ? h.max : h.percentile(q * 100)) / 1e6, { quantile: String(q) });
    });
    gauge('fastbench.interval.latency', 'HDR percentiles of the latency over the last closed interval (quantile 1: max)', 's', (o) => {
      const h = s.interval;
      if (h.count > 0) for (const q of QUANTILES) o((q >= 1 ? h.max : h.percentile(q * 100)) / 1e6, { quantile: String(q) });
    });
    const lastRow = () => s.rows[s.rows.length - 1];
    gauge('fastbench.interval.rate', 'Completions per second over the last closed interval (warmup included)', '{request}/s', (o) => {
      const r = lastRow();
      if (r !== undefined) o(r.rps, {});
    });
    gauge('fastbench.target_rate', 'The open model\'s scheduled arrival rate (absent in closed phases)', '{request}/s', (o) => {
      const r = lastRow();
      if (r !== undefined && r.target !== null) o(r.target, {});
    });
    gauge('fastbench.phase', 'The phase running (1), by name and whether it is a warmup', '1', (o) => {
      if (s.last !== undefined) o(1, { phase: s.last.phaseName, warmup: String(s.last.warmup) });
    });
    gauge('fastbench.generator.event_loop.utilization', 'Share of the last interval each load worker\'s event loop was busy', '1', (o) => {
      s.health.forEach((w, i) => o(w.utilization, { worker: String(i) }));
    });
    gauge('fastbench.generator.cpu', 'CPU seconds per wall second of each load worker over the last interval', '1', (o) => {
      s.health.forEach((w, i) => o(w.cpu, { worker: String(i) }));
    });
    gauge('fastbench.run.finished', '1 once the run ended and the counters hold its final totals', '1', (o) => o(s.ended ? 1 : 0, {}));
  }

  /** The run ended (the state holds the final counts): export them, then shut the SDK down. */
  async finish(): Promise<void> {
    const p = this.provider;
    this.provider = undefined;
    if (p === undefined) return;
    try {
      await p.forceFlush();
    } catch (e) {
      this.onFailure(e instanceof Error ? e : undefined);
    }
    await p.shutdown().catch(() => {});
  }

  async close(): Promise<void> {
    const p = this.provider;
    this.provider = undefined;
    await p?.shutdown().catch(() => {});
  }
}
