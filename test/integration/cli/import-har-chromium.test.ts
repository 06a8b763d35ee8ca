// A HAR recorded by real headless Chromium against `fastbench serve`, imported and run green.
// Chromium is driven over the DevTools protocol on a pipe (test/helpers/cdp.ts: no port, no
// network beyond loopback); the HAR is built from its Network events as DevTools' "Save all as HAR"
// would: the page /site/, then — 300 ms after load, with a cookie set by the page — a JSON POST
// to /anything/api with a bearer token, and 200 ms later a GET of /json. Skipped, with the reason
// printed, only when /usr/bin/chromium is absent (CI installs it: .ci/run).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { haveChromium, launchChromium, type CdpEvent, type Chromium } from '../../helpers/cdp.js';
import { fastbench, runGreen, serve, type Served } from './import-helpers.js';

const CHROMIUM_OK = haveChromium('import-har-chromium');

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

describe.skipIf(!CHROMIUM_OK)('import har: a recording from headless Chromium', () => {
  let server: Served;
  let browser: Chromium | undefined;
  let dir: string;

  beforeAll(async () => {
    server = await serve();
    dir = mkdtempSync(join(tmpdir(), 'fastbench-har-chromium-'));
    browser = launchChromium();
  }, 40_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it('records /site/ and two fetches, imports them as a flow with think times and {{env}} credentials, and runs green', async () => {
    const base = server.url;
    const cdp = browser!.cdp;
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
