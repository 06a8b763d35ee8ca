// An HTTP/2 request head as the routes see it: the decoded (and already checked) field list split
// into pseudo-fields and fields — offsets into the decoder's store, no copies — with `host` taken
// from :authority when the client sent no Host (RFC 9113 8.3.1), the method and target as
// strings, and the declared content-length checked for what can be known before the body.
import { HeaderList } from '../../http/header-list.js';
import type { HeaderFields } from '../../http2/header-fields.js';
import type { H2Stream } from './stream.js';

const HOST_NAME = Buffer.from('host', 'latin1');
/** Methods interned (no string per request for these). */
const METHODS = ['GET', 'POST', 'PUT', 'HEAD', 'DELETE', 'PATCH', 'OPTIONS'];

function methodOf(f: HeaderFields, i: number): string {
  if (i < 0) return 'GET';
  for (let k = 0; k < METHODS.length; k++) {
    const m = METHODS[k]!;
    if (f.pos[i * 4 + 3]! - f.pos[i * 4 + 2]! === m.length) {
      let j = 0;
      const at = f.pos[i * 4 + 2]!;
      while (j < m.length && f.data[at + j] === m.charCodeAt(j)) j++;
      if (j === m.length) return m;
    }
  }
  return f.value(i);
}

/**
 * Fills `s.req` (method, target), `s.pseudo` and `s.fields` (the given shared lists, reset here)
 * and `s.declaredLength` from a decoded head (already checked by checkRequestFields). False when
 * the request is malformed in a way only a server judges (the caller resets the stream with
 * PROTOCOL_ERROR, RFC 9113 8.1.1):
 *   - content-length not a number, different between fields, or non-zero on a request that ends
 *     with its head (8.1.1);
 *   - :protocol — we never send SETTINGS_ENABLE_CONNECT_PROTOCOL, so it is an unknown
 *     pseudo-header here (RFC 8441 4, RFC 9113 8.3);
 *   - :authority with userinfo (8.3.1: MUST NOT for http/https), or a Host that names another
 *     authority than :authority (8.3.1: SHOULD treat as malformed);
 *   - an http/https :path that is not an absolute path, other than `*` for OPTIONS (8.3.1);
 *   - an empty :method or :scheme.
 */
export function readRequestHead(f: HeaderFields, s: H2Stream, pseudo: HeaderList, list: HeaderList, endStream: boolean): boolean {
  pseudo.reset();
  list.reset();
  s.pseudo = pseudo;
  s.fields = list;
  let host = -1;
  let authority = -1;
  let path = -1;
  let method = -1;
  let scheme = -1;
  const pos = f.pos;
  const d = f.data;
  for (let i = 0; i < f.count; i++) {
    const p = i * 4;
    const ns = pos[p]!;
    const ne = pos[p + 1]!;
    if (d[ns] === 0x3a) {
      pseudo.push(ns, ne, pos[p + 2]!, pos[p + 3]!);
      if (f.nameIs(i, ':authority')) authority = i;
      else if (f.nameIs(i, ':path')) path = i;
      else if (f.nameIs(i, ':method')) method = i;
      else if (f.nameIs(i, ':scheme')) scheme = i;
      else return false; // :protocol (the only other one checkRequestFields lets through)
      continue;
    }
    if (ne - ns === 4 && f.nameIs(i, 'host')) host = i;
    if (ne - ns === 14 && f.nameIs(i, 'content-length')) {
      const n = f.valueInt(i);
      if (n < 0 || (s.declaredLength >= 0 && n !== s.declaredLength) || (endStream && n > 0)) return false;
      s.declaredLength = n;
    }
    list.push(ns, ne, pos[p + 2]!, pos[p + 3]!);
  }
  // an empty :method or :scheme is no method or scheme at all
  if ((method >= 0 && pos[method * 4 + 3] === pos[method * 4 + 2]) || (scheme >= 0 && pos[scheme * 4 + 3] === pos[scheme * 4 + 2])) return false;
  if (authority >= 0) {
    const as = pos[authority * 4 + 2]!;
    const ae = pos[authority * 4 + 3]!;
    for (let k = as; k < ae; k++) if (d[k] === 0x40) return false; // '@': userinfo
    if (host >= 0 && !sameAscii(d, as, ae, pos[host * 4 + 2]!, pos[host * 4 + 3]!)) return false;
  }
  if (path >= 0 && scheme >= 0 && isHttpScheme(f, scheme)) {
    const ps = pos[path * 4 + 2]!;
    const first = d[ps];
    if (first !== 0x2f && !(first === 0x2a && pos[path * 4 + 3]! - ps === 1 && method >= 0 && f.value(method) === 'OPTIONS')) return false;
  }
  if (host < 0 && authority >= 0) {
    // Routes read Host: over HTTP/2 it is :authority.
    f.ensureBytes(4);
    const at = f.len;
    HOST_NAME.copy(f.data, at);
    f.len += 4;
    list.push(at, at + 4, f.pos[authority * 4 + 2]!, f.pos[authority * 4 + 3]!);
  }
  pseudo.buf = f.data;
  list.buf = f.data;
  const req = s.req;
  req.method = methodOf(f, method);
  req.target = path >= 0 ? f.value(path) : authority >= 0 ? f.value(authority) : '/';
  s.isHead = req.method === 'HEAD';
  return true;
}

/** ASCII case-insensitive equality of d[as, ae) and d[bs, be). */
function sameAscii(d: Buffer, as: number, ae: number, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let k = 0; k < ae - as; k++) if ((d[as + k]! | 0x20) !== (d[bs + k]! | 0x20)) return false;
  return true;
}

/** :scheme is http or https (the schemes whose :path rules RFC 9113 8.3.1 states). */
function isHttpScheme(f: HeaderFields, i: number): boolean {
  const at = f.pos[i * 4 + 2]!;
  const n = f.pos[i * 4 + 3]! - at;
  const d = f.data;
  if ((n !== 4 && n !== 5) || d[at] !== 0x68 || d[at + 1] !== 0x74 || d[at + 2] !== 0x74 || d[at + 3] !== 0x70) return false;
  return n === 4 || d[at + 4] === 0x73;
}

/** The same offsets over `buf` (a stream's own copy of its head, when a body follows). */
export function copyList(from: HeaderList, buf: Buffer): HeaderList {
  const to = new HeaderList(Math.max(1, from.count));
  const o = from.offsets;
  for (let i = 0; i < from.count; i++) to.push(o[i * 4]!, o[i * 4 + 1]!, o[i * 4 + 2]!, o[i * 4 + 3]!);
  to.buf = buf;
  return to;
}
