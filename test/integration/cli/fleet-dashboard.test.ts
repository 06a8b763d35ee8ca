// issue 17 (fleet dashboard): `fastbench watch redis://…/JOB --dashboard=127.0.0.1:0` against two
// `run --fleet` shards and one real redis-server (started here on a free loopback port, persistence
// off). Read without a browser, as test/integration/live/dashboard-cli.test.ts does: the event
// stream carries the fleet's merged counts (both shards' requests added, more than either alone)
// and the shards' generator health,
// the `final` event comes once the verdict is in, /report is then byte for byte the HTML report that
// `fastbench report` makes of the merged result, and the watcher exits with the fleet's verdict.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { printedUrl } from '../live/helpers.js';
import { spawnCli } from './spawn-cli.js';

const HAVE_REDIS = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).status === 0;
if (!HAVE_REDIS) console.log('skipping the fleet dashboard test: redis-server is not installed (apt-get install redis-server)');

const dir = mkdtempSync(join(tmpdir(), 'fb-fleet-dash-'));
let redisProc: ChildProcess | undefined;
let redisPort = 0;
let target: Server | undefined;
let targetUrl = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  if (!HAVE_REDIS) return;
  redisPort = await freePort();
  const proc = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  redisProc = proc;
  await new Promise<void>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${text}`)), 10_000);
    proc.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${text}`)));
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (text.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const server = createServer((req, res) => res.end('ok'));
  target = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  targetUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}, 20_000);

afterAll(() => {
  redisProc?.kill('SIGKILL');
  target?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface IntervalEvent {
  row: { t: number; rps: number; loop: number | null };
  totals: { requests: number };
}

describe.skipIf(!HAVE_REDIS)('watch --dashboard (real redis-server)', () => {
  it('streams the fleet\'s merged counts, ends on the merged result\'s report, and exits with the fleet\'s verdict', async () => {
    const file = join(dir, 'dash.yaml');
    writeFileSync(file, [
      'name: dash',
      `target: ${targetUrl}`,
      'interval: 500ms',
      'client: { connections: 2, timeout: 2s }',
      'load:',
      '  - { rate: 60, duration: 3s }',
      'requests:',
      '  - { name: item, path: /item }',
      'thresholds:',
      '  - p99 < 5s',
      '',
    ].join('\n'));
    const job = 'dash';
    const url = `redis://127.0.0.1:${redisPort}/${job}`;
    const seen = { page: '', events: '', report: undefined as { status: number; body: string } | undefined, error: undefined as unknown };
    let checking: Promise<void> | undefined;
    let dashboard: string | undefined;
    const watch = spawnCli(['watch', url, '-o', join(dir, 'merged.json'), '--allow-invalid', '--wait', '30s', '--dashboard=127.0.0.1:0'], {
      timeoutMs: 60_000,
      onStderr: (text) => {
        if (dashboard !== undefined || (dashboard = printedUrl(text, 'dashboard')) === undefined) return;
        const base = dashboard;
        checking = (async () => {
          seen.page = await (await fetch(base)).text();
          const res = await fetch(`${base}events`);
          expect(res.headers.get('content-type')).toBe('text/event-stream');
          const reader = res.body!.getReader();
          const dec = new TextDecoder();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            seen.events += dec.decode(value);
          }
          const r = await fetch(`${base}report`);
          seen.report = { status: r.status, body: await r.text() };
        })().catch((e: unknown) => {
          seen.error = e;
        });
      },
    });
    // the watcher listens before the shards start: its page is up before the first interval
    const at = new Date(Date.now() + 4000).toISOString();
    const shards = await Promise.all([0, 1].map((i) =>
      spawnCli(['run', file, '--shard', `${i}/2`, '--fleet', url, '--start-at', at, '-q', '--allow-invalid', '--out', join(dir, `shard-${i}`), '-f', 'json'], { timeoutMs: 60_000 })));
    const w = await watch;
    await checking;
    for (const [i, s] of shards.entries()) expect(s.code, `shard ${i}: ${s.stderr}`).toBe(0);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/fleet dash verdict: PASS \(exit 0\); 2 of 2 shard results merged/);
    expect(seen.error).toBeUndefined();

    // the page says what the fleet's live view lacks
    expect(seen.page).toContain('fastbench live — fleet dash');
    expect(seen.page).toContain('target-rate line is not drawn');
    // the event stream: init, merged intervals, final
    expect(seen.events.startsWith('event: init\n')).toBe(true);
    expect(seen.events).toContain('event: final\n');
    const intervals = [...seen.events.matchAll(/event: interval\ndata: (.*)\n/g)].map((m) => JSON.parse(m[1]!) as IntervalEvent);
    expect(intervals.length).toBeGreaterThan(0);
    // each shard's requests through fleet interval k, from its own result file
    const series = [0, 1].map((i) => (JSON.parse(readFileSync(join(dir, `shard-${i}`, 'result.json'), 'utf8')) as { series: Array<{ t: number; requests: number }> }).series);
    const base = Math.min(...series.map((s) => s[0]!.t));
    const through = (s: Array<{ t: number; requests: number }>, k: number): number => s.filter((p) => p.t - base <= k).reduce((a, p) => a + p.requests, 0);
    // (a shard's point later than the follower's grace is left out of the live view, so on a busy
    // machine the fleet's count may fall short of the sum — never above it, and above either alone)
    const why = `intervals: ${JSON.stringify(intervals)}; series: ${JSON.stringify(series)}`;
    let merged = 0;
    for (const e of intervals) {
      const k = Math.round(e.row.t / 0.5);
      const [a, b] = [through(series[0]!, k), through(series[1]!, k)];
      expect(e.totals.requests, why).toBeLessThanOrEqual(a + b);
      if (a > 0 && b > 0 && e.totals.requests > Math.max(a, b)) merged++;
    }
    expect(merged, why).toBeGreaterThan(0);
    // the shards publish their generators' health with their intervals
    expect(intervals.some((e) => e.row.loop !== null), why).toBe(true);

    // the page it became: the HTML report `fastbench report` makes of the merged result
    expect(seen.report?.status).toBe(200);
    expect(seen.report?.body).toContain('id="fastbench-final"');
    const out = join(dir, 'report');
    const rep = await runCli(['report', join(dir, 'merged.json'), '-f', 'html', '-o', out]);
    expect(rep.code, rep.stderr).toBe(0);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(seen.report!.body.replace(/<div id="fastbench-final"[^\n]*<\/div>\n/, '')).toBe(html);
  }, 90_000);

  it('--dashboard-keep without --dashboard is a usage error (exit 2)', async () => {
    const run = await runCli(['watch', `redis://127.0.0.1:${redisPort}/nobody`, '--dashboard-keep', '--wait', '1s'], { timeoutMs: 30_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--dashboard-keep needs --dashboard');
  }, 60_000);
});
