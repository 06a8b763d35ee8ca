// HAR → one flow: static assets dropped, hosts filtered, think times from the recorded gaps,
// credentials as {{env}} placeholders (never in the YAML), warnings and errors naming the entry.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FastbenchError } from '../../../../src/core/errors.js';
import { importHar, type HarOptions } from '../../../../src/cli/import/har-import.js';
import { ImportLog, renderImport, type RequestDoc, type ScenarioDoc } from '../../../../src/cli/import/import-output.js';
import { checkScenarioText } from '../../../../src/scenario/index.js';

const FIXTURE = fileURLToPath(new URL('../../../fixtures/import/credentials.har', import.meta.url));
const fixture = readFileSync(FIXTURE, 'utf8');
const SECRETS = ['S3CR3T-SESSION', 'S3CR3T-COOKIE', 'S3CR3T-TOKEN', 'S3CR3T-APIKEY', 'S3CR3T-PASSWORD', 'S3CR3T-FORMTOKEN'];
const load = [{ connections: 1, duration: '1s' }];

function imp(text: string, opts: Partial<HarOptions> = {}): { doc: ScenarioDoc; log: ImportLog; yaml: string; steps: RequestDoc[] } {
  const log = new ImportLog();
  const doc = importHar(text, 'rec.har', { load, ...opts }, log);
  const { yaml } = renderImport(doc, log, 'har rec.har', '/tmp/out.yaml');
  return { doc, log, yaml, steps: (parse(yaml) as ScenarioDoc).flows![0]!.steps };
}

function harOf(entries: object[]): string {
  return JSON.stringify({ log: { version: '1.2', creator: { name: 't', version: '1' }, entries } });
}

function entry(url: string, start: string, time: number, extra: { method?: string; mime?: string; status?: number } = {}): object {
  return {
    startedDateTime: start,
    time,
    request: { method: extra.method ?? 'GET', url, headers: [] },
    response: { status: extra.status ?? 200, headers: [], content: { mimeType: extra.mime ?? 'text/html' } },
  };
}

