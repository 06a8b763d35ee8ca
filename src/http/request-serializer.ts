// Request serialization: the parts that never change (request line, Host, fixed headers) are
// built once; sending the same request again reuses the same bytes.
//
// Framing has ONE rule, here, for every sender (the client's Request, the engine's prepared and
// templated requests, `fastbench request`): the body we are given is framed by a Content-Length
// we compute from it (sent when the body is not empty, and always for POST/PUT/PATCH). A caller's
// own Content-Length or Transfer-Encoding field is never sent as given: it is replaced by the
// framing the body needs (a wrong one would desynchronise the connection, two would be a request
// smuggling vector). Front ends that can check earlier (scenario validation, CLI flags) refuse
// a framing field that contradicts a known body: see framingConflict().
import { ByteWriter } from '../core/byte-writer.js';
import { TARGET, TOKEN } from './chars.js';
import { HttpCodecError } from './codec-error.js';
import { type HeaderInput, checkFieldName, checkFieldValue, hasField, toFieldPairs } from './field-check.js';

export interface RequestSpec {
  method?: string;
  /** origin-form path and query ("/a?b=1"), or absolute-form for proxies. */
  target: string;
  /** Host header value; omitted only when headers carry one or version is 1.0. */
  host?: string;
  headers?: HeaderInput;
  /** '1.1' (default) or '1.0'. */
  version?: '1.1' | '1.0';
}

/** Methods whose requests carry a Content-Length even when the body is empty. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Does a request with this method carry a Content-Length even when its body is empty? */
export function alwaysFramed(method: string): boolean {
  return BODY_METHODS.has(method);
}

/** Content-Length or Transfer-Encoding (any case): the fields the serializer writes itself. */
export function isFramingField(name: string): boolean {
  const n = name.length;
  if (n !== 14 && n !== 17) return false;
  const l = name.toLowerCase();
  return l === 'content-length' || l === 'transfer-encoding';
}

/** The header pairs without the caller's framing fields (they are replaced, never sent as given). */
export function withoutFraming<T extends readonly [string, unknown]>(pairs: readonly T[]): T[] {
  return pairs.filter(([n]) => !isFramingField(n));
}

/**
 * Why a caller's framing field contradicts a body known in advance (undefined: no conflict).
 * `bodyLength` undefined: the body is rendered per send (only Transfer-Encoding can be judged).
 * Transfer-Encoding is refused outright: bodies are sent whole, framed by Content-Length.
 */
export function framingConflict(name: string, value: string, bodyLength: number | undefined, method: string): string | undefined {
  const l = name.toLowerCase();
  if (l === 'transfer-encoding') {
    return `a Transfer-Encoding header cannot be sent: bodies are sent whole with a computed Content-Length (remove the header)`;
  }
  if (l !== 'content-length' || bodyLength === undefined) return undefined;
  const v = value.trim();
  const expected = bodyLength > 0 || BODY_METHODS.has(method) ? String(bodyLength) : '0';
  if (v !== expected) {
    return `Content-Length: ${value} contradicts the body, which is ${bodyLength} byte${bodyLength === 1 ? '' : 's'} (remove the header: the length is computed)`;
  }
  return undefined;
}

/**
 * Writes the framing for this body, the blank line ending the head, and the body: THE one place
 * a request's Content-Length is decided.
 */
export function writeFramedBody(w: ByteWriter, alwaysLength: boolean, body: Uint8Array | string | null | undefined): void {
  const n = body === null || body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  if (n > 0 || alwaysLength) {
    w.latin1('Content-Length: ');
    w.decimal(n);
    w.crlf();
  }
  w.crlf();
  if (n > 0) {
    if (typeof body === 'string') w.utf8(body);
    else w.bytes(body!);
  }
}

