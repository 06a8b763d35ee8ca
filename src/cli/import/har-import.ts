// `fastbench import har FILE`: a HAR 1.2 recording (a browser's "Save all as HAR", or one built
// from DevTools Network events) → one flow whose steps are the recorded requests in start order.
//
// - Static assets (images, CSS, scripts, fonts, audio, video — by the response's MIME type, the
//   URL's extension or Chromium's `_resourceType`) are dropped unless --all; non-HTTP URLs
//   (data:, blob:, ws:) always are.
// - --host H (repeatable) keeps only entries on those hosts (`host` or `host:port`).
// - Think time: the gap between an entry's end (startedDateTime + time) and the next entry's
//   start becomes a fixed `think` on the earlier step, when it is at least MIN_THINK_MS (shorter
//   gaps are the browser's own processing, and overlapping requests — a page's parallel fetches —
//   have none).
// - Cookie headers become the scenario's `cookies.values`, one `{{env.COOKIE_<NAME>}}` placeholder
//   per cookie (every virtual user's jar starts with them; Set-Cookie answers update it); an
//   Accept-Encoding offering gzip, deflate, br or zstd becomes `compressed: true` (on `client`
//   when every step has it). Authorization and other credential headers, credential query
//   parameters and form / JSON body fields become `{{env.NAME}}` placeholders (credentials.ts).
// - Headers the client computes itself (Host, Content-Length, Connection, HTTP/2 pseudo-headers,
//   …) are left out; request bodies (postData.text, or postData.params as a form) are kept.
// - The target is the most frequent origin; requests to other origins carry an absolute `url`.
// Every warning names the entry: `entry 4 (/log/entries/4)`.
import { FastbenchError } from '../../core/errors.js';
import { CookieValues, headerValue, redactForm, redactJson, redactQuery } from './credentials.js';
import { chooseOrigin, hoistToClient, literal, type ImportLog, type PhaseDoc, type RequestDoc, type ScenarioDoc } from './import-output.js';
import { isObject, parseJsonInput, pointer } from './json-input.js';

export interface HarOptions {
  /** Keep static assets. */
  all?: boolean;
  /** Keep only these hosts (host or host:port, any case). */
  hosts?: readonly string[];
  load: PhaseDoc[];
}

/** Gaps shorter than this are not think time. */
export const MIN_THINK_MS = 10;

const STATIC_MIME = /^(image|font|audio|video)\/|^text\/css|^(text|application)\/(x-)?(javascript|ecmascript)|^application\/(font-|x-font|vnd\.ms-fontobject)|^application\/wasm/i;
const STATIC_EXT = /\.(png|jpe?g|gif|webp|avif|bmp|ico|svg|css|js|mjs|map|woff2?|ttf|otf|eot|mp4|webm|ogg|ogv|mp3|wav|flac|m4a|wasm)$/i;

