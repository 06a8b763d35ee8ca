// httpbin-style echo routes: /anything (and /anything/<path>, and every path with echoAll) answer
// with the request as parsed — method, target as sent, version, path, query, headers and
// trailers as ordered [name, value] pairs in wire case, and the body as text or base64.
// Also /get /post /put /patch /delete (echo, one method each), /headers, /cookies,
// /cookies/set?k=v and /cookies/delete?k.
// A large body (over ECHO_STREAM_MIN) is echoed chunked, in slices, as the connection drains: the
// response is never built whole in memory; `json` is filled only for bodies up to ECHO_JSON_MAX.
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { HeaderList } from '../../http/header-list.js';
import type { Router } from '../router.js';
import type { Handler, ServerRequest, ServerResponse } from '../types.js';
import { type Query, parseQuery } from './query-string.js';
import { JSON_HEADERS, TEXT_HEADERS, badRequest, sendJson } from './reply.js';

export interface EchoDocument {
  method: string;
  /** The request-target exactly as sent. */
  url: string;
  httpVersion: string;
  /** "HTTP/1.1", "HTTP/1.0" or "HTTP/2". */
  protocol: string;
  /** HTTP/2: the pseudo-header fields as received (absent over HTTP/1). */
  pseudoHeaders?: [string, string][];
  path: string;
  query: Query;
  headers: [string, string][];
  trailers: [string, string][];
  /** The body as text when it is valid UTF-8 (absent otherwise). */
  body?: string;
  /** The body in base64 when it is not valid UTF-8 (absent otherwise). */
  bodyBase64?: string;
  /** The body parsed as JSON, or null when it is empty, not JSON or larger than ECHO_JSON_MAX. */
  json: unknown;
  remoteAddress: string;
}

/**
 * Header pairs in wire order and case. Values are octets: shown as UTF-8 when they are valid
 * UTF-8 with some non-ASCII byte, else byte-for-byte (latin1).
 */
export function headerPairs(list: HeaderList): [string, string][] {
  const out: [string, string][] = new Array(list.count);
  for (let i = 0; i < list.count; i++) {
    const bytes = list.valueBytes(i);
    let value: string | undefined;
    for (let j = 0; j < bytes.length; j++) {
      if (bytes[j]! >= 0x80) {
        if (isUtf8(bytes)) value = bytes.toString('utf8');
        break;
      }
    }
    out[i] = [list.name(i), value ?? list.value(i)];
  }
  return out;
}

/** Copies everything the echo shows out of `req` (safe to keep after the handler returns). */
export function echoRequest(req: ServerRequest): EchoDocument {
  const doc: EchoDocument = {
    method: req.method,
    url: req.target,
    httpVersion: req.httpVersion,
    protocol: `HTTP/${req.httpVersion}`,
    ...(req.pseudoHeaders !== undefined ? { pseudoHeaders: headerPairs(req.pseudoHeaders) } : {}),
    path: req.path,
    query: parseQuery(req.query),
    headers: headerPairs(req.headers),
    trailers: headerPairs(req.trailers),
    json: null,
    remoteAddress: req.remoteAddress,
  };
  const body = req.body;
  if (isUtf8(body)) {
    doc.body = body.toString('utf8');
    if (doc.body.length > 0 && body.length <= ECHO_JSON_MAX) {
      try {
        doc.json = JSON.parse(doc.body) as unknown;
      } catch {
        doc.json = null;
      }
    }
  } else {
    doc.bodyBase64 = body.toString('base64');
  }
  return doc;
}

/** Pretty JSON with one [name, value] pair per line, so header lists stay readable. */
export function echoJson(doc: object): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (value === undefined) continue;
    const pairs = (key === 'headers' || key === 'trailers' || key === 'pseudoHeaders') && Array.isArray(value) && value.length > 0;
    const text = pairs
      ? `[\n    ${(value as unknown[]).map((p) => JSON.stringify(p)).join(',\n    ')}\n  ]`
      : JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
    parts.push(`  ${JSON.stringify(key)}: ${text}`);
  }
  return `{\n${parts.join(',\n')}\n}\n`;
}

/** Bodies larger than this are not parsed for `json` (its pretty text would be built whole). */
export const ECHO_JSON_MAX = 1024 * 1024;
/** Echoes whose body text is longer than this (characters) are streamed. */
export const ECHO_STREAM_MIN = 64 * 1024;
/** Characters of the body's JSON string per write. */
const ECHO_SLICE = 16 * 1024;
/** Stands for the body in the document's text while the rest is serialized (unguessable). */
const BODY_MARK = `\u0000echo-body-${randomUUID()}\u0000`;

