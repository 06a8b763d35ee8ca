// HEADERS for a client request. The header block comes from a PrebuiltHeaders cached per Request
// wire buffer (the HTTP/1 bytes a Request caches double as its "unchanged" token): static-table
// HPACK, valid on any connection, so a static request's header block is encoded once per process.
// When the connection's encoder owes the peer a table size update, the block is rebuilt with that
// update in front.
//
// A raw request (Request.setRaw: the engine's prepared requests) carries its method, target,
// headers and body only in its HTTP/1 bytes, so those bytes are read back (rawParts) into the
// field list and the body — once per Buffer, like the block itself.
import { ByteWriter } from '../../core/byte-writer.js';
import { FastbenchError } from '../../core/errors.js';
import { PrebuiltHeaders, writeHeaders } from '../../http2/frame-writer.js';
import { type HpackEncoder, encodeStatelessBlock } from '../../http2/hpack-encoder.js';
import type { Request } from '../request.js';

/** Header fields that are HTTP/1 connection-specific and must not travel in HTTP/2 (RFC 9113 8.2.2). */
const DROPPED_FIELDS = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host']);

/** A request made ready for HTTP/2: its header block as frames, its fields, and its body. */
export interface H2Request {
  readonly scheme: string;
  readonly frames: PrebuiltHeaders;
  readonly fields: [string, string][];
  /** DATA to send (null or empty: HEADERS ends the stream). */
  readonly body: Buffer | null;
}
/** Header blocks by the Request's cached HTTP/1 wire bytes (same Buffer = request unchanged). */
const PREBUILT = new WeakMap<Buffer, H2Request>();

function pushField(out: [string, string][], name: string, value: string): boolean {
  if (DROPPED_FIELDS.has(name)) return false;
  if (name === 'te' && value.trim().toLowerCase() !== 'trailers') return false;
  out.push([name, value]);
  return name === 'content-length';
}

/** The HTTP/2 field list of a request (pseudo-headers first, names lower-cased, HTTP/1-only fields dropped). */
export function requestFields(req: Request, scheme: string, defaultHost: string): [string, string][] {
  const authority = req.host !== '' ? req.host : defaultHost;
  const out: [string, string][] = [[':method', req.method], [':scheme', scheme], [':authority', authority], [':path', req.path]];
  const h = req.headers;
  let hasLength = false;
  for (let i = 0; i < h.length; i += 2) if (pushField(out, h[i]!.toLowerCase(), h[i + 1]!)) hasLength = true;
  const body = req.body;
  if (!hasLength && body !== null && (body.length > 0 || !(req.method === 'GET' || req.method === 'HEAD'))) out.push(['content-length', String(body.length)]);
  return out;
}

function badRaw(why: string): FastbenchError {
  return new FastbenchError('ERR_HTTP_INVALID_HEADER', `cannot send these raw HTTP/1.1 request bytes over HTTP/2: ${why}`);
}

/**
 * Fields and body of raw HTTP/1.1 request bytes (request line, header lines, Content-Length
 * body — what http/request-serializer.ts writes). The Host header becomes :authority.
 */
export function rawParts(wire: Buffer, scheme: string, defaultHost: string): { fields: [string, string][]; body: Buffer | null } {
  const headEnd = wire.indexOf('\r\n\r\n', 0, 'latin1');
  if (headEnd < 0) throw badRaw('no end of the header section');
  const lines = wire.toString('latin1', 0, headEnd).split('\r\n');
  const line = lines[0]!.split(' ');
  if (line.length !== 3) throw badRaw(`request line "${lines[0]!.slice(0, 80)}"`);
  const fields: [string, string][] = [[':method', line[0]!], [':scheme', scheme], [':authority', defaultHost], [':path', line[1]!]];
  let length = 0;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    const colon = l.indexOf(':');
    if (colon <= 0) throw badRaw(`header line "${l.slice(0, 80)}"`);
    const name = l.slice(0, colon).toLowerCase();
    const value = l.slice(colon + 1).trim();
    if (name === 'host') fields[2]![1] = value;
    else if (pushField(fields, name, value)) length = Number(value);
  }
  const start = headEnd + 4;
  if (!(length >= 0 && start + length <= wire.length)) throw badRaw(`content-length ${length} but ${wire.length - start} bytes of body`);
  return { fields, body: length > 0 ? wire.subarray(start, start + length) : null };
}

/** The request made ready for HTTP/2 (cached per wire Buffer). */
export function h2Request(req: Request, scheme: string, defaultHost: string): H2Request {
  const wire = req.prepare(defaultHost);
  let p = PREBUILT.get(wire);
  if (p === undefined || p.scheme !== scheme) {
    let fields: [string, string][];
    let body: Buffer | null;
    if (req.isRaw) {
      ({ fields, body } = rawParts(wire, scheme, defaultHost));
    } else {
      fields = requestFields(req, scheme, defaultHost);
      body = req.body;
    }
    p = { scheme, frames: PrebuiltHeaders.fromFields(fields), fields, body: body !== null && body.length > 0 ? body : null };
    PREBUILT.set(wire, p);
  }
  return p;
}

/** Appends the HEADERS (and CONTINUATIONs) of a prepared request for stream `id` to `w`. */
export function writeRequestHeaders(w: ByteWriter, encoder: HpackEncoder, p: H2Request, id: number, endStream: boolean, maxFrameSize: number): void {
  if (!encoder.pendingUpdate) {
    p.frames.writeTo(w, id, endStream);
  } else {
    const bw = new ByteWriter(p.frames.blockLength + 16);
    encoder.beginBlock(bw);
    encodeStatelessBlock(bw, p.fields);
    writeHeaders(w, id, bw.buf, 0, bw.len, endStream, maxFrameSize);
  }
}
