// Chunked transfer coding for what we send (RFC 9112 7.1).
import type { ByteWriter } from '../core/byte-writer.js';
import { checkFieldName, checkFieldValue } from './field-check.js';

/** Writes one chunk (size line, data, CRLF). Empty data writes nothing: that would end the body. */
export function writeChunk(w: ByteWriter, data: Uint8Array, start = 0, end = data.length): void {
  const n = end - start;
  if (n === 0) return;
  w.hex(n);
  w.crlf();
  w.bytes(data, start, end);
  w.crlf();
}

/** Writes the last chunk and the trailer section. */
export function writeLastChunk(w: ByteWriter, trailers?: readonly (readonly [string, string])[]): void {
  w.byte(0x30);
  w.crlf();
  if (trailers !== undefined) {
    for (const [n, v] of trailers) {
      checkFieldName(n);
      checkFieldValue(n, v);
      w.field(n, v);
    }
  }
  w.crlf();
}
