// A scenario request made ready to send. A static request (no template part anywhere) is
// serialized once per backend into a Buffer that every virtual user sends as is (Request.setRaw);
// a dynamic one is rendered per send into the virtual user's own ByteWriter: request line and
// headers written as bytes by the codec's writers, the static parts as compiled literals. Both take their
// framing from the codec's serializer (http/request-serializer.ts): a user's Content-Length or
// Transfer-Encoding is replaced by the Content-Length the body needs, in one place for both.
import type { StreamMode } from '../client/stream-timer.js';
import { streamModeOf } from './stream-recording.js';
import type { ByteWriter } from '../core/byte-writer.js';
import { FastbenchError } from '../core/errors.js';
import { RequestSerializer, alwaysFramed, withoutFraming, writeFramedBody, writeRequestField, writeRequestLine } from '../http/request-serializer.js';
import { Request } from '../client/request.js';
import {
  basicAuthValue,
  renderTemplate,
  type Capture,
  type CompiledRequest,
  type Expectation,
  type FlowStep,
  type RenderContext,
  type ThinkTime,
  type Template,
} from '../scenario/index.js';
import type { HookRequest } from './hook-objects.js';
import type { HookFn } from './hook-runner.js';
import type { TargetClients } from './target-clients.js';

/** Chars allowed as they are in a request target (visible ASCII). */
function targetSafe(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/** A rendered value put into a request target: spaces, controls and non-ASCII percent-encoded. */
export function encodeTargetValue(s: string): string {
  if (targetSafe(s)) return s;
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    out += byte > 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `%${byte < 16 ? '0' : ''}${byte.toString(16).toUpperCase()}`;
  }
  return out;
}

/** A rendered header value may not carry CR, LF, NUL or other controls (HTAB is fine). */
function checkRenderedValue(name: string, v: string): void {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) {
      throw new FastbenchError('ERR_HTTP_INVALID_HEADER', `the rendered value of header ${name} contains a control character (CR, LF, NUL, ...)`);
    }
  }
}

function renderTarget(t: Template, ctx: RenderContext): string {
  if (t.static) return t.literals[0]!;
  const s = renderTemplate(t, ctx);
  // The literals were checked at load time, so only rendered values can need encoding.
  return targetSafe(s) ? s : encodeTargetValue(s);
}

export class PreparedRequest {

  /** Index into the recorder's request names. */
  readonly index: number;
  readonly name: string;
  readonly method: string;
  readonly static: boolean;
  /** Origin group in TargetClients. */
  readonly group: number;
  readonly expect: Expectation | undefined;
  readonly captures: readonly Capture[];
  readonly thinkMs: number;
  /** A random think time (drawn per user), or undefined: thinkMs. */
  readonly think: ThinkTime | undefined;
  /** expect.bodyContains as bytes (searched in the body without making a string). */
  readonly bodyNeedles: readonly Buffer[];
  /** The response body must be kept (bodyContains, json or regex captures). */
  readonly needsBody: boolean;
  /** Static requests: one ready Request per backend of the group. */
  readonly raw: readonly Request[];
  readonly rawLength: readonly number[];
  private readonly spec: CompiledRequest;
  private readonly closeConn: boolean;
  private readonly hasHost: boolean;
  private readonly staticBody: Buffer | undefined;
  private readonly alwaysLength: boolean;
  /** Pre-rendered "Name: value\r\n" lines of the static headers. */
  private readonly staticHeaderLines: string;
  private readonly dynamicHeaders: readonly (readonly [string, Template])[];
  // issue 15 (sess-web)
  /** Decode the body before expectations and captures read it (compressed and the body is read). */
  readonly decode: boolean;
  /** issue 18: time the body chunk by chunk or event by event (Off: Response.stream stays null). */
  readonly stream: StreamMode;
  /** The request sets its own Cookie header: the user's jar adds none. */
  readonly ownCookie: boolean;
  // issue 16 (hooks)
  /** Its beforeRequest hook: when set, the request is built per send from the hook's HookRequest. */
  readonly before: HookFn | undefined;
  /** Its afterResponse hook (the body is then kept). */
  readonly after: HookFn | undefined;
  private readonly specHeaders: readonly (readonly [string, Template])[];
  /** issue 18: a `ws:` flow step (engine/ws-step.ts runs it), not an HTTP exchange. */
  readonly ws: boolean;

