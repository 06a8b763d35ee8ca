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
 * and `s.declaredLength` from a decoded head. False when its content-length is malformed, differs
 * between fields, or is non-zero on a request that ends with its head (the caller resets).
 */
export function readRequestHead(f: HeaderFields, s: H2Stream, pseudo: HeaderList, list: HeaderList, endStream: boolean): boolean {
  pseudo.reset();
  list.reset();
  s.pseudo = pseudo;
  s.fields = list;
  let hasHost = false;
  let authority = -1;
  let path = -1;
  let method = -1;
  for (let i = 0; i < f.count; i++) {
    const p = i * 4;
    const ns = f.pos[p]!;
    const ne = f.pos[p + 1]!;
    if (f.data[ns] === 0x3a) {
      pseudo.push(ns, ne, f.pos[p + 2]!, f.pos[p + 3]!);
      if (f.nameIs(i, ':authority')) authority = i;
      else if (f.nameIs(i, ':path')) path = i;
      else if (f.nameIs(i, ':method')) method = i;
      continue;
    }
    if (ne - ns === 4 && f.nameIs(i, 'host')) hasHost = true;
    if (ne - ns === 14 && f.nameIs(i, 'content-length')) {
      const n = f.valueInt(i);
      if (n < 0 || (s.declaredLength >= 0 && n !== s.declaredLength) || (endStream && n > 0)) return false;
      s.declaredLength = n;
    }
    list.push(ns, ne, f.pos[p + 2]!, f.pos[p + 3]!);
  }
  if (!hasHost && authority >= 0) {
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

/** The same offsets over `buf` (a stream's own copy of its head, when a body follows). */
export function copyList(from: HeaderList, buf: Buffer): HeaderList {
  const to = new HeaderList(Math.max(1, from.count));
  const o = from.offsets;
  for (let i = 0; i < from.count; i++) to.push(o[i * 4]!, o[i * 4 + 1]!, o[i * 4 + 2]!, o[i * 4 + 3]!);
  to.buf = buf;
  return to;
}
