// Header fields held as offsets into the bytes they arrived in: no string is made until asked.
import { equalsLower } from './chars.js';

const EMPTY = Buffer.alloc(0);

// Common field names, in their usual case and in lower case: name(i) returns these interned
// strings instead of making a new one when the bytes match exactly.
const COMMON_NAMES = [
  'Host', 'User-Agent', 'Accept', 'Accept-Encoding', 'Accept-Language', 'Accept-Ranges', 'Age',
  'Authorization', 'Cache-Control', 'Connection', 'Content-Encoding', 'Content-Length',
  'Content-Type', 'Cookie', 'Date', 'ETag', 'Expires', 'Keep-Alive', 'Last-Modified', 'Link',
  'Location', 'Origin', 'Pragma', 'Referer', 'Server', 'Set-Cookie', 'Transfer-Encoding',
  'Upgrade', 'Vary', 'Via', 'X-Request-Id', 'X-Powered-By', 'X-Frame-Options',
  'X-Content-Type-Options', 'Strict-Transport-Security', 'Access-Control-Allow-Origin', 'Trailer',
  'Expect', 'If-None-Match', 'If-Modified-Since', 'Range', 'Content-Range', 'Retry-After',
];
const INTERNED: { bytes: Buffer; str: string }[][] = [];
for (const n of [...COMMON_NAMES, ...COMMON_NAMES.map((x) => x.toLowerCase())]) {
  (INTERNED[n.length] ??= []).push({ bytes: Buffer.from(n, 'latin1'), str: n });
}

function internedName(buf: Buffer, start: number, end: number): string | undefined {
  const list = INTERNED[end - start];
  if (list === undefined) return undefined;
  for (let k = 0; k < list.length; k++) {
    const b = list[k]!.bytes;
    let i = 0;
    while (i < b.length && buf[start + i] === b[i]) i++;
    if (i === b.length) return list[k]!.str;
  }
  return undefined;
}

/**
 * An ordered list of fields, each four int32 offsets into `buf`:
 * name start, name end, value start, value end (value already trimmed of OWS).
 * Offsets stay valid as long as `buf` holds the bytes (see MessageHead.own()).
 */
export class HeaderList {
  buf: Buffer = EMPTY;
  count = 0;
  offsets: Int32Array;

  constructor(capacity = 32) {
    this.offsets = new Int32Array(capacity * 4);
  }

  reset(): void {
    this.count = 0;
    this.buf = EMPTY;
  }

  push(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    let o = this.offsets;
    const i = this.count * 4;
    if (i + 4 > o.length) {
      const grown = new Int32Array(o.length * 2);
      grown.set(o);
      this.offsets = o = grown;
    }
    o[i] = nameStart;
    o[i + 1] = nameEnd;
    o[i + 2] = valueStart;
    o[i + 3] = valueEnd;
    this.count++;
  }

  /** The field name as it was on the wire (original case). */
  name(i: number): string {
    const o = this.offsets;
    const s = o[i * 4]!;
    const e = o[i * 4 + 1]!;
    return internedName(this.buf, s, e) ?? this.buf.toString('latin1', s, e);
  }

  /** The field value as latin1 text (field values are octets; obs-text maps 1:1). */
  value(i: number): string {
    const o = this.offsets;
    return this.buf.toString('latin1', o[i * 4 + 2]!, o[i * 4 + 3]!);
  }

  /** The field value's bytes, as a view (no copy): valid while `buf` is. */
  valueBytes(i: number): Buffer {
    const o = this.offsets;
    return this.buf.subarray(o[i * 4 + 2]!, o[i * 4 + 3]!);
  }

  /** Case-insensitive name test against lower-case bytes, without allocating. */
  nameIs(i: number, lower: Uint8Array): boolean {
    const o = this.offsets;
    return equalsLower(this.buf, o[i * 4]!, o[i * 4 + 1]!, lower);
  }

  /** Index of the first field with this name (any case), or -1. */
  indexOf(name: string | Uint8Array, from = 0): number {
    const lower = typeof name === 'string' ? Buffer.from(name.toLowerCase(), 'latin1') : name;
    for (let i = from; i < this.count; i++) if (this.nameIs(i, lower)) return i;
    return -1;
  }

  /** The first value of the named field, or undefined. */
  get(name: string): string | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.value(i);
  }

  /** All values of the named field, in order. */
  getAll(name: string): string[] {
    const lower = Buffer.from(name.toLowerCase(), 'latin1');
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) if (this.nameIs(i, lower)) out.push(this.value(i));
    return out;
  }

  /** [name, value] pairs in wire order and wire case. */
  toArray(): [string, string][] {
    const out: [string, string][] = new Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = [this.name(i), this.value(i)];
    return out;
  }
}