/** `METHOD target HTTP/1.x\r\n`: THE request line (method and target checked by the caller). */
export function writeRequestLine(w: ByteWriter, method: string, target: string, version?: '1.0' | '1.1'): void {
  w.latin1(method);
  w.byte(0x20);
  w.latin1(target);
  w.latin1(version === '1.0' ? ' HTTP/1.0\r\n' : ' HTTP/1.1\r\n');
}

/**
 * One request header line. THE rule for values: a JS string is sent as UTF-8 (what the user
 * typed in a scenario or an -H flag), whether the request is prepared once or rendered per send.
 */
export function writeRequestField(w: ByteWriter, name: string, value: string): void {
  w.latin1(name);
  w.byte(0x3a);
  w.byte(0x20);
  w.text(value);
  w.crlf();
}

export class RequestSerializer {
  readonly method: string;
  readonly target: string;
  /** "METHOD target HTTP/1.1\r\nHost: h\r\n<fixed headers>" — no framing, no final CRLF. */
  readonly prefix: Buffer;
  private readonly alwaysLength: boolean;

  constructor(spec: RequestSpec) {
    const method = spec.method ?? 'GET';
    if (method.length === 0) throw new HttpCodecError('ERR_HTTP_INVALID_HEADER', 0, 'empty method');
    for (let i = 0; i < method.length; i++) {
      if (TOKEN[method.charCodeAt(i)] !== 1) throw new HttpCodecError('ERR_HTTP_INVALID_HEADER', i, `invalid method ${JSON.stringify(method)}`);
    }
    const target = spec.target;
    if (target.length === 0) throw new HttpCodecError('ERR_HTTP_INVALID_HEADER', 0, 'empty request target');
    for (let i = 0; i < target.length; i++) {
      const c = target.charCodeAt(i);
      if (c > 0xff || TARGET[c] !== 1) throw new HttpCodecError('ERR_HTTP_INVALID_HEADER', i, `invalid character in request target ${JSON.stringify(target)}`);
    }
    const pairs = withoutFraming(toFieldPairs(spec.headers));
    const w = new ByteWriter(256);
    writeRequestLine(w, method, target, spec.version);
    if (!hasField(pairs, 'host')) {
      if (spec.host !== undefined) {
        checkFieldValue('Host', spec.host);
        writeRequestField(w, 'Host', spec.host);
      } else if (spec.version !== '1.0') {
        throw new HttpCodecError('ERR_HTTP_INVALID_HEADER', 0, 'an HTTP/1.1 request needs a Host');
      }
    }
    for (const [n, v] of pairs) writeRequestField(w, n, v);
    this.method = method;
    this.target = target;
    this.prefix = w.toBuffer();
    this.alwaysLength = BODY_METHODS.has(method);
  }

  /**
   * Builds the complete request with this body once. Send the returned Buffer as often as you
   * like: nothing is allocated per send.
   */
  prepare(body?: Uint8Array | string | null): Buffer {
    const w = new ByteWriter(this.prefix.length + 64 + (body ? body.length * 3 : 0));
    this.write(w, undefined, body);
    return w.toBuffer();
  }

  /**
   * Writes the request into w: prefix, the extra (per-request) headers as a flat
   * [name, value, name, value...] list, framing, and the body. Extra headers are checked.
   */
  write(w: ByteWriter, extra?: readonly string[], body?: Uint8Array | string | null): void {
    w.bytes(this.prefix);
    if (extra !== undefined) {
      for (let i = 0; i + 1 < extra.length; i += 2) {
        const n = extra[i]!;
        const v = extra[i + 1]!;
        checkFieldName(n);
        checkFieldValue(n, v);
        if (isFramingField(n)) continue;
        writeRequestField(w, n, v);
      }
    }
    writeFramedBody(w, this.alwaysLength, body);
  }
}

/** One-shot convenience: the bytes of one request. */
export function serializeRequest(spec: RequestSpec & { body?: Uint8Array | string | null }): Buffer {
  return new RequestSerializer(spec).prepare(spec.body);
}
