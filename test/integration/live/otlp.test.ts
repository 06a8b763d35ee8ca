// `--otlp`: a bounded `fastbench bench` pushes its metrics with OpenTelemetry's OTLP/HTTP exporter
// to a stand-in collector (node:http on 127.0.0.1) that decodes the JSON export requests: several
// exports arrive while the run goes on, named as documented, and the last one holds the report's
// exact totals. A collector that is down costs a warning, not the run.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { freePort, serve, type Served } from './helpers.js';

interface KeyValue { key: string; value: { stringValue?: string; intValue?: string | number; doubleValue?: number } }
interface DataPoint { attributes?: KeyValue[]; asDouble?: number; asInt?: string | number }
interface Metric { name: string; unit?: string; sum?: { dataPoints: DataPoint[]; isMonotonic?: boolean }; gauge?: { dataPoints: DataPoint[] } }
interface ExportRequest {
  resourceMetrics: { resource: { attributes: KeyValue[] }; scopeMetrics: { scope: { name: string }; metrics: Metric[] }[] }[];
}

const value = (p: DataPoint): number => (p.asDouble !== undefined ? p.asDouble : Number(p.asInt));
const attr = (p: DataPoint, key: string): string | undefined => p.attributes?.find((a) => a.key === key)?.value.stringValue;

function metric(req: ExportRequest, name: string): Metric | undefined {
  for (const rm of req.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) if (m.name === name) return m;
  return undefined;
}

function sumOf(req: ExportRequest, name: string): number {
  const m = metric(req, name);
  return (m?.sum?.dataPoints ?? m?.gauge?.dataPoints ?? []).reduce((a, p) => a + value(p), 0);
}

describe('--otlp to a stand-in collector', () => {
  let target: Served;
  let collector: Server;
  let collectorUrl = '';
  const received: { path: string; contentType: string; body: ExportRequest }[] = [];

  beforeAll(async () => {
    target = await serve();
    collector = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        received.push({ path: req.url ?? '', contentType: String(req.headers['content-type']), body: JSON.parse(body) as ExportRequest });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    collectorUrl = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  }, 30_000);

  afterAll(async () => {
    collector?.closeAllConnections();
    await new Promise<void>((resolve) => (collector ? collector.close(() => resolve()) : resolve()));
    await target?.stop();
  }, 30_000);

  it('exports during the run; the last export carries the run\'s totals by request, status and code', async () => {
    const run = await runCli(['bench', `${target.url}/plaintext`, '-c', '2', '-d', '3s', '--json', '--allow-invalid', '--otlp', collectorUrl], { timeoutMs: 60_000 });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`otlp: pushing to ${collectorUrl}/v1/metrics`);
    const result = JSON.parse(run.stdout) as { scenario: string; summary: { requests: number }; statusCounts: Record<string, number>; requests: { name: string }[] };
    expect(received.length).toBeGreaterThanOrEqual(2);
    for (const r of received) {
      expect(r.path).toBe('/v1/metrics');
      expect(r.contentType).toContain('application/json');
    }
    const last = received.at(-1)!.body;
    const resource = last.resourceMetrics[0]!.resource.attributes;
    expect(resource.find((a) => a.key === 'service.name')?.value.stringValue).toBe('fastbench');
    expect(resource.find((a) => a.key === 'fastbench.scenario')?.value.stringValue).toBe(result.scenario);

    const requests = metric(last, 'fastbench.requests')!;
    expect(requests.sum?.isMonotonic).toBe(true);
    expect(attr(requests.sum!.dataPoints[0]!, 'request')).toBe(result.requests[0]!.name);
    expect(sumOf(last, 'fastbench.requests')).toBe(result.summary.requests);
    const ok = metric(last, 'fastbench.responses')!.sum!.dataPoints.find((p) => attr(p, 'status') === '200')!;
    expect(value(ok)).toBe(result.statusCounts['200']);
    expect(sumOf(last, 'fastbench.run.finished')).toBe(1);
    const p99 = metric(last, 'fastbench.latency')!.gauge!.dataPoints.find((p) => attr(p, 'quantile') === '0.99')!;
    expect(value(p99)).toBeGreaterThan(0);
    expect(metric(last, 'fastbench.latency')!.unit).toBe('s');
    expect(metric(last, 'fastbench.generator.event_loop.utilization')!.gauge!.dataPoints).toHaveLength(1);

    // an earlier export saw the run part-way: fewer requests than the end total, and not finished
    const earlier = received.slice(0, -1).map((r) => sumOf(r.body, 'fastbench.requests'));
    expect(earlier.some((n) => n < result.summary.requests)).toBe(true);
    expect(sumOf(received[0]!.body, 'fastbench.run.finished')).toBe(0);
  }, 90_000);

  it('crawl: the crawler\'s pages, statuses and fetch times go out the same way', async () => {
    received.length = 0;
    const run = await runCli(['crawl', `${target.url}/site/`, '--max-pages', '20', '--delay', '100ms', '--otlp', collectorUrl], { timeoutMs: 60_000 });
    expect(run.code).toBe(0);
    const pages = Number(/crawl done: (\d+) pages/.exec(run.stderr)![1]);
    expect(pages).toBe(20);
    expect(received.length).toBeGreaterThanOrEqual(2);
    const last = received.at(-1)!.body;
    const requests = metric(last, 'fastbench.requests')!.sum!.dataPoints;
    expect(requests.map((p) => attr(p, 'request'))).toEqual(['crawl']);
    expect(value(requests[0]!)).toBe(pages);
    const statuses = metric(last, 'fastbench.responses')!.sum!.dataPoints;
    const line = /status +(.*)/.exec(run.stderr)![1]!; // "200: 34, 302: 4, 404: 2"
    for (const [status, n] of line.split(', ').map((x) => x.split(': '))) {
      expect(value(statuses.find((p) => attr(p, 'status') === status)!)).toBe(Number(n));
    }
    expect(sumOf(last, 'fastbench.run.finished')).toBe(1);
  }, 90_000);

  it('a collector that is down: one warning, the run and its exit code unaffected', async () => {
    const port = await freePort();
    const run = await runCli(['bench', `${target.url}/plaintext`, '-c', '1', '-d', '1500ms', '--allow-invalid', '--otlp', `http://127.0.0.1:${port}`], { timeoutMs: 60_000 });
    expect(run.code).toBe(0);
    const warnings = run.stderr.split('\n').filter((l) => l.startsWith('warning[ERR_LIVE_EXPORT]'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`http://127.0.0.1:${port}`);
  }, 60_000);

  it('a URL that is not http(s) is refused before anything is sent (exit 2)', async () => {
    const run = await runCli(['bench', `${target.url}/plaintext`, '-d', '1s', '--otlp', 'grpc://127.0.0.1:4317'], { timeoutMs: 30_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ERR_USAGE_BAD_URL');
    expect(run.stderr).toContain('nothing was sent');
  }, 60_000);
});
