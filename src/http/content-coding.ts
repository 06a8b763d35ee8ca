// Content codings (RFC 9110 8.4): what a client offers in Accept-Encoding and how a response body
// in one of them is decoded. gzip, deflate (zlib-wrapped, and the raw form some servers send) and
// br everywhere; zstd only where the running Node's zlib has it (Node 22.15+ / 23.8+), so the
// offer never names a coding we could not decode. Decoding is synchronous and bounded by the
// caller's size cap (a decompression bomb fails with ERR_CONTENT_DECODE, it never fills memory).
// Nothing here runs unless a caller asked for compression and needs the body.
import * as zlib from 'node:zlib';
import { FastbenchError } from '../core/errors.js';

type SyncDecoder = (buf: Buffer, options: { maxOutputLength: number }) => Buffer;

const zstdDecode = (zlib as unknown as { zstdDecompressSync?: SyncDecoder }).zstdDecompressSync;

/** Codings this Node can decode, in our order of preference. */
export const SUPPORTED_CODINGS: readonly string[] = ['gzip', 'deflate', 'br', ...(typeof zstdDecode === 'function' ? ['zstd'] : [])];

/** The Accept-Encoding value a `compressed` request sends ("gzip, deflate, br" [+ ", zstd"]). */
export const ACCEPT_ENCODING = SUPPORTED_CODINGS.join(', ');

/** Result of one decode: the body and what it cost. */
export interface DecodedBody {
  /** The decoded body (the input itself for identity). */
  readonly body: Buffer;
  /** Coding names applied, outermost last as in the header ("" for identity). */
  readonly coding: string;
  /** CPU (wall) time of the decode on this thread, ms. */
  readonly ms: number;
}

function decodeOne(coding: string, buf: Buffer, maxOutputLength: number): Buffer {
  const o = { maxOutputLength };
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(buf, o);
    case 'deflate':
      // RFC 9110 says zlib-wrapped; some servers send raw deflate. The first byte tells them apart.
      return buf.length > 0 && (buf[0]! & 0x0f) === 8 && ((buf[0]! << 8) | (buf[1] ?? 0)) % 31 === 0
        ? zlib.inflateSync(buf, o)
        : zlib.inflateRawSync(buf, o);
    case 'br':
      return zlib.brotliDecompressSync(buf, o);
    case 'zstd':
      if (zstdDecode !== undefined) return zstdDecode(buf, o);
      break;
    case 'identity':
    case '':
      return buf;
  }
  throw new FastbenchError('ERR_CONTENT_DECODE', `cannot decode Content-Encoding "${coding}" (this Node decodes ${SUPPORTED_CODINGS.join(', ')})`);
}

/**
 * Decodes `body` per a Content-Encoding header value (codings applied in order, so decoded in
 * reverse). `contentEncoding` undefined or "identity": the body as is, no copy, 0 ms. The result
 * may not exceed `maxBytes`. Throws ERR_CONTENT_DECODE on corrupt data, an unknown coding or an
 * oversized result.
 */
export function decodeBody(body: Buffer, contentEncoding: string | undefined, maxBytes: number): DecodedBody {
  if (contentEncoding === undefined) return { body, coding: '', ms: 0 };
  const codings = contentEncoding.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return { body, coding: '', ms: 0 };
  const t0 = performance.now();
  let out = body;
  for (let i = codings.length - 1; i >= 0; i--) {
    try {
      out = decodeOne(codings[i]!, out, maxBytes);
    } catch (e) {
      if (e instanceof FastbenchError) throw e;
      const tooLarge = (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || /too large|maxOutputLength/i.test((e as Error).message);
      throw new FastbenchError(
        'ERR_CONTENT_DECODE',
        tooLarge
          ? `the ${codings[i]} body decodes to more than ${maxBytes} bytes (the response body size limit)`
          : `the ${codings[i]} body is corrupt: ${(e as Error).message}`,
      );
    }
  }
  return { body: out, coding: codings.join(', '), ms: performance.now() - t0 };
}

/**
 * The coding a server picks for an Accept-Encoding value among `offered` (in the server's order of
 * preference): the first with a q-value above 0, or undefined for identity. "*" matches any.
 */
export function negotiateCoding(acceptEncoding: string | undefined, offered: readonly string[]): string | undefined {
  if (acceptEncoding === undefined || acceptEncoding === '') return undefined;
  const q = new Map<string, number>();
  for (const item of acceptEncoding.split(',')) {
    const [rawName, ...params] = item.split(';');
    const name = rawName!.trim().toLowerCase();
    if (name === '') continue;
    let weight = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m !== null) weight = Number(m[1]);
    }
    q.set(name, Number.isFinite(weight) ? weight : 0);
  }
  for (const coding of offered) {
    const w = q.get(coding) ?? q.get('*');
    if (w !== undefined && w > 0) return coding;
  }
  return undefined;
}
