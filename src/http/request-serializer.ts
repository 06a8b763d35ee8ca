// Request serialization: the parts that never change (request line, Host, fixed headers) are
// built once; sending the same request again reuses the same bytes.
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

export class RequestSerializer {
  readonly method: string;
  readonly target: string;
  /** "METHOD target HTTP/1.1\r\nHost: h\r\n<fixed headers>" — no framing, no final CRLF. */
  readonly prefix: Buffer;
  /** Whether the fixed headers set their own framing (Content-Length / Transfer-Encoding). */
  readonly framedByHeaders: boolean;
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
    const pairs = toFieldPairs(spec.headers);
    const w = new ByteWriter(256);
    w.latin1(method);
    w.byte(0x20);
    w.latin1(target);
    w.latin1(spec.version === '1.0' ? ' HTTP/1.0\r\n' : ' HTTP/1.1\r\n');
    if (!hasField(pairs, 'host')) {
      if (spec.host !== undefined) {
        checkFieldValue('Host', spec.host);
        w.latin1('Host: ');
        w.latin1(spec.host);
        w.crlf();
      } else if (spec.version !== '1.0') {
        throw new HttpCodecError('ERR_HTTP_INVALID_HEADER', 0, 'an HTTP/1.1 request needs a Host');
      }
    }
    for (const [n, v] of pairs) {
      w.field(n, v);
    }
    this.method = method;
    this.target = target;
    this.prefix = w.toBuffer();
    this.framedByHeaders = hasField(pairs, 'content-length') || hasField(pairs, 'transfer-encoding');
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
        w.field(n, v);
      }
    }
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    if (!this.framedByHeaders) {
      const n = bytes ? bytes.length : 0;
      if (n > 0 || this.alwaysLength) {
        w.latin1('Content-Length: ');
        w.decimal(n);
        w.crlf();
      }
    }
    w.crlf();
    if (bytes && bytes.length > 0) w.bytes(bytes);
  }
}

/** One-shot convenience: the bytes of one request. */
export function serializeRequest(spec: RequestSpec & { body?: Uint8Array | string | null }): Buffer {
  return new RequestSerializer(spec).prepare(spec.body);
}
