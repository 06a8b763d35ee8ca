// HEADERS for a client request. The header block comes from a PrebuiltHeaders cached per Request
// wire buffer (the HTTP/1 bytes a Request caches double as its "unchanged" token): static-table
// HPACK, valid on any connection, so a static request's header block is encoded once per process.
// When the connection's encoder owes the peer a table size update, the block is rebuilt with that
// update in front.
import { ByteWriter } from '../../core/byte-writer.js';
import { PrebuiltHeaders, writeHeaders } from '../../http2/frame-writer.js';
import { type HpackEncoder, encodeStatelessBlock } from '../../http2/hpack-encoder.js';
import type { Request } from '../request.js';

/** Header fields that are HTTP/1 connection-specific and must not travel in HTTP/2 (RFC 9113 8.2.2). */
const DROPPED_FIELDS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

interface Prebuilt {
  readonly scheme: string;
  readonly frames: PrebuiltHeaders;
  readonly fields: [string, string][];
}
/** Header blocks by the Request's cached HTTP/1 wire bytes (same Buffer = request unchanged). */
const PREBUILT = new WeakMap<Buffer, Prebuilt>();

/** The HTTP/2 field list of a request (pseudo-headers first, names lower-cased, HTTP/1-only fields dropped). */
export function requestFields(req: Request, scheme: string, defaultHost: string): [string, string][] {
  const authority = req.host !== '' ? req.host : defaultHost;
  const out: [string, string][] = [[':method', req.method], [':scheme', scheme], [':authority', authority], [':path', req.path]];
  const h = req.headers;
  let hasLength = false;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i]!.toLowerCase();
    const value = h[i + 1]!;
    if (DROPPED_FIELDS.has(name)) continue;
    if (name === 'te' && value.trim().toLowerCase() !== 'trailers') continue;
    if (name === 'content-length') hasLength = true;
    out.push([name, value]);
  }
  const body = req.body;
  if (!hasLength && body !== null && (body.length > 0 || !(req.method === 'GET' || req.method === 'HEAD'))) out.push(['content-length', String(body.length)]);
  return out;
}

function prebuiltFor(req: Request, wire: Buffer, scheme: string, defaultHost: string): Prebuilt {
  let p = PREBUILT.get(wire);
  if (p === undefined || p.scheme !== scheme) {
    const fields = requestFields(req, scheme, defaultHost);
    p = { scheme, frames: PrebuiltHeaders.fromFields(fields), fields };
    PREBUILT.set(wire, p);
  }
  return p;
}

/** Appends the request's HEADERS (and CONTINUATIONs) for stream `id` to `w`. */
export function writeRequestHeaders(w: ByteWriter, encoder: HpackEncoder, req: Request, id: number, endStream: boolean, scheme: string, hostHeader: string, maxFrameSize: number): void {
  const wire = req.prepare(hostHeader);
  const p = prebuiltFor(req, wire, scheme, hostHeader);
  if (!encoder.pendingUpdate) {
    p.frames.writeTo(w, id, endStream);
  } else {
    const bw = new ByteWriter(p.frames.blockLength + 16);
    encoder.beginBlock(bw);
    encodeStatelessBlock(bw, p.fields);
    writeHeaders(w, id, bw.buf, 0, bw.len, endStream, maxFrameSize);
  }
}
