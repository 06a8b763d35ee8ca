// `--dashboard` in real headless Chromium (DevTools over a pipe, names resolve nowhere but
// 127.0.0.1): a bounded `fastbench bench` against `fastbench serve`; the page draws its uPlot
// charts, two DOM dumps taken while the run goes on differ (more intervals, more points, more
// requests), and when the run ends the page turns into the final report with a link to save it;
// then the dashboard closes by itself and the process exits 0. Every request the page made went to
// the dashboard's loopback origin. Skipped, with the reason printed, only when Chromium is absent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { type Cdp, type Chromium, haveChromium, launchChromium, within } from '../../helpers/cdp.js';
import { printedUrl, serve, sleep, type Served } from './helpers.js';

interface Dump {
  html: string;
  intervals: number;
  state: string | null;
  path: string;
}

/** One DOM dump of the page, with what the page stamps on <body>. */
const DUMP = `JSON.stringify({
  html: document.documentElement.outerHTML,
  intervals: Number(document.body ? document.body.getAttribute('data-intervals') || 0 : 0),
  state: document.body ? document.body.getAttribute('data-state') : null,
  path: location.pathname,
})`;

const attrOf = (html: string, id: string, attr: string): string | undefined =>
  new RegExp(`id="${id}"[^>]*?${attr}="([^"]*)"|${attr}="([^"]*)"[^>]*?id="${id}"`).exec(html)?.slice(1).find((x) => x !== undefined);
const textOf = (html: string, id: string): string | undefined => new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html)?.[1];

describe.skipIf(!haveChromium('--dashboard in headless Chromium'))('--dashboard in headless Chromium', () => {
  let target: Served;
  let chromium: Chromium;
  let cdp: Cdp;

  beforeAll(async () => {
    target = await serve();
    chromium = launchChromium();
    cdp = chromium.cdp;
  }, 40_000);

  afterAll(async () => {
    await chromium?.close();
    await target?.stop();
  }, 30_000);

  it('charts render and update while the run goes on; at the end the page is the final report, then the process exits', async () => {
    let dashboardUrl: string | undefined;
    let urlKnown!: () => void;
    const printed = new Promise<void>((resolve) => (urlKnown = resolve));
    const running: Promise<CliRun> = runCli(
      ['bench', `${target.url}/plaintext`, '-c', '2', '-d', '10s', '--json', '--allow-invalid', '--dashboard=127.0.0.1:0'],
      {
        timeoutMs: 90_000,
        onStderr: (text) => {
          dashboardUrl ??= printedUrl(text, 'dashboard');
          if (dashboardUrl !== undefined) urlKnown();
        },
      },
    );
    await within(Promise.race([printed, running.then((r) => { throw new Error(`bench ended before printing the dashboard URL: ${r.stderr}`); })]), 30_000, 'dashboard URL');
    expect(dashboardUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const origin = new URL(dashboardUrl!).origin;

    const { targetId } = await within(cdp.send('Target.createTarget', { url: 'about:blank' }), 20_000, 'Target.createTarget');
    try {
      const { sessionId } = await within(cdp.send('Target.attachToTarget', { targetId, flatten: true }), 10_000, 'Target.attachToTarget');
      await within(cdp.send('Network.enable', {}, sessionId), 10_000, 'Network.enable');
      await within(cdp.send('Page.enable', {}, sessionId), 10_000, 'Page.enable');
      const nav = await within(cdp.send('Page.navigate', { url: dashboardUrl }, sessionId), 20_000, 'Page.navigate');
      expect(nav.errorText).toBeUndefined();
      const dump = async (): Promise<Dump> => {
        const r = await within(cdp.send('Runtime.evaluate', { expression: DUMP, returnByValue: true }, sessionId), 10_000, 'DOM dump');
        return JSON.parse(r.result.value as string) as Dump;
      };
      /** Dumps until `ok`, at most `ms`. */
      const until = async (ok: (d: Dump) => boolean, ms: number, what: string): Promise<Dump> => {
        const deadline = Date.now() + ms;
        for (;;) {
          const d = await dump().catch(() => undefined); // mid-navigation: try again
          if (d !== undefined && ok(d)) return d;
          if (Date.now() > deadline) throw new Error(`${what}: not seen within ${ms} ms; last dump: ${d?.path} state=${d?.state} intervals=${d?.intervals}`);
          await sleep(200);
        }
      };

      // 1. the first interval drawn, while running
      const first = await until((d) => d.path === '/' && d.intervals >= 1, 30_000, 'a first interval');
      expect(first.state).toBe('running');
      for (const id of ['chart-throughput', 'chart-latency', 'chart-errors', 'chart-health']) {
        expect(Number(attrOf(first.html, id, 'data-points'))).toBeGreaterThanOrEqual(1);
      }
      expect(first.html.match(/class="uplot[ "]/g)?.length).toBe(4); // four uPlot charts
      expect(first.html.match(/<canvas/g)?.length).toBeGreaterThanOrEqual(4);

      // 2. a later dump, still running: more intervals, more points, more requests
      const second = await until((d) => d.path === '/' && d.intervals >= first.intervals + 2, 30_000, 'two more intervals');
      expect(second.state).toBe('running');
      expect(Number(attrOf(second.html, 'chart-throughput', 'data-points'))).toBeGreaterThan(Number(attrOf(first.html, 'chart-throughput', 'data-points')));
      expect(Number(attrOf(second.html, 'chart-latency', 'data-points'))).toBeGreaterThan(Number(attrOf(first.html, 'chart-latency', 'data-points')));
      const requests = (d: Dump): number => Number(textOf(d.html, 'card-requests')!.replace(/,/g, ''));
      expect(requests(first)).toBeGreaterThan(0);
      expect(requests(second)).toBeGreaterThan(requests(first));
      expect(textOf(second.html, 'status')).toContain('running · bench');

      // 3. the run ends: the page becomes the final report (its own charts drawn) with a save link
      const final = await until((d) => d.path === '/report' && /data-charts-ready="\d+"/.test(d.html), 60_000, 'the final report');
      expect(final.html).toContain('id="fastbench-final"');
      expect(final.html).toMatch(/<a href="\/report\.html" download="report\.html">/);
      expect(final.html).toContain('id="latency-table"');
      expect(final.html).not.toContain('<b>Partial:</b>');

      // 4. the process ends by itself (the dashboard was not kept) with the run's exit code
      const run = await within(running, 30_000, 'bench exit');
      expect(run.code).toBe(0);
      expect(run.stderr).not.toContain('stays served');
      const result = JSON.parse(run.stdout) as { summary: { requests: number } };
      expect(result.summary.requests).toBeGreaterThanOrEqual(requests(second));

      // 5. nothing but the dashboard's loopback origin was asked for
      const urls = cdp.events
        .filter((e) => e.sessionId === sessionId && e.method === 'Network.requestWillBeSent')
        .map((e) => e.params.request.url as string);
      expect(urls).toContain(`${origin}/`);
      expect(urls).toContain(`${origin}/events`);
      expect(urls).toContain(`${origin}/report`);
      expect(urls.filter((u) => !u.startsWith(`${origin}/`))).toEqual([]);
    } finally {
      await within(cdp.send('Target.closeTarget', { targetId }), 10_000, 'Target.closeTarget').catch(() => {});
      await running.catch(() => undefined);
    }
  }, 150_000);
});
