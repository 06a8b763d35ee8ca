// A reusable HTTP request: method, URL parts, headers and body, serialized once into wire bytes
// and sent again and again without allocating. Change any part and the bytes are rebuilt on the
// next send (one Buffer per change). Acquire from / release to a small pool, or keep your own.
import { FastbenchError } from '../core/errors.js';
import { RequestSerializer } from '../http/request-serializer.js';
import { checkFieldName, checkFieldValue } from '../http/field-check.js';

/** Methods that may be repeated without changing the outcome (RFC 9110 9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

export interface RequestInit {
  method?: string;
  /** Absolute URL ("http://h:8080/p?q") or origin-form target ("/p?q"). */
  url?: string;
  /** Header fields as [name, value] pairs or a record; wire order is kept. */
  headers?: readonly (readonly [string, string])[] | Readonly<Record<string, string | number>>;
  body?: Uint8Array | string | null;
}

const POOL: Request[] = [];
const POOL_MAX = 1024;
const EMPTY_HEADERS: string[] = [];

export class Request {
  private _method = 'GET';
  private _scheme: 'http' | 'https' = 'http';
  /** Host header value ("name[:port]"); '' means "the client's". */
  private _host = '';
  private _path = '/';
  /** Flat [name, value, name, value, ...] in the order they will be sent. */
  private _headers: string[] = EMPTY_HEADERS;
  private _body: Buffer | null = null;
  private _idempotent = true;
  private _idempotentOverride: boolean | undefined = undefined;

  /** Cached wire bytes, valid for `wireHost`. */
  private wire: Buffer | null = null;
  private wireHost = '';
  /** Set by setRaw(): the bytes are the user's and never rebuilt. */
  private raw = false;

  constructor(init?: RequestInit) {
    if (init !== undefined) {
      if (init.method !== undefined) this.method = init.method;
      if (init.url !== undefined) this.setURL(init.url);
      if (init.headers !== undefined) {
        const pairs = Array.isArray(init.headers)
          ? (init.headers as readonly (readonly [string, string])[])
          : Object.entries(init.headers as Record<string, string | number>);
        for (const [n, v] of pairs) this.addHeader(n, String(v));
      }
      if (init.body !== undefined) this.body = init.body;
    }
  }

  /** Takes a Request from the shared pool (or makes one). Give it back with Request.release(). */
  static acquire(): Request {
    return POOL.pop() ?? new Request();
  }

  /** Resets the request and returns it to the pool. Do not touch it afterwards. */
  static release(req: Request): void {
    req.reset();
    if (POOL.length < POOL_MAX) POOL.push(req);
  }

  /** Back to a GET of "/" with no headers and no body. */
  reset(): void {
    this._method = 'GET';
    this._scheme = 'http';
    this._host = '';
    this._path = '/';
    this._headers = EMPTY_HEADERS;
    this._body = null;
    this._idempotent = true;
    this._idempotentOverride = undefined;
    this.invalidate();
  }

  get method(): string {
    return this._method;
  }

  set method(m: string) {
    // The serializer checks the token when it builds; an empty method is caught here.
    if (m.length === 0) throw new FastbenchError('ERR_HTTP_INVALID_HEADER', 'empty method');
    this._method = m;
    this._idempotent = IDEMPOTENT.has(m);
    this.invalidate();
  }

  /** 'http' or 'https', from setURL(); the multi-host Client routes on it. */
  get scheme(): 'http' | 'https' {
    return this._scheme;
  }

  /** Host header value ("name[:port]"); '' means the client fills in its own. */
  get host(): string {
    return this._host;
  }

  set host(h: string) {
    this._host = h;
    this.invalidate();
  }

  /** The request-target sent on the wire (origin-form: "/path?query"). */
  get path(): string {
    return this._path;
  }

  set path(p: string) {
    if (p.length === 0) throw new FastbenchError('ERR_USAGE_BAD_URL', 'empty request path');
    this._path = p;
    this.invalidate();
  }

  /** Host name without port, from `host` (brackets of IPv6 literals removed). */
  get hostname(): string {
    return splitHost(this._host)[0];
  }

  /** Port from `host`, or the scheme's default. */
  get port(): number {
    const p = splitHost(this._host)[1];
    return p !== 0 ? p : this._scheme === 'https' ? 443 : 80;
  }

