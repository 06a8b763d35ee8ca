// A HAR recorded by real headless Chromium against `fastbench serve`, imported and run green.
// Chromium is driven over the DevTools protocol on a pipe (--remote-debugging-pipe: no port, no
// network beyond loopback); the HAR is built from its Network events as DevTools' "Save all as HAR"
// would: the page /site/, then — 300 ms after load, with a cookie set by the page — a JSON POST
// to /anything/api with a bearer token, and 200 ms later a GET of /json. Skipped, with the reason
// printed, only when /usr/bin/chromium is absent (CI installs it: .ci/run).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fastbench, runGreen, serve, type Served } from './import-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) process.stdout.write(`skipped: import-har-chromium needs ${CHROMIUM} (not installed; apt-get install chromium, CI installs it)\n`);

interface CdpEvent {
  method: string;
  params: any;
  sessionId?: string;
}

/** DevTools protocol over Chromium's fd 3 (we write) and fd 4 (it writes): NUL-framed JSON. */
class Cdp {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: any): void; reject(e: Error): void }>();
  private readonly waiters: { match(e: CdpEvent): boolean; resolve(e: CdpEvent): void }[] = [];
  readonly events: CdpEvent[] = [];
  private tail = '';

  constructor(private readonly out: Writable, input: Readable) {
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
      this.pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error.message));
      else p?.resolve(m.result);
      return;
    }
    const e: CdpEvent = { method: m.method, params: m.params, sessionId: m.sessionId };
    this.events.push(e);
    for (let i = this.waiters.length - 1; i >= 0; i--) if (this.waiters[i]!.match(e)) this.waiters.splice(i, 1)[0]!.resolve(e);
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<any> {
    const id = this.nextId++;
    this.out.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
    return within(new Promise((resolve, reject) => this.pending.set(id, { resolve, reject })), 20_000, method);
  }

  waitFor(match: (e: CdpEvent) => boolean, what: string): Promise<CdpEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return within(new Promise((resolve) => this.waiters.push({ match, resolve })), 20_000, what);
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

/** HAR 1.2 from one tab's Network events: one entry per request that got a response. */
function harFromEvents(events: CdpEvent[], sessionId: string): object {
  const mine = events.filter((e) => e.sessionId === sessionId);
  const byId = (method: string, id: string): CdpEvent | undefined => mine.find((e) => e.method === method && e.params.requestId === id);
  const entries = mine
    .filter((e) => e.method === 'Network.requestWillBeSent')
    .flatMap((sent) => {
      const id = sent.params.requestId as string;
      const res = byId('Network.responseReceived', id);
      const done = byId('Network.loadingFinished', id);
      if (res === undefined || done === undefined) return [];
      const req = sent.params.request;
      // The headers really sent (Cookie included) come in the ExtraInfo event when there is one.
      const extra = byId('Network.requestWillBeSentExtraInfo', id);
      const headers = (extra?.params.headers ?? req.headers) as Record<string, string>;
      const mime = (res.params.response.mimeType as string) ?? '';
      const entry: any = {
        startedDateTime: new Date(sent.params.wallTime * 1000).toISOString(),
        time: (done.params.timestamp - sent.params.timestamp) * 1000,
        request: {
          method: req.method,
          url: req.url,
          httpVersion: 'HTTP/1.1',
          headers: Object.entries(headers).map(([name, value]) => ({ name, value })),
          queryString: [],
          cookies: [],
          headersSize: -1,
          bodySize: -1,
        },
        response: { status: res.params.response.status, statusText: '', httpVersion: 'HTTP/1.1', headers: [], cookies: [], content: { size: 0, mimeType: mime }, redirectURL: '', headersSize: -1, bodySize: -1 },
        cache: {},
        timings: { send: 0, wait: 0, receive: 0 },
      };
      if (typeof req.postData === 'string') {
        const type = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
        entry.request.postData = { mimeType: type, text: req.postData };
      }
      return [entry];
    });
  return { log: { version: '1.2', creator: { name: 'fastbench test (Chromium CDP)', version: '1' }, pages: [], entries } };
}

const IN_PAGE = `(async () => {
  await new Promise((ok) => setTimeout(ok, 300));
  document.cookie = 'sid=CHROME-C00KIE; path=/';
  const a = await fetch('/anything/api?x=1', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer CHROME-T0KEN' }, body: JSON.stringify({ a: 1 }) });
  await a.text();
  await new Promise((ok) => setTimeout(ok, 200));
  const j = await fetch('/json');
  await j.text();
  return a.status + ' ' + j.status;
})()`;

