// The dashboard's server from the outside (no browser): the event stream, the report that exists
// only once the run ended, --dashboard-keep holding it up until Ctrl-C (exit code still the run's),
// and a port that cannot be had refusing the run before anything is sent.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { printedUrl, serve, type Served } from './helpers.js';

let target: Served;
beforeAll(async () => {
  target = await serve();
}, 30_000);
afterAll(async () => {
  await target?.stop();
}, 30_000);

describe('--dashboard server', () => {
  it('streams init and interval events; /report is 404 until the end; --dashboard-keep serves the report until SIGINT', async () => {
    let url: string | undefined;
    const seen: { events: string; reportBefore?: number; reportAfter?: { status: number; body: string }; download?: string | null } = { events: '' };
    let checking: Promise<void> | undefined;
    const run = await runCli(['bench', `${target.url}/plaintext`, '-c', '1', '-d', '2500ms', '--allow-invalid', '-q', '--dashboard=127.0.0.1:0', '--dashboard-keep'], {
      timeoutMs: 60_000,
      onStderr: (text, child) => {
        if (url === undefined && (url = printedUrl(text, 'dashboard')) !== undefined) {
          const base = url;
          checking = (async () => {
            seen.reportBefore = (await fetch(`${base}report`)).status;
            // the event stream, until two intervals came
            const res = await fetch(`${base}events`);
            expect(res.headers.get('content-type')).toBe('text/event-stream');
            const reader = res.body!.getReader();
            const dec = new TextDecoder();
            while ((seen.events.match(/event: interval/g) ?? []).length < 2) {
              const { value, done } = await reader.read();
              if (done) break;
              seen.events += dec.decode(value);
            }
            await reader.cancel();
          })();
        }
        if (text.includes('stays served until Ctrl-C') && seen.reportAfter === undefined) {
          seen.reportAfter = { status: 0, body: '' };
          void (async () => {
            await checking;
            const r = await fetch(`${url}report`);
            seen.reportAfter = { status: r.status, body: await r.text() };
            seen.download = (await fetch(`${url}report.html`)).headers.get('content-disposition');
            child.kill('SIGINT');
          })();
        }
      },
    });
    expect(run.code).toBe(0); // the run's code: Ctrl-C only closed the kept dashboard
    expect(seen.reportBefore).toBe(404);
    expect(seen.events.startsWith('event: init\n')).toBe(true);
    const interval = /event: interval\ndata: (.*)\n/.exec(seen.events)![1]!;
    const msg = JSON.parse(interval) as { row: { t: number; rps: number; p99: number | null }; totals: { requests: number } };
    expect(msg.row.t).toBeGreaterThanOrEqual(0);
    expect(msg.totals.requests).toBeGreaterThan(0);
    expect(seen.reportAfter?.status).toBe(200);
    expect(seen.reportAfter?.body).toContain('id="fastbench-final"');
    expect(seen.download).toBe('attachment; filename="report.html"');
  }, 90_000);

  it('a port in use refuses the run: exit 2, ERR_LIVE_LISTEN, nothing sent', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const run = await runCli(['bench', `${target.url}/plaintext`, '-d', '1s', `--dashboard=127.0.0.1:${port}`], { timeoutMs: 30_000 });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('ERR_LIVE_LISTEN');
      expect(run.stderr).toContain(`--dashboard: cannot listen on 127.0.0.1:${port}`);
      expect(run.stderr).toContain('nothing was sent');
      expect(run.stdout).toBe('');
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  }, 60_000);

  it('--dashboard-keep without --dashboard is a usage error', async () => {
    const run = await runCli(['bench', `${target.url}/plaintext`, '-d', '1s', '--dashboard-keep'], { timeoutMs: 30_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--dashboard-keep needs --dashboard');
  }, 60_000);
});