/** Answers with the echo document: in one piece when small, else streamed (see the header). */
export function sendEcho(res: ServerResponse, doc: EchoDocument): void {
  const text = doc.body ?? doc.bodyBase64 ?? '';
  if (text.length <= ECHO_STREAM_MIN) {
    res.send(200, echoJson(doc), JSON_HEADERS);
    return;
  }
  const key = doc.body !== undefined ? 'body' : 'bodyBase64';
  const whole = echoJson({ ...doc, [key]: BODY_MARK });
  const mark = JSON.stringify(BODY_MARK);
  const at = whole.indexOf(mark);
  res.begin(200, JSON_HEADERS);
  new EchoStream(res, whole.slice(0, at + 1), text, whole.slice(at + mark.length - 1)).pump();
}

/** The document's text before the body, the body as a JSON string in slices, the rest. */
class EchoStream {
  private pos = 0;
  private prefixSent = false;
  private readonly go = (): void => this.pump();

  constructor(
    private readonly res: ServerResponse,
    private readonly prefix: string,
    private readonly text: string,
    private readonly suffix: string,
  ) {}

  pump(): void {
    const res = this.res;
    const text = this.text;
    for (;;) {
      if (res.closed) return;
      if (res.needsDrain) {
        res.waitDrain(this.go);
        return;
      }
      if (!this.prefixSent) {
        this.prefixSent = true;
        res.write(this.prefix);
        continue;
      }
      if (this.pos >= text.length) break;
      let end = Math.min(text.length, this.pos + ECHO_SLICE);
      // Never split a surrogate pair (JSON.stringify would escape each half on its own).
      const c = text.charCodeAt(end - 1);
      if (end < text.length && c >= 0xd800 && c <= 0xdbff) end--;
      const piece = JSON.stringify(text.slice(this.pos, end));
      res.write(piece.slice(1, -1));
      this.pos = end;
    }
    res.write(this.suffix);
    res.end();
  }
}

export const echo: Handler = (req, res) => sendEcho(res, echoRequest(req));

export const headers: Handler = (req, res) => res.send(200, echoJson({ headers: headerPairs(req.headers) }), JSON_HEADERS);

/** Cookie header(s) → name → value; for a repeated name the first wins (browsers send the most specific first). */
export function parseCookies(req: ServerRequest): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const header of req.headers.getAll('cookie')) {
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const name = part.slice(0, eq).trim();
      let value = part.slice(eq + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      if (name.length > 0 && !(name in out)) out[name] = value;
    }
  }
  return out;
}

export const cookies: Handler = (req, res) => sendJson(res, 200, { cookies: parseCookies(req) });

// RFC 6265 4.1.1: cookie-name is a token; cookie-octet excludes controls, space, DQUOTE, comma,
// semicolon and backslash. Values outside that are percent-encoded, so nothing unsafe reaches
// the head (the flat list needs no checkFlat).
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;

function setCookieHeaders(query: Query, expire: boolean): string[] | string {
  const flat: string[] = [];
  for (const name of Object.keys(query)) {
    if (!COOKIE_NAME.test(name)) return `invalid cookie name ${JSON.stringify(name)}`;
    const raw = query[name]!;
    const value = expire ? '' : Array.isArray(raw) ? raw[raw.length - 1]! : raw;
    const v = COOKIE_VALUE.test(value) ? value : encodeURIComponent(value);
    flat.push('Set-Cookie', expire ? `${name}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/` : `${name}=${v}; Path=/`);
  }
  flat.push('Location', '/cookies');
  flat.push(TEXT_HEADERS[0]!, TEXT_HEADERS[1]!);
  return flat;
}

function cookieRedirect(expire: boolean): Handler {
  return (req, res) => {
    const flat = setCookieHeaders(parseQuery(req.query), expire);
    if (typeof flat === 'string') return badRequest(res, flat);
    res.send(302, 'Redirecting to /cookies\n', flat);
  };
}

/** Registers the echo routes. */
export function registerEcho(router: Router): void {
  router.all('/anything', echo);
  router.all('/anything/*', echo);
  router.get('/get', echo);
  router.post('/post', echo);
  router.put('/put', echo);
  router.patch('/patch', echo);
  router.delete('/delete', echo);
  router.get('/headers', headers);
  router.get('/cookies', cookies);
  router.get('/cookies/set', cookieRedirect(false));
  router.get('/cookies/delete', cookieRedirect(true));
}
