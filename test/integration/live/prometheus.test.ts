// `--prometheus`: a real Prometheus server (Debian's `prometheus`, scraping every second, its
// storage in a temp directory, listening on 127.0.0.1 only) scrapes a bounded `fastbench bench`
// against `fastbench serve`, and the values come back through Prometheus' own HTTP API: mid-run
// the request counter is above 0 and at most the run's total; after the run (the endpoint waits
// for one scrape of the final values) it equals the total the report prints, and so do the
// latency histogram's count and the 200 responses. Skipped, with the reason printed, only when
// /usr/bin/prometheus is absent (CI installs it: .ci/run).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { freePort, serve, sleep, type Served } from './helpers.js';

const PROMETHEUS = '/usr/bin/prometheus';
if (!existsSync(PROMETHEUS)) {
  process.stdout.write(`skipped: prometheus.test needs ${PROMETHEUS} (not installed; apt-get install prometheus, CI installs it)\n`);
}

describe.skipIf(!existsSync(PROMETHEUS))('--prometheus scraped by a real Prometheus', () => {
  let target: Served;
  let prom: ChildProcess | undefined;
  let promExit: Promise<void>;
  let dir = '';
  let promUrl = '';
  let metricsPort = 0;
  let promLog = '';

  async function query(expr: string): Promise<number | undefined> {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; data: { result: { value: [number, string] }[] } };
    expect(body.status).toBe('success');
    const v = body.data.result[0]?.value[1];
    return v === undefined ? undefined : Number(v);
  }

  beforeAll(async () => {
    target = await serve();
    dir = mkdtempSync(join(tmpdir(), 'fastbench-prometheus-'));
    metricsPort = await freePort();
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    writeFileSync(join(dir, 'prometheus.yml'), [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 900ms',
      'scrape_configs:',
      '  - job_name: fastbench',
      '    static_configs:',
      `      - targets: ['127.0.0.1:${metricsPort}']`,
      '',
    ].join('\n'));
    prom = spawn(PROMETHEUS, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    prom.stderr!.on('data', (d) => (promLog = (promLog + d).slice(-4000)));
    promExit = new Promise((resolve) => prom!.once('exit', () => resolve()));
    // ready when its API answers
    for (let i = 0; i < 120; i++) {
      const ok = await fetch(`${promUrl}/-/ready`).then((r) => r.ok, () => false);
      if (ok) return;
      await sleep(250);
    }
    throw new Error(`prometheus did not become ready in 30 s: ${promLog}`);
  }, 60_000);

  afterAll(async () => {
    if (prom !== undefined && prom.exitCode === null) {
      prom.kill('SIGTERM');
      const t = setTimeout(() => prom!.kill('SIGKILL'), 10_000);
      await promExit;
      clearTimeout(t);
    }
    await target?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('the request counter climbs during the run and ends on the report\'s total; the histogram and status counts agree', async () => {
    const midRun: number[] = [];
    let polling = true;
    let started = false;
    const poller = (async () => {
      while (polling) {
        if (started) {
          const v = await query('sum(fastbench_requests_total{job="fastbench"})').catch(() => undefined);
          if (v !== undefined) midRun.push(v);
        }
        await sleep(400);
      }
    })();
    const run = await runCli([
      'bench', `${target.url}/plaintext`, '-c', '2', '-d', '6s', '--json', '--allow-invalid',
      `--prometheus=127.0.0.1:${metricsPort}`, '--prometheus-hold', '20s',
    ], {
      timeoutMs: 60_000,
      onStderr: (text) => {
        if (text.includes('prometheus: ')) started = true;
      },
    });
    polling = false;
    await poller;
    expect(run.stderr).toContain(`prometheus: http://127.0.0.1:${metricsPort}/metrics`);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { summary: { requests: number; errors: number }; statusCounts: Record<string, number> };
    const total = result.summary.requests;
    expect(total).toBeGreaterThan(0);
    expect(result.summary.errors).toBe(0);

    // scraped while the run went on: more than nothing, never more than the end total
    const during = midRun.filter((v) => v > 0);
    expect(during.length).toBeGreaterThan(0);
    for (const v of midRun) expect(v).toBeLessThanOrEqual(total);
    expect(during.some((v) => v < total)).toBe(true);

    // the final scrape (the endpoint held on for it) carries the run's exact totals. last_over_time:
    // once the endpoint is gone, the next failed scrape marks the series stale, which an instant
    // query would read as "no value".
    await sleep(2500); // past a failed scrape or two: the series are stale now
    const last = (expr: string): string => expr.replace(/(fastbench_\w+\{[^}]*\})/, 'last_over_time($1[2m])');
    expect(await query(last('sum(fastbench_requests_total{job="fastbench"})'))).toBe(total);
    expect(await query(last('max(fastbench_run_finished{job="fastbench"})'))).toBe(1);
    expect(await query(last('sum(fastbench_responses_total{job="fastbench",status="200"})'))).toBe(result.statusCounts['200']);
    expect(await query(last('sum(fastbench_latency_seconds_count{job="fastbench"})'))).toBe(total);
    expect(await query(last('sum(fastbench_latency_seconds_bucket{job="fastbench",le="+Inf"})'))).toBe(total);
    // a quantile Prometheus computes from our buckets sits inside the run's latency range
    const p99 = (await query('histogram_quantile(0.99, sum by (le) (last_over_time(fastbench_latency_seconds_bucket{job="fastbench"}[2m])))'))!;
    expect(p99).toBeGreaterThan(0);
    expect(p99).toBeLessThanOrEqual(60);
    // the HDR percentiles of the run as a summary, and a health gauge per worker
    expect(await query(last('max(fastbench_latency_hdr_seconds{job="fastbench",quantile="0.99"})'))).toBeGreaterThan(0);
    expect(await query(last('count(fastbench_generator_event_loop_utilization{job="fastbench"})'))).toBe(1);
  }, 120_000);
});
