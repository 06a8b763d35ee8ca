// `--prometheus[=host:port]`: the running run's metrics on /metrics in Prometheus' text format,
// through prom-client (loaded only when the flag is given). Values are read from the LiveState at
// scrape time, so the load loop never sees Prometheus: counters are the feed's cumulative counts,
// the latency histogram is built from the run's HDR histogram at scrape time (classic `le` buckets;
// prom-client does not write native histograms), the HDR percentiles of the last interval and of
// the run so far are a gauge and a summary.
//
// The end of a run: the final result's counts replace the running ones, and the endpoint stays up
// until one scrape has read them (or `holdMs` passed), so a scraper sees the run's exact totals.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FastbenchError } from '../core/errors.js';
import type { LatencyHistogram } from '../metrics/histogram.js';
import { LIVE_PERCENTILES, type LiveState } from './live-state.js';

type PromClient = typeof import('prom-client');

/** Classic bucket bounds, seconds: 100 µs .. 60 s, roughly 1-2.5-5 per decade. */
export const LATENCY_BUCKETS_S = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** Default address: 127.0.0.1, OpenTelemetry's Prometheus exporter port. */
export const PROMETHEUS_DEFAULT_PORT = 9464;

/** How long the endpoint waits at the end for a scrape of the final values, by default, ms. */
export const PROMETHEUS_HOLD_MS = 15_000;

export interface PrometheusOptions {
  host: string;
  port: number;
  /** Labels on every series (scenario, shard). */
  labels: Record<string, string>;
  holdMs?: number;
}

const QUANTILES = [...LIVE_PERCENTILES.map((p) => p / 100), 1];

function quantileValue(h: LatencyHistogram, q: number): number {
  return (q >= 1 ? h.max : h.percentile(q * 100)) / 1e6;
}

/** One bucket pass per scrape, shared by the histogram and the summary (keyed by the histogram's count). */
const bucketCache = new WeakMap<LatencyHistogram, { count: number; counts: number[]; sumUs: number }>();

function bucketsOf(h: LatencyHistogram): { counts: number[]; sumUs: number } {
  const hit = bucketCache.get(h);
  if (hit !== undefined && hit.count === h.count) return hit;
  const b = h.cumulativeBuckets(LATENCY_BUCKETS_S.map((s) => s * 1e6));
  bucketCache.set(h, { count: h.count, ...b });
  return b;
}

/** A metric prom-client's registry writes as it is: a histogram or summary computed from HDR. */
function hdrMetric(name: string, help: string, type: 'histogram' | 'summary', read: () => LatencyHistogram) {
  return {
    name,
    help,
    type,
    aggregator: 'sum',
    reset(): void {},
    get: async () => {
      const h = read();
      const { counts, sumUs } = bucketsOf(h);
      const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
      if (type === 'histogram') {
        LATENCY_BUCKETS_S.forEach((le, i) => values.push({ labels: { le }, value: counts[i] as number, metricName: `${name}_bucket` }));
        values.push({ labels: { le: '+Inf' }, value: h.count, metricName: `${name}_bucket` });
      } else if (h.count > 0) {
        for (const q of QUANTILES) values.push({ labels: { quantile: q }, value: quantileValue(h, q), metricName: name });
      }
      values.push({ labels: {}, value: sumUs / 1e6, metricName: `${name}_sum` });
      values.push({ labels: {}, value: h.count, metricName: `${name}_count` });
      return { name, help, type, values, aggregator: 'sum' };
    },
  };
}

export class PrometheusOutput {
  private server: Server | undefined;
  private scrapedAfterEnd: (() => void) | undefined;
  private ended = false;
  /** Scrapes served. */
  scrapes = 0;

  constructor(private readonly state: LiveState, private readonly options: PrometheusOptions) {}