  constructor(spec: CompiledRequest | FlowStep, index: number, clients: TargetClients, keepalive: boolean, hooks?: { before?: HookFn; after?: HookFn }) {
    this.spec = spec;
    this.index = index;
    this.name = spec.name;
    this.method = spec.method;
    this.group = clients.groupOf(spec.origin);
    this.expect = spec.expect;
    this.captures = 'captures' in spec ? spec.captures : [];
    this.thinkMs = 'thinkMs' in spec ? spec.thinkMs : 0;
    this.think = 'think' in spec ? spec.think : undefined;
    this.bodyNeedles = (spec.expect?.bodyContains ?? []).map((t) => Buffer.from(t, 'utf8'));
    this.before = hooks?.before;
    this.after = hooks?.after;
    this.needsBody =
      (spec.expect !== undefined && spec.expect.bodyContains.length > 0) || this.captures.some((c) => c.source !== 'header') || this.after !== undefined;
    this.decode = spec.compressed === true && this.needsBody;
    this.stream = streamModeOf(spec.stream);
    this.ownCookie = spec.headers.some(([n]) => n.toLowerCase() === 'cookie');
    this.ws = spec.ws !== undefined;
    this.closeConn = !keepalive;
    const specHeaders = withoutFraming(spec.headers);
    this.specHeaders = specHeaders;
    this.hasHost = specHeaders.some(([n]) => n.toLowerCase() === 'host');
    this.alwaysLength = alwaysFramed(spec.method);
    const body = spec.body;
    this.staticBody =
      body.kind === 'bytes' ? Buffer.from(body.bytes.buffer, body.bytes.byteOffset, body.bytes.byteLength)
      : body.kind === 'template' && body.template.static ? Buffer.from(body.template.literals[0]!, 'utf8')
      : undefined;
    let lines = '';
    const dyn: (readonly [string, Template])[] = [];
    for (const h of specHeaders) {
      if (h[1].static) lines += `${h[0]}: ${h[1].literals[0]!}\r\n`;
      else dyn.push(h);
    }
    if (this.closeConn && !specHeaders.some(([n]) => n.toLowerCase() === 'connection')) lines += 'Connection: close\r\n';
    this.staticHeaderLines = lines;
    this.dynamicHeaders = dyn;
    this.static = spec.static;

    const raw: Request[] = [];
    const rawLength: number[] = [];
    if (spec.static) {
      for (const b of clients.groups[this.group]!.backends) {
        const headers: [string, string][] = spec.headers.map(([n, t]) => [n, t.literals[0]!]);
        if (this.closeConn && !spec.headers.some(([n]) => n.toLowerCase() === 'connection')) headers.push(['Connection', 'close']);
        const ser = new RequestSerializer({ method: spec.method, target: spec.path.literals[0]!, host: b.hostHeader, headers });
        const bytes = ser.prepare(this.staticBody ?? null);
        raw.push(new Request().setRaw(bytes, spec.method));
        rawLength.push(bytes.length);
      }
    }
    this.raw = raw;
    this.rawLength = rawLength;
  }

  /** The request target for one send (the path with its templates rendered). Render it once per send. */
  targetFor(ctx: RenderContext): string {
    return renderTarget(this.spec.path, ctx);
  }