/** Headers the client writes itself, or that only make sense on the recorded connection. */
const DROP_HEADERS = new Set(['host', 'content-length', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'upgrade', 'proxy-connection', 'http2-settings', 'trailer', 'expect']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;

interface HarEntry {
  index: number;
  where: string;
  start: number;
  time: number;
  url: URL;
  method: string;
  headers: [string, string][];
  postData: Record<string, unknown> | undefined;
  mime: string;
  status: number;
  /** Chromium's `_resourceType` (image, stylesheet, script, font, media, document, fetch, …). */
  resourceType: string;
}

function fail(file: string, where: string, what: string): never {
  throw new FastbenchError('ERR_IMPORT_FORMAT', `${where}: ${what}`, { file });
}

/** The entries of a HAR document, checked for the fields the import needs. */
function readEntries(har: unknown, file: string): HarEntry[] {
  if (!isObject(har) || !isObject(har['log'])) fail(file, '/log', 'not a HAR file: no "log" object at the top');
  const entries = (har['log'] as Record<string, unknown>)['entries'];
  if (!Array.isArray(entries)) fail(file, '/log/entries', 'not a HAR file: "log.entries" is not a list');
  return entries.map((e, i) => {
    const where = pointer('log', 'entries', i);
    if (!isObject(e)) fail(file, where, 'an entry must be an object');
    const req = e['request'];
    if (!isObject(req)) fail(file, `${where}/request`, 'missing "request" object');
    if (typeof req['url'] !== 'string') fail(file, `${where}/request/url`, 'missing request URL');
    if (typeof req['method'] !== 'string' || !TOKEN.test(req['method'])) fail(file, `${where}/request/method`, `"${String(req['method'])}" is not an HTTP method`);
    let url: URL;
    try {
      url = new URL(req['url']);
    } catch {
      fail(file, `${where}/request/url`, `"${req['url']}" is not a URL`);
    }
    const start = typeof e['startedDateTime'] === 'string' ? Date.parse(e['startedDateTime']) : NaN;
    const time = typeof e['time'] === 'number' && e['time'] >= 0 ? e['time'] : 0;
    const headers: [string, string][] = [];
    if (Array.isArray(req['headers'])) {
      for (const h of req['headers']) {
        if (isObject(h) && typeof h['name'] === 'string' && typeof h['value'] === 'string') headers.push([h['name'], h['value']]);
      }
    }
    const res = isObject(e['response']) ? e['response'] : {};
    const content = isObject(res['content']) ? res['content'] : {};
    return {
      index: i,
      where: `entry ${i} (${where})`,
      start,
      time,
      url,
      method: req['method'].toUpperCase(),
      headers,
      postData: isObject(req['postData']) ? req['postData'] : undefined,
      mime: typeof content['mimeType'] === 'string' ? content['mimeType'] : '',
      status: typeof res['status'] === 'number' ? res['status'] : -1,
      resourceType: typeof e['_resourceType'] === 'string' ? e['_resourceType'] : '',
    };
  });
}

const STATIC_TYPES = new Set(['image', 'stylesheet', 'script', 'font', 'media', 'manifest']);

function isStatic(e: HarEntry): boolean {
  return STATIC_TYPES.has(e.resourceType) || STATIC_MIME.test(e.mime) || STATIC_EXT.test(e.url.pathname);
}

function hostMatches(u: URL, hosts: readonly string[]): boolean {
  const h = u.hostname.toLowerCase();
  const hp = u.host.toLowerCase();
  return hosts.some((x) => {
    const want = x.toLowerCase().replace(/^\[|\](?=:|$)/g, '');
    return want === h || want === hp || want === hp.replace(/^\[|\](?=:|$)/g, '');
  });
}

/** An Accept-Encoding that asks for compression (not just `identity`). */
const COMPRESSING = /\b(gzip|deflate|br|zstd)\b/i;

/**
 * The step's headers: dropped, kept literal, or credentials replaced; a Cookie header goes to
 * `cookies`, an Accept-Encoding asking for compression to `step.compressed`.
 */
function stepHeaders(e: HarEntry, log: ImportLog, cookies: CookieValues, step: RequestDoc): Record<string, string> {
  // Repeated headers (two Cookie lines over HTTP/2) are joined first, as one field would carry them.
  const joined = new Map<string, [string, string]>();
  for (const [name, value] of e.headers) {
    const lower = name.toLowerCase();
    if (name.startsWith(':') || DROP_HEADERS.has(lower)) continue;
    if (!TOKEN.test(name)) {
      log.warn(e.where, `header "${name}" is not a valid header name; left out`);
      continue;
    }
    if (BAD_VALUE.test(value)) {
      log.warn(e.where, `header "${name}" has a control character in its value; left out`);
      continue;
    }
    const prev = joined.get(lower);
    joined.set(lower, prev === undefined ? [name, value] : [prev[0], `${prev[1]}${lower === 'cookie' ? '; ' : ', '}${value}`]);
  }
  const out: Record<string, string> = {};
  for (const [name, value] of joined.values()) {
    const lower = name.toLowerCase();
    if (lower === 'cookie') cookies.add(value, log, e.where);
    else if (lower === 'accept-encoding' && COMPRESSING.test(value)) step.compressed = true;
    else out[name] = headerValue(name, value, log, e.where);
  }
  return out;
}

/** postData → body text (credential fields replaced), or undefined. */
function stepBody(e: HarEntry, log: ImportLog, headers: Record<string, string> | undefined): string | undefined {
  const p = e.postData;
  if (p === undefined) return undefined;
  const mime = typeof p['mimeType'] === 'string' ? p['mimeType'] : '';
  const hasType = headers !== undefined && Object.keys(headers).some((k) => k.toLowerCase() === 'content-type');
  let text: string | undefined = typeof p['text'] === 'string' ? p['text'] : undefined;
  if (text === undefined && Array.isArray(p['params'])) {
    const params = p['params'].filter(isObject);
    if (params.some((x) => x['fileName'] !== undefined)) {
      log.warn(`${e.where}/request/postData/params`, 'a multipart file upload without the body text cannot be rebuilt; the step is sent without a body');
      return undefined;
    }
    text = params.map((x) => `${encodeURIComponent(String(x['name'] ?? ''))}=${encodeURIComponent(String(x['value'] ?? ''))}`).join('&');
  }
  if (text === undefined) return undefined;
  if (p['encoding'] === 'base64') {
    log.warn(`${e.where}/request/postData`, 'a base64-encoded (binary) body is not carried over; the step is sent without a body');
    return undefined;
  }
  if (!hasType && mime !== '' && headers !== undefined) headers['Content-Type'] = literal(mime);
  const type = mime.toLowerCase();
  if (type.includes('json')) {
    try {
      return JSON.stringify(redactJson(JSON.parse(text), log, e.where));
    } catch {
      return literal(text);
    }
  }
  if (type.startsWith('application/x-www-form-urlencoded')) return redactForm(text, log, e.where);
  return literal(text);
}

/** The HAR import. */
export function importHar(text: string, file: string, opts: HarOptions, log: ImportLog): ScenarioDoc {
  const har = parseJsonInput(text, file, 'the HAR file');
  const all = readEntries(har, file);
  let staticCount = 0;
  let otherHost = 0;
  const kept: HarEntry[] = [];
  for (const e of all) {
    if (e.url.protocol !== 'http:' && e.url.protocol !== 'https:') {
      log.warn(e.where, `${e.url.protocol} URL is not an HTTP request; left out`);
      continue;
    }
    if (opts.hosts !== undefined && opts.hosts.length > 0 && !hostMatches(e.url, opts.hosts)) {
      otherHost++;
      continue;
    }
    if (opts.all !== true && isStatic(e)) {
      staticCount++;
      continue;
    }
    if (e.status === 0) {
      log.warn(e.where, 'the recorded request got no response (status 0: blocked or cancelled); left out');
      continue;
    }
    if (e.status >= 400) log.warn(e.where, `recorded status ${e.status}: the run will count this step as failed unless you add expect.status`);
    if (Number.isNaN(e.start)) log.warn(`${e.where}/startedDateTime`, 'no valid startedDateTime: no think time before or after this step');
    kept.push(e);
  }
  if (staticCount > 0) log.note(`left out ${staticCount} static asset request(s) (images, CSS, scripts, fonts, media); --all keeps them`);
  if (otherHost > 0) log.note(`left out ${otherHost} request(s) to hosts not named by --host`);
  if (kept.length === 0) {
    throw new FastbenchError('ERR_IMPORT_EMPTY', `no request left to import from ${all.length} HAR entries${staticCount + otherHost > 0 ? ` (${staticCount} static, ${otherHost} on other hosts)` : ''}`, { file });
  }
  // Start order (a HAR is usually in it already; a stable sort keeps ties in file order).
  kept.sort((a, b) => (Number.isNaN(a.start) || Number.isNaN(b.start) ? 0 : a.start - b.start));

  const target = chooseOrigin(kept.map((e) => e.url.origin));
  const cookies = new CookieValues();
  const steps: RequestDoc[] = kept.map((e, i) => {
    const step: RequestDoc = { name: `${i + 1} ${e.method} ${e.url.pathname}` };
    if (e.method !== 'GET') step.method = e.method;
    const q = e.url.search === '' ? '' : `?${redactQuery(e.url.search.slice(1), log, e.where)}`;
    const place = literal(e.url.pathname) + q;
    if (e.url.origin === target) step.path = place;
    else step.url = e.url.origin + place;
    const compress: RequestDoc = {};
    const headers = stepHeaders(e, log, cookies, compress);
    const body = stepBody(e, log, headers);
    if (Object.keys(headers).length > 0) step.headers = headers;
    if (body !== undefined) step.body = body;
    if (compress.compressed === true) step.compressed = true;
    const next = kept[i + 1];
    if (next !== undefined && !Number.isNaN(e.start) && !Number.isNaN(next.start)) {
      const gap = Math.round(next.start - (e.start + e.time));
      if (gap >= MIN_THINK_MS) step.think = `${gap}ms`;
    }
    return step;
  });
  const pages = isObject(har) && isObject(har['log']) && Array.isArray(har['log']['pages']) ? har['log']['pages'] : [];
  const title = pages.length > 0 && isObject(pages[0]) && typeof pages[0]['title'] === 'string' ? pages[0]['title'] : undefined;
  const client: Record<string, unknown> = {};
  hoistToClient(steps, client, 'compressed');
  const doc = { name: title !== undefined && title !== '' ? title : 'recording', description: `${kept.length} request(s) recorded in ${file}`, target } as ScenarioDoc;
  if (cookies.size > 0) {
    doc.cookies = { values: cookies.values };
    log.note('recorded Cookie headers seed every virtual user\'s cookie jar (cookies.values); Set-Cookie answers update it at run time');
  }
  if (Object.keys(client).length > 0) doc.client = client;
  doc.load = opts.load;
  doc.flows = [{ name: 'recording', steps }];
  return doc;
}