  /** Loads prom-client, registers the metrics and listens; resolves to the /metrics URL. */
  async start(): Promise<string> {
    const prom = (await import('prom-client')) as PromClient;
    const registry = new prom.Registry();
    registry.setDefaultLabels(this.options.labels);
    this.register(prom, registry);
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics') {
        res.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(path === '/' ? 'fastbench: metrics at /metrics\n' : 'not found\n');
        return;
      }
      const ended = this.ended;
      registry.metrics().then((text) => {
        this.scrapes++;
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(text, () => {
          if (ended) this.scrapedAfterEnd?.();
        });
      }, (e: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      });
    });
    this.server = server;
    await listen(server, this.options.host, this.options.port, '--prometheus');
    const a = server.address() as AddressInfo;
    return `http://${urlHost(a.address)}:${a.port}/metrics`;
  }

  private register(prom: PromClient, registry: InstanceType<PromClient['Registry']>): void {
    const s = this.state;
    const reg = { registers: [registry] };
    const counter = (name: string, help: string, labelNames: string[], fill: (c: InstanceType<PromClient['Counter']>) => void): void => {
      new prom.Counter({ name, help, labelNames, ...reg, collect() { this.reset(); fill(this); } });
    };
    counter('fastbench_requests_total', 'Completed attempts (responses + failed attempts) of the measured run, by request.', ['request'], (c) => {
      for (const q of s.counts) c.inc({ request: q.name }, q.requests);
    });
    counter('fastbench_responses_total', 'Responses by request and status code (failed ones included).', ['request', 'status'], (c) => {
      for (const q of s.counts) for (const [status, n] of Object.entries(q.status)) c.inc({ request: q.name, status }, n);
    });
    counter('fastbench_errors_total', 'Failed attempts by request and error code (status_NNN: a response whose status was not accepted).', ['request', 'code'], (c) => {
      for (const q of s.counts) {
        for (const [code, n] of Object.entries(q.errorCodes)) c.inc({ request: q.name, code }, n);
        for (const [status, n] of Object.entries(q.failedStatus)) c.inc({ request: q.name, code: `status_${status}` }, n);
      }
    });
    counter('fastbench_received_bytes_total', 'Bytes received, by request.', ['request'], (c) => {
      for (const q of s.counts) c.inc({ request: q.name }, q.bytesIn);
    });
    counter('fastbench_sent_bytes_total', 'Bytes sent, by request.', ['request'], (c) => {
      for (const q of s.counts) c.inc({ request: q.name }, q.bytesOut);
    });
    registry.registerMetric(hdrMetric('fastbench_latency_seconds', 'Latency from the scheduled send (coordinated-omission corrected) over the measured run so far; buckets from the HDR histogram.', 'histogram', () => s.latency) as never);
    registry.registerMetric(hdrMetric('fastbench_latency_hdr_seconds', 'HDR percentiles of the latency over the measured run so far.', 'summary', () => s.latency) as never);
    const gauge = (name: string, help: string, labelNames: string[], fill: (g: InstanceType<PromClient['Gauge']>) => void): void => {
      new prom.Gauge({ name, help, labelNames, ...reg, collect() { this.reset(); fill(this); } });
    };
    gauge('fastbench_interval_latency_seconds', 'HDR percentiles of the latency over the last closed interval (quantile 1: its max).', ['quantile'], (g) => {
      if (s.interval.count > 0) for (const q of QUANTILES) g.set({ quantile: String(q) }, quantileValue(s.interval, q));
    });
    gauge('fastbench_interval_requests_per_second', 'Completions per second over the last closed interval (warmup included).', [], (g) => {
      const r = s.rows[s.rows.length - 1];
      if (r !== undefined) g.set(r.rps);
    });
    gauge('fastbench_target_rate_per_second', 'The open model\'s scheduled arrival rate (absent in closed phases).', [], (g) => {
      const r = s.rows[s.rows.length - 1];
      if (r !== undefined && r.target !== null) g.set(r.target);
    });
    gauge('fastbench_phase', 'The phase running (1), by name and whether it is a warmup.', ['phase', 'warmup'], (g) => {
      if (s.last !== undefined) g.set({ phase: s.last.phaseName, warmup: String(s.last.warmup) }, 1);
    });
    gauge('fastbench_generator_event_loop_utilization', 'Share of the last interval each load worker\'s event loop was busy.', ['worker'], (g) => {
      s.health.forEach((w, i) => g.set({ worker: String(i) }, w.utilization));
    });
    gauge('fastbench_generator_cpu_ratio', 'CPU seconds per wall second of each load worker over the last interval.', ['worker'], (g) => {
      s.health.forEach((w, i) => g.set({ worker: String(i) }, w.cpu));
    });
    gauge('fastbench_run_finished', '1 once the run ended and the counters hold its final totals.', [], (g) => g.set(s.ended ? 1 : 0));
  }

  /**
   * The run ended (the state holds the final counts): wait until a scrape has read them, at most
   * holdMs, then close.
   */
  async finish(note?: (line: string) => void): Promise<void> {
    this.ended = true;
    const hold = this.options.holdMs ?? PROMETHEUS_HOLD_MS;
    if (hold > 0) {
      note?.(`prometheus: holding /metrics until a scrape reads the final values (at most ${hold / 1000} s, --prometheus-hold)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, hold);
        this.scrapedAfterEnd = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await this.close();
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

/** host for a URL: IPv6 in brackets. */
export function urlHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/** Listens, or throws ERR_LIVE_LISTEN naming the flag. */
export function listen(server: Server, host: string, port: number, flag: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(new FastbenchError('ERR_LIVE_LISTEN', `${flag}: cannot listen on ${urlHost(host)}:${port}: ${e.code ?? e.message}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
