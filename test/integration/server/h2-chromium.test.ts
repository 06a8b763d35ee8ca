// Real headless Chromium against `fastbench serve --tls` (the built CLI, self-signed certificate):
// the browser negotiates h2 by ALPN, loads a /site/ page, and a script in that page fetches
// /anything, whose echo must say HTTP/2. Chromium is driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: no debugging port, no network beyond loopback). Skipped, with the
// reason printed, only when /usr/bin/chromium is absent (CI installs it: .ci/run).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('../../../', import.meta.url));
const cli = join(root, 'bin/fastbench.js');

if (!existsSync(CHROMIUM)) {
  process.stdout.write(`skipped: h2-chromium needs ${CHROMIUM} (not installed; apt-get install chromium, CI installs it)\n`);
}

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

interface CdpEvent {
  method: string;
  params: any;
  sessionId?: string;
}

/** A minimal DevTools-protocol client over Chromium's fd 3 (our writes) / fd 4 (its writes), NUL-framed JSON. */
class Cdp {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: any): void; reject(e: Error): void; method: string }>();
  private readonly waiters: { match(e: CdpEvent): boolean; resolve(e: CdpEvent): void }[] = [];
  readonly events: CdpEvent[] = [];
  private tail = '';

  constructor(
    private readonly out: Writable,
    input: Readable,
  ) {
    input.setEncoding('utf8');
    input.on('data', (chunk: string) => {
      const parts = (this.tail + chunk).split('\0');
      this.tail = parts.pop()!;
      for (const p of parts) if (p) this.onMessage(JSON.parse(p));
    });
    input.on('error', () => {});
    out.on('error', () => {});
  }

  private onMessage(m: any): void {
    if (typeof m.id === 'number') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error) p.reject(new Error(`${p.method}: ${m.error.message}`));
      else p.resolve(m.result);
      return;
    }
    const e: CdpEvent = { method: m.method, params: m.params, sessionId: m.sessionId };
    this.events.push(e);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.match(e)) this.waiters.splice(i, 1)[0]!.resolve(e);
    }
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    const id = this.nextId++;
    this.out.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject, method }));
  }

  /** The first event (already seen or coming) that matches. */
  waitFor(match: (e: CdpEvent) => boolean): Promise<CdpEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
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

describe.skipIf(!existsSync(CHROMIUM))('headless Chromium over TLS + ALPN', () => {
  let h2: Served | undefined;
  let h1only: Served | undefined;
  let browser: ChildProcess;
  let cdp: Cdp;
  let profile: string | undefined;
  let browserExit: Promise<void>;

  beforeAll(async () => {
    [h2, h1only] = await Promise.all([serve(), serve('--http2', 'off')]);
    profile = mkdtempSync(join(tmpdir(), 'fastbench-chromium-h2-'));
    browser = spawn(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-extensions',
        '--disable-quic',
        '--no-proxy-server',
        // every name resolves nowhere: the pages only talk to the loopback address in their URL
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
        '--ignore-certificate-errors',
        `--user-data-dir=${profile}`,
        '--remote-debugging-pipe',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
    );
    let stderr = '';
    browser.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    browserExit = new Promise((resolve) => browser.once('exit', () => resolve()));
    cdp = new Cdp(browser.stdio[3] as Writable, browser.stdio[4] as Readable);
    void browserExit.then(() => cdp.failAll(new Error(`chromium exited; stderr tail: ${stderr}`)));
  }, 40_000);

  afterAll(async () => {
    if (browser && browser.exitCode === null) {
      await within(cdp.send('Browser.close'), 5000, 'Browser.close').catch(() => {});
      await within(browserExit, 5000, 'chromium exit').catch(() => browser.kill('SIGKILL'));
      await within(browserExit, 5000, 'chromium exit after SIGKILL').catch(() => {});
    }
    if (profile) rmSync(profile, { recursive: true, force: true });
    await Promise.all([stop(h2), stop(h1only)]);
  }, 30_000);

  /** Opens `${base}/site/` in a new tab, runs IN_PAGE there, closes the tab. */
  async function visit(base: string): Promise<{ got: any; page: any }> {
    const { targetId } = await within(cdp.send('Target.createTarget', { url: 'about:blank' }), 20_000, 'Target.createTarget');
    try {
      const { sessionId } = await within(cdp.send('Target.attachToTarget', { targetId, flatten: true }), 10_000, 'Target.attachToTarget');
      await within(cdp.send('Network.enable', {}, sessionId), 10_000, 'Network.enable');
      await within(cdp.send('Page.enable', {}, sessionId), 10_000, 'Page.enable');
      const loaded = cdp.waitFor((e) => e.sessionId === sessionId && e.method === 'Page.loadEventFired');
      const nav = await within(cdp.send('Page.navigate', { url: `${base}/site/` }, sessionId), 20_000, 'Page.navigate');
      expect(nav.errorText).toBeUndefined();
      await within(loaded, 20_000, 'load event of /site/');
      const evaluated = await within(
        cdp.send('Runtime.evaluate', { expression: IN_PAGE, awaitPromise: true, returnByValue: true }, sessionId),
        20_000,
        'in-page fetch of /anything',
      );
      expect(evaluated.exceptionDetails).toBeUndefined();
      const page = cdp.events
        .filter((e) => e.sessionId === sessionId && e.method === 'Network.responseReceived')
        .map((e) => e.params.response)
        .find((r) => r.url === `${base}/site/`);
      return { got: JSON.parse(evaluated.result.value as string), page };
    } finally {
      await within(cdp.send('Target.closeTarget', { targetId }), 10_000, 'Target.closeTarget').catch(() => {});
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