describe.skipIf(!existsSync(CHROMIUM))('import har: a recording from headless Chromium', () => {
  let server: Served;
  let browser: ChildProcess;
  let browserExit: Promise<void>;
  let cdp: Cdp;
  let dir: string;

  beforeAll(async () => {
    server = await serve();
    dir = mkdtempSync(join(tmpdir(), 'fastbench-har-chromium-'));
    browser = spawn(
      CHROMIUM,
      [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check',
        '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-extensions', '--disable-quic',
        '--no-proxy-server', '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
        `--user-data-dir=${join(dir, 'profile')}`, '--remote-debugging-pipe', 'about:blank',
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
      await cdp.send('Browser.close').catch(() => {});
      await within(browserExit, 5000, 'chromium exit').catch(() => browser.kill('SIGKILL'));
      await within(browserExit, 5000, 'chromium exit after SIGKILL').catch(() => {});
    }
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('records /site/ and two fetches, imports them as a flow with think times and {{env}} credentials, and runs green', async () => {
    const base = server.url;
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
    await cdp.send('Network.enable', {}, sessionId);
    await cdp.send('Page.enable', {}, sessionId);
    const loaded = cdp.waitFor((e) => e.sessionId === sessionId && e.method === 'Page.loadEventFired', 'load event of /site/');
    const nav = await cdp.send('Page.navigate', { url: `${base}/site/` }, sessionId);
    expect(nav.errorText).toBeUndefined();
    await loaded;
    const ran = await cdp.send('Runtime.evaluate', { expression: IN_PAGE, awaitPromise: true, returnByValue: true }, sessionId);
    expect(ran.exceptionDetails).toBeUndefined();
    expect(ran.result.value).toBe('200 200');
    // the /json fetch's body was read, so its loadingFinished is on its way
    const jsonSent = await cdp.waitFor((e) => e.sessionId === sessionId && e.method === 'Network.requestWillBeSent' && e.params.request.url === `${base}/json`, '/json sent');
    await cdp.waitFor((e) => e.sessionId === sessionId && e.method === 'Network.loadingFinished' && e.params.requestId === jsonSent.params.requestId, '/json finished');
    await cdp.send('Target.closeTarget', { targetId }).catch(() => {});

    const har = join(dir, 'chromium.har');
    const recorded = harFromEvents(cdp.events, sessionId) as { log: { entries: { request: { url: string } }[] } };
    writeFileSync(har, JSON.stringify(recorded, null, 2));
    const urls = recorded.log.entries.map((e) => e.request.url);
    expect(urls).toEqual(expect.arrayContaining([`${base}/site/`, `${base}/anything/api?x=1`, `${base}/json`]));

    const out = join(dir, 'chromium.yaml');
    const r = await fastbench(['import', 'har', har, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const yaml = readFileSync(out, 'utf8');
    expect(yaml).not.toContain('CHROME-T0KEN');
    expect(yaml).not.toContain('CHROME-C00KIE');
    const doc = parse(yaml) as { target: string; cookies?: unknown; client?: Record<string, unknown>; flows: { steps: { name: string; method?: string; path: string; headers?: Record<string, string>; body?: string; think?: string }[] }[] };
    expect(doc.target).toBe(base);
    const steps = doc.flows[0]!.steps;
    expect(steps.map((s) => s.name)).toEqual(['1 GET /site/', '2 POST /anything/api', '3 GET /json']);
    // the 300 ms the page waited after loading, and the 200 ms before /json, are think times
    expect(Number.parseInt(steps[0]!.think ?? '0', 10)).toBeGreaterThanOrEqual(250);
    expect(Number.parseInt(steps[1]!.think ?? '0', 10)).toBeGreaterThanOrEqual(150);
    expect(steps[1]).toMatchObject({ method: 'POST', path: '/anything/api?x=1', body: '{"a":1}' });
    const h = Object.fromEntries(Object.entries(steps[1]!.headers!).map(([k, v]) => [k.toLowerCase(), v]));
    expect(h['authorization']).toBe('Bearer {{env.AUTH_BEARER}}');
    // the cookie the page set seeds the jars; Chromium's Accept-Encoding on every request is client.compressed
    expect(h['cookie']).toBeUndefined();
    expect(doc.cookies).toEqual({ values: { sid: '{{env.COOKIE_SID}}' } });
    expect(h['accept-encoding']).toBeUndefined();
    expect(doc.client).toEqual({ compressed: true });
    expect(h['user-agent']).toContain('Chrome');
    expect(h['host']).toBeUndefined();

    await runGreen(out, steps.map((s) => s.name), { AUTH_BEARER: 'b', COOKIE_SID: '1' }, '2s');
  }, 120_000);
});