  /**
   * Sets scheme, host and path from an absolute URL, or only the path from an origin-form
   * target ("/a?b"). The path is kept as given: no normalisation, no re-encoding.
   */
  setURL(url: string): this {
    if (url.startsWith('/')) {
      this.path = url;
      return this;
    }
    const m = /^(https?):\/\/([^/?#\s]+)([^#\s]*)/i.exec(url);
    if (m === null) throw new FastbenchError('ERR_USAGE_BAD_URL', `invalid URL ${JSON.stringify(url)}: give an absolute http(s) URL or a path starting with /`);
    let authority = m[2]!;
    const at = authority.lastIndexOf('@');
    if (at >= 0) authority = authority.slice(at + 1); // userinfo is never sent in Host
    this._scheme = m[1]!.toLowerCase() as 'http' | 'https';
    const [name, port] = splitHost(authority);
    if (name === '' || port < 0) throw new FastbenchError('ERR_USAGE_BAD_URL', `invalid host in URL ${JSON.stringify(url)}`);
    const defaultPort = this._scheme === 'https' ? 443 : 80;
    this._host = port === 0 || port === defaultPort ? authority.replace(/:\d*$/, '') : authority;
    const rest = m[3]!;
    this._path = rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest;
    this.invalidate();
    return this;
  }

  /** The URL this request names ("" host → path only). */
  get url(): string {
    return this._host === '' ? this._path : `${this._scheme}://${this._host}${this._path}`;
  }

  /** Header fields as a flat [name, value, ...] list in wire order (read-only view). */
  get headers(): readonly string[] {
    return this._headers;
  }

  /** Appends a field (duplicates allowed). */
  addHeader(name: string, value: string): this {
    checkFieldName(name);
    checkFieldValue(name, value);
    if (this._headers === EMPTY_HEADERS) this._headers = [];
    this._headers.push(name, value);
    this.invalidate();
    return this;
  }

  /** Replaces every field of that name (any case) by one, or appends it. */
  setHeader(name: string, value: string): this {
    this.deleteHeader(name);
    return this.addHeader(name, value);
  }

  /** Removes every field of that name (any case). */
  deleteHeader(name: string): this {
    const lower = name.toLowerCase();
    const h = this._headers;
    let w = 0;
    for (let r = 0; r < h.length; r += 2) {
      if (h[r]!.toLowerCase() === lower) continue;
      h[w++] = h[r]!;
      h[w++] = h[r + 1]!;
    }
    if (w !== h.length) {
      h.length = w;
      this.invalidate();
    }
    return this;
  }

  /** First value of a field (any case), or undefined. */
  header(name: string): string | undefined {
    const lower = name.toLowerCase();
    const h = this._headers;
    for (let i = 0; i < h.length; i += 2) if (h[i]!.toLowerCase() === lower) return h[i + 1];
    return undefined;
  }

  get body(): Buffer | null {
    return this._body;
  }

  /** The body; strings are sent as UTF-8. */
  set body(b: Uint8Array | string | null) {
    this._body = b === null ? null : typeof b === 'string' ? Buffer.from(b, 'utf8') : Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    this.invalidate();
  }

  /** Whether a retry on a fresh connection is safe (by method, unless overridden). */
  get idempotent(): boolean {
    return this._idempotentOverride ?? this._idempotent;
  }

  set idempotent(v: boolean | undefined) {
    this._idempotentOverride = v;
  }

  /** Sent as setRaw() bytes (its path, headers and body are in those bytes, not in the fields). */
  get isRaw(): boolean {
    return this.raw;
  }

  /** True for HEAD: the response has no body whatever its headers say. */
  get isHead(): boolean {
    return this._method === 'HEAD';
  }

  /**
   * Sends exactly these bytes (a complete request, built by you, e.g. with a RequestSerializer)
   * until another setter is called. `method` is for retries and HEAD handling.
   */
  setRaw(bytes: Buffer, method = 'GET'): this {
    this.method = method;
    this.wire = bytes;
    this.raw = true;
    return this;
  }

  /**
   * The complete request bytes, built now if anything changed. `defaultHost` is the Host header
   * used when the request names none. The same Buffer is returned while nothing changes.
   */
  prepare(defaultHost = ''): Buffer {
    const w = this.wire;
    if (w !== null && (this.raw || this.wireHost === defaultHost)) return w;
    return this.build(defaultHost);
  }

  private build(defaultHost: string): Buffer {
    const host = this._host !== '' ? this._host : defaultHost;
    const h = this._headers;
    const pairs: [string, string][] = [];
    for (let i = 0; i < h.length; i += 2) pairs.push([h[i]!, h[i + 1]!]);
    const ser = new RequestSerializer({ method: this._method, target: this._path, headers: pairs, ...(host !== '' ? { host } : {}) });
    const bytes = ser.prepare(this._body);
    this.wire = bytes;
    this.wireHost = defaultHost;
    return bytes;
  }

  private invalidate(): void {
    this.wire = null;
    this.raw = false;
  }
}

/** "name:port" / "[v6]:port" / "name" → [name, port] with port 0 when absent, -1 when invalid. */
function splitHost(authority: string): [string, number] {
  if (authority.startsWith('[')) {
    const end = authority.indexOf(']');
    if (end < 0) return ['', -1];
    const name = authority.slice(1, end);
    const rest = authority.slice(end + 1);
    if (rest === '') return [name, 0];
    return rest.startsWith(':') ? [name, parsePort(rest.slice(1))] : [name, -1];
  }
  const colon = authority.lastIndexOf(':');
  if (colon < 0) return [authority, 0];
  return [authority.slice(0, colon), parsePort(authority.slice(colon + 1))];
}

function parsePort(s: string): number {
  if (s === '') return 0;
  if (!/^\d{1,5}$/.test(s)) return -1;
  const n = Number(s);
  return n > 0 && n < 65536 ? n : -1;
}