  /**
   * Writes the whole request for one send into w (reset first). Throws a FastbenchError when a
   * rendered value cannot be sent (a control character from a data row or a capture).
   * `target`: the path already rendered for this send (targetFor), when the caller needed it;
   * `cookie`: the virtual user's Cookie value for it (issue 15), sent when not empty.
   */
  render(w: ByteWriter, ctx: RenderContext, hostHeader: string, target?: string, cookie?: string): void {
    const spec = this.spec;
    w.reset();
    writeRequestLine(w, this.method, target ?? renderTarget(spec.path, ctx));
    if (!this.hasHost) writeRequestField(w, 'Host', hostHeader);
    if (this.staticHeaderLines.length > 0) w.utf8(this.staticHeaderLines);
    const dyn = this.dynamicHeaders;
    for (let i = 0; i < dyn.length; i++) {
      const [name, t] = dyn[i]!;
      const v = renderTemplate(t, ctx);
      checkRenderedValue(name, v);
      writeRequestField(w, name, v);
    }
    // issue 15: templated Basic auth; the user's cookies (a value the jar made: no control characters)
    const auth = spec.basicAuth;
    if (auth !== undefined) writeRequestField(w, 'Authorization', basicAuthValue(renderTemplate(auth.user, ctx), renderTemplate(auth.password, ctx)));
    if (cookie !== undefined && cookie.length > 0) writeRequestField(w, 'Cookie', cookie);
    let body: Buffer | string | undefined = this.staticBody;
    if (body === undefined && spec.body.kind === 'template') body = renderTemplate(spec.body.template, ctx);
    writeFramedBody(w, this.alwaysLength, body);
  }

  // ------------------------------------------------------------------ issue 16: beforeRequest

  /**
   * Fills the user's HookRequest for one send: what render() would write, as plain fields (headers
   * a fresh object per send, so nothing a hook set leaks into the next one).
   */
  fillHookRequest(hr: HookRequest, ctx: RenderContext, hostHeader: string, target: string, cookie: string | undefined): void {
    const spec = this.spec;
    hr.name = this.name;
    hr.method = this.method;
    hr.path = target;
    const headers: Record<string, unknown> = {};
    if (!this.hasHost) headers.Host = hostHeader;
    for (const [name, t] of this.specHeaders) headers[name] = t.static ? t.literals[0]! : renderTemplate(t, ctx);
    if (this.closeConn && !this.specHeaders.some(([n]) => n.toLowerCase() === 'connection')) headers.Connection = 'close';
    const auth = spec.basicAuth;
    if (auth !== undefined) headers.Authorization = basicAuthValue(renderTemplate(auth.user, ctx), renderTemplate(auth.password, ctx));
    if (cookie !== undefined && cookie.length > 0) headers.Cookie = cookie;
    hr.headers = headers;
    let body: Buffer | string | undefined = this.staticBody;
    if (body === undefined && spec.body.kind === 'template') body = renderTemplate(spec.body.template, ctx);
    hr.body = body;
  }
}

const HOOK_METHOD = /^[A-Z][A-Z0-9_-]*$/i;
/** An RFC 9110 token. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Writes a request a beforeRequest hook built (method, path, headers, body as it left them) into w.
 * Throws ERR_HOOK when the hook left something that cannot go on the wire.
 */
export function writeHookRequest(w: ByteWriter, hr: HookRequest): string {
  const method = typeof hr.method === 'string' && HOOK_METHOD.test(hr.method) ? hr.method.toUpperCase() : undefined;
  if (method === undefined) throw new FastbenchError('ERR_HOOK', `beforeRequest left req.method ${JSON.stringify(hr.method)}: not an HTTP method`);
  const path = typeof hr.path === 'string' && hr.path.length > 0 ? encodeTargetValue(hr.path) : undefined;
  if (path === undefined) throw new FastbenchError('ERR_HOOK', 'beforeRequest left req.path empty or not a string');
  w.reset();
  writeRequestLine(w, method, path);
  const headers = hr.headers;
  for (const name in headers) {
    const v = headers[name];
    if (v === undefined || v === null) continue;
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'transfer-encoding') continue; // framed below
    if (!HEADER_NAME.test(name)) throw new FastbenchError('ERR_HOOK', `beforeRequest set header ${JSON.stringify(name)}: not a header name`);
    const value = String(v);
    checkRenderedValue(name, value);
    writeRequestField(w, name, value);
  }
  const b = hr.body;
  const body: Buffer | string | undefined =
    b === undefined || b === null ? undefined
    : typeof b === 'string' || Buffer.isBuffer(b) ? b
    : b instanceof Uint8Array ? Buffer.from(b.buffer, b.byteOffset, b.byteLength)
    : JSON.stringify(b);
  writeFramedBody(w, alwaysFramed(method), body);
  return method;
}
