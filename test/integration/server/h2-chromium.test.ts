// Real headless Chromium against `fastbench serve --tls` (the built CLI, self-signed certificate):
// the browser negotiates h2 by ALPN, loads a /site/ page, and a script in that page fetches
// /anything, whose echo must say HTTP/2. Chromium is driven over the DevTools protocol on a pipe
// (test/helpers/cdp.ts: no debugging port, no network beyond loopback). Skipped, with the
// reason printed, only when /usr/bin/chromium is absent (CI installs it: .ci/run).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveChromium, launchChromium, within, type Chromium } from '../../helpers/cdp.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'bin/fastbench.js');
const CHROMIUM_OK = haveChromium('h2-chromium');

interface Served {
  child: ChildProcess;
  url: string;
  exit: Promise<void>;
}

/** `fastbench serve --tls --port 0 [extra]` from the built CLI; resolves with the URL it prints. */
function serve(...extra: string[]): Promise<Served> {
  if (!existsSync(join(root, 'dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` first (this test starts the built CLI)');
  const child = spawn(process.execPath, [cli, 'serve', '--tls', '--port', '0', '--quiet', ...extra], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`fastbench serve printed no URL within 20 s; stderr: ${err}`));
    }, 20_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(t);
        resolve({ child, url: out.slice(0, nl).trim(), exit });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`fastbench serve exited with ${code}; stderr: ${err}`));
    });
  });
}

/** GET over HTTP/1.1 on TLS (node:https offers no ALPN h2), so reading stats adds no h2 stream. */
function getJson(url: string): Promise<{ status: number; alpn: string | false; body: any }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { agent: false, rejectUnauthorized: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, alpn: (res.socket as import('node:tls').TLSSocket).alpnProtocol ?? false, body: JSON.parse(body) }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

// Runs in the page: fetch /anything (same origin, so over the page's h2 connection) and read the
// protocol both from the echo and from the browser's own resource timing.
const IN_PAGE = `(async () => {
  const r = await fetch('/anything/from-chromium?q=h2', { headers: { 'x-from': 'chromium' } });
  const echo = await r.json();
  let entry;
  for (let i = 0; i < 50 && !entry; i++) {
    entry = performance.getEntriesByType('resource').find((e) => e.name.includes('/anything/from-chromium'));
    if (!entry) await new Promise((ok) => setTimeout(ok, 20));
  }
  const nav = performance.getEntriesByType('navigation')[0];
  return JSON.stringify({
    status: r.status,
    echo,
    navProtocol: nav ? nav.nextHopProtocol : null,
    fetchProtocol: entry ? entry.nextHopProtocol : null,
    title: document.title,
    links: document.links.length,
  });
})()`;

async function stop(served: Served | undefined): Promise<void> {
  // SIGTERM: a graceful stop also removes the self-signed certificate's temp directory
  if (served === undefined || served.child.exitCode !== null) return;
  served.child.kill('SIGTERM');
  await within(served.exit, 10_000, 'fastbench serve exit').catch(() => served.child.kill('SIGKILL'));
}

describe.skipIf(!CHROMIUM_OK)('headless Chromium over TLS + ALPN', () => {
  let h2: Served | undefined;
  let h1only: Served | undefined;
  let browser: Chromium | undefined;

  beforeAll(async () => {
    [h2, h1only] = await Promise.all([serve(), serve('--http2', 'off')]);
    browser = launchChromium(['--ignore-certificate-errors']);
  }, 40_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([stop(h2), stop(h1only)]);
  }, 30_000);

  /** Opens `${base}/site/` in a new tab, runs IN_PAGE there, closes the tab. */
  async function visit(base: string): Promise<{ got: any; page: any }> {
    const cdp = browser!.cdp;
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
    try {
      const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true }, undefined, 10_000);
      await cdp.send('Network.enable', {}, sessionId, 10_000);
      await cdp.send('Page.enable', {}, sessionId, 10_000);
      const loaded = cdp.waitFor((e) => e.sessionId === sessionId && e.method === 'Page.loadEventFired', 'load event of /site/');
      const nav = await cdp.send('Page.navigate', { url: `${base}/site/` }, sessionId);
      expect(nav.errorText).toBeUndefined();
      await loaded;
      const evaluated = await cdp.send('Runtime.evaluate', { expression: IN_PAGE, awaitPromise: true, returnByValue: true }, sessionId); // the in-page fetch of /anything
      expect(evaluated.exceptionDetails).toBeUndefined();
      const page = cdp.events
        .filter((e) => e.sessionId === sessionId && e.method === 'Network.responseReceived')
        .map((e) => e.params.response)
        .find((r) => r.url === `${base}/site/`);
      return { got: JSON.parse(evaluated.result.value as string), page };
    } finally {
      await cdp.send('Target.closeTarget', { targetId }, undefined, 10_000).catch(() => {});
    }
  }

  it('loads /site/ over h2; its fetch of /anything echoes HTTP/2; /__stats counts the h2 streams', async () => {
    const base = h2!.url;
    expect(base).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const before = await getJson(`${base}/__stats`);
    expect(before.alpn).not.toBe('h2');
    expect(before.body.http2.streams).toBe(0);

    const { got, page } = await visit(base);

    // the browser's own view: the page and the fetch both went over h2
    expect(got.navProtocol).toBe('h2');
    expect(got.fetchProtocol).toBe('h2');
    expect(got.links).toBeGreaterThan(0); // a real /site/ page, not an error page
    expect(page?.status).toBe(200);
    expect(page?.protocol).toBe('h2');
    expect(page?.mimeType).toBe('text/html');

    // the server's view, from the echo
    expect(got.status).toBe(200);
    const echo = got.echo;
    expect(echo.protocol).toBe('HTTP/2');
    expect(echo.httpVersion).toBe('2');
    expect(echo.method).toBe('GET');
    expect(echo.url).toBe('/anything/from-chromium?q=h2');
    const pseudo = Object.fromEntries(echo.pseudoHeaders as [string, string][]);
    expect(pseudo[':method']).toBe('GET');
    expect(pseudo[':scheme']).toBe('https');
    expect(pseudo[':authority']).toBe(new URL(base).host);
    expect(pseudo[':path']).toBe('/anything/from-chromium?q=h2');
    const headers = Object.fromEntries((echo.headers as [string, string][]).map(([k, v]) => [k.toLowerCase(), v]));
    expect(headers['x-from']).toBe('chromium');
    expect(headers['user-agent']).toContain('Chrome');

    // and the counters: one h2 connection at least, the page and the fetch as streams
    const after = await getJson(`${base}/__stats`);
    expect(after.status).toBe(200);
    expect(after.body.http2.connections).toBeGreaterThanOrEqual(1);
    expect(after.body.http2.streams).toBeGreaterThanOrEqual(2);
    expect(after.body.http2.goaways).toEqual({});
  }, 90_000);

  it('the control: with --http2 off the same browser gets http/1.1 and the echo says HTTP/1.1', async () => {
    const base = h1only!.url;
    const { got, page } = await visit(base);
    expect(got.navProtocol).toBe('http/1.1');
    expect(got.fetchProtocol).toBe('http/1.1');
    expect(page?.protocol).toBe('http/1.1');
    expect(got.status).toBe(200);
    expect(got.echo.protocol).toBe('HTTP/1.1');
    expect(got.echo.pseudoHeaders).toBeUndefined();
    const stats = await getJson(`${base}/__stats`);
    expect(stats.body.http2.connections).toBe(0);
    expect(stats.body.http2.streams).toBe(0);
    expect(stats.body.requests).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