function thrown(f: () => unknown): FastbenchError {
  try {
    f();
  } catch (e) {
    if (e instanceof FastbenchError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('import har', () => {
  it('the hand-written recording: no credential appears anywhere in the YAML', () => {
    const { yaml, log } = imp(fixture);
    for (const s of SECRETS) expect(yaml).not.toContain(s);
    expect(log.secretVars.map((v) => v.name)).toEqual(['SESSION', 'COOKIE_SID', 'COOKIE_THEME', 'AUTH_BEARER', 'X_API_KEY', 'PASSWORD', 'CSRF_TOKEN']);
    // one cookie value seen twice is one variable, listed with both entries
    expect(log.secretVars[1]!.where).toEqual(['entry 0 (/log/entries/0)', 'entry 4 (/log/entries/4)']);
    // the fixture really holds them (the assertion above could not pass by reading nothing)
    for (const s of SECRETS) expect(fixture).toContain(s);
  });

  it('maps entries to steps: placeholders, bodies, dropped headers, think from the gaps, other origins as url', () => {
    const { doc, steps } = imp(fixture);
    expect(doc.name).toBe('shop checkout');
    expect(doc.target).toBe('http://127.0.0.1:8080');
    // the recorded Cookie header seeds the jars: one placeholder per cookie, no Cookie header on the step
    expect(doc.cookies).toEqual({ values: { sid: '{{env.COOKIE_SID}}', theme: '{{env.COOKIE_THEME}}' } });
    expect(steps.map((s) => s.name)).toEqual(['1 GET /anything/home', '2 POST /anything/login', '3 POST /anything/form', '4 GET /api/data', '5 DELETE /anything/cart/1']);
    expect(steps[0]).toEqual({
      name: '1 GET /anything/home',
      path: '/anything/home?session={{env.SESSION}}&page=1',
      // :authority, Host and Connection are the client's to write
      headers: { Accept: 'text/html', Authorization: 'Bearer {{env.AUTH_BEARER}}', 'X-Api-Key': '{{env.X_API_KEY}}', 'X-Template': '\\{{not a template}}' },
      think: '500ms', // ended at 0.020 s, the next kept entry started at 0.520 s
    });
    expect(steps[1]).toEqual({
      name: '2 POST /anything/login',
      method: 'POST',
      path: '/anything/login',
      headers: { 'Content-Type': 'application/json' }, // Content-Length dropped: computed from the body
      body: '{"user":"ann","password":"{{env.PASSWORD}}"}',
      think: '10ms',
    });
    expect(steps[2]).toMatchObject({ body: 'user=ann&csrf_token={{env.CSRF_TOKEN}}', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(steps[3]).toMatchObject({ url: 'https://cdn.other.test/api/data' });
    expect(steps[4]!.think).toBeUndefined();
  });

  it('a recorded "{{" stays literal text once the scenario is compiled', () => {
    const { yaml, log } = imp(fixture);
    const env = Object.fromEntries(log.secretVars.map((v) => [v.name, 'v']));
    const { scenario, errors } = checkScenarioText(yaml, '/tmp/x.yaml', { env });
    expect(errors).toEqual([]);
    const h = scenario!.flows[0]!.steps[0]!.headers.find(([n]) => n === 'X-Template')!;
    expect(h[1].static).toBe(true);
    expect(h[1].literals[0]).toBe('{{not a template}}');
  });

  it('warns, with the entry, about what it leaves out; notes the static assets it dropped', () => {
    const { log } = imp(fixture);
    expect(log.warnings).toEqual([
      { where: 'entry 6 (/log/entries/6)', message: 'data: URL is not an HTTP request; left out' },
      { where: 'entry 7 (/log/entries/7)', message: 'the recorded request got no response (status 0: blocked or cancelled); left out' },
    ]);
    expect(log.notes).toContain('left out 2 static asset request(s) (images, CSS, scripts, fonts, media); --all keeps them');
  });

  it('--all keeps static assets; --host keeps only the hosts named', () => {
    expect(imp(fixture, { all: true }).steps.map((s) => s.path ?? s.url)).toContain('/static/app.css');
    expect(imp(fixture, { all: true }).steps).toHaveLength(7);
    const only = imp(fixture, { hosts: ['127.0.0.1:8080'] }).steps;
    expect(only.map((s) => s.url)).toEqual([undefined, undefined, undefined, undefined]);
    expect(imp(fixture, { hosts: ['CDN.other.test'] }).steps.map((s) => s.name)).toEqual(['1 GET /api/data']);
  });

  it('repeated headers are joined before credentials are replaced: two Cookie lines are both cookies', () => {
    const text = harOf([
      { ...entry('http://a.test/p', '2026-01-01T00:00:00.000Z', 5), request: { method: 'GET', url: 'http://a.test/p', headers: [{ name: 'cookie', value: 'a=1' }, { name: 'cookie', value: 'b=2' }, { name: 'accept', value: 'x' }, { name: 'accept', value: 'y' }] } },
    ]);
    const { steps, log, doc } = imp(text);
    expect(steps[0]!.headers).toEqual({ accept: 'x, y' });
    expect(doc.cookies).toEqual({ values: { a: '{{env.COOKIE_A}}', b: '{{env.COOKIE_B}}' } });
    expect(log.secretVars.map((v) => v.name)).toEqual(['COOKIE_A', 'COOKIE_B']);
  });

  it('Accept-Encoding asking for compression is compressed: true — on the client when every step has it', () => {
    const withAe = (url: string, start: string, ae: string): object => ({ ...entry(url, start, 5), request: { method: 'GET', url, headers: [{ name: 'Accept-Encoding', value: ae }] } });
    const all = imp(harOf([withAe('http://a.test/1', '2026-01-01T00:00:00.000Z', 'gzip, deflate, br, zstd'), withAe('http://a.test/2', '2026-01-01T00:00:00.001Z', 'br')]));
    expect(all.doc.client).toEqual({ compressed: true });
    expect(all.steps).toEqual([{ name: '1 GET /1', path: '/1' }, { name: '2 GET /2', path: '/2' }]);
    const some = imp(harOf([withAe('http://a.test/1', '2026-01-01T00:00:00.000Z', 'gzip'), withAe('http://a.test/2', '2026-01-01T00:00:00.001Z', 'identity')]));
    expect(some.doc.client).toBeUndefined();
    expect(some.steps).toEqual([
      { name: '1 GET /1', path: '/1', compressed: true },
      { name: '2 GET /2', path: '/2', headers: { 'Accept-Encoding': 'identity' } }, // no compression asked: kept as recorded
    ]);
  });

  it('a cookie whose value changed during the recording keeps its first value, with one warning', () => {
    const withCookie = (url: string, start: string, cookie: string): object => ({ ...entry(url, start, 5), request: { method: 'GET', url, headers: [{ name: 'Cookie', value: cookie }] } });
    const { doc, log, yaml } = imp(harOf([withCookie('http://a.test/1', '2026-01-01T00:00:00.000Z', 'sid=FIRST'), withCookie('http://a.test/2', '2026-01-01T00:00:00.001Z', 'sid=ROTATED'), withCookie('http://a.test/3', '2026-01-01T00:00:00.002Z', 'sid=AGAIN')]));
    expect(doc.cookies).toEqual({ values: { sid: '{{env.COOKIE_SID}}' } });
    expect(log.warnings).toEqual([{ where: 'entry 1 (/log/entries/1)', message: "cookie sid has another value than at entry 0 (/log/entries/0): the jar starts with that first one (the server's Set-Cookie replaces it at run time)" }]);
    for (const v of ['FIRST', 'ROTATED', 'AGAIN']) expect(yaml + JSON.stringify(log.warnings)).not.toContain(v);
  });

  it('static assets are known by MIME type, by extension and by Chromium\'s _resourceType', () => {
    const text = harOf([
      entry('http://a.test/page', '2026-01-01T00:00:00.000Z', 5),
      entry('http://a.test/x', '2026-01-01T00:00:00.010Z', 5, { mime: 'font/woff2' }),
      entry('http://a.test/app.js?v=3', '2026-01-01T00:00:00.020Z', 5, { mime: 'text/plain' }),
      entry('http://a.test/bundle', '2026-01-01T00:00:00.030Z', 5, { mime: 'application/javascript' }),
      entry('http://a.test/api', '2026-01-01T00:00:00.040Z', 5, { mime: 'application/json' }),
      { ...entry('http://a.test/icon', '2026-01-01T00:00:00.050Z', 5, { mime: 'application/octet-stream' }), _resourceType: 'image' },
    ]);
    expect(imp(text).steps.map((s) => s.path)).toEqual(['/page', '/api']);
  });

  it('think: gaps under 10 ms and overlapping requests give none; entries are taken in start order', () => {
    const text = harOf([
      entry('http://a.test/c', '2026-01-01T00:00:02.000Z', 10),
      entry('http://a.test/a', '2026-01-01T00:00:00.000Z', 100),
      entry('http://a.test/b', '2026-01-01T00:00:00.050Z', 10), // starts before /a ends
      entry('http://a.test/b2', '2026-01-01T00:00:00.069Z', 10), // 9 ms after /b ends
    ]);
    expect(imp(text).steps.map((s) => [s.path, s.think])).toEqual([
      ['/a', undefined],
      ['/b', undefined],
      ['/b2', '1921ms'],
      ['/c', undefined],
    ]);
  });

  it('bad input: not JSON (line:column), not a HAR, a bad entry (JSON pointer), nothing left', () => {
    let e = thrown(() => imp('{\n  "log": {\n    "entries": [,]\n}}'));
    expect([e.code, e.file, e.line, e.column]).toEqual(['ERR_IMPORT_PARSE', 'rec.har', 3, 17]);
    e = thrown(() => imp('{"version": 1}'));
    expect([e.code, e.message]).toEqual(['ERR_IMPORT_FORMAT', '/log: not a HAR file: no "log" object at the top']);
    e = thrown(() => imp(harOf([entry('http://a.test/', 'x', 1), { request: { method: 'GET' } }])));
    expect([e.code, e.message]).toEqual(['ERR_IMPORT_FORMAT', '/log/entries/1/request/url: missing request URL']);
    e = thrown(() => imp(harOf([{ request: { method: 'G T', url: 'http://a.test/' } }])));
    expect(e.message).toBe('/log/entries/0/request/method: "G T" is not an HTTP method');
    e = thrown(() => imp(harOf([entry('http://a.test/s.css', '2026-01-01T00:00:00Z', 1, { mime: 'text/css' })])));
    expect([e.code, e.message]).toEqual(['ERR_IMPORT_EMPTY', 'no request left to import from 1 HAR entries (1 static, 0 on other hosts)']);
  });

  it('an importer whose output would not validate is a bug (ERR_INTERNAL), never printed', () => {
    const log = new ImportLog();
    const doc: ScenarioDoc = { name: 'x', target: 'http://a.test', load, requests: [{ name: 'bad', path: 'no-slash' }] };
    const e = thrown(() => renderImport(doc, log, 'har x', '/tmp/x.yaml'));
    expect(e.code).toBe('ERR_INTERNAL');
    expect(e.message).toMatch(/^the imported scenario does not validate: error\[ERR_SCENARIO_VALUE\]: requests\[0\]\.path must start with "\/"/);
  });
});
