// HPACK encoder (RFC 7541) writing into a ByteWriter: static and dynamic table lookups, Huffman when
// it is shorter, table size updates at the start of the next block, and an indexing policy —
// volatile fields (dates, lengths, ids) are sent without indexing so they do not churn the table,
// credentials are sent never-indexed (RFC 7541 7.1.3) and long values are not indexed.
//
// encodeStatelessBlock() encodes with the static table only, never touching any dynamic table:
// that block is valid on every connection and for every stream, so a static request's header
// block is encoded once and reused (see PrebuiltHeaders in frame-writer.ts).
import type { ByteWriter } from '../core/byte-writer.js';
import { DEFAULT_HEADER_TABLE_SIZE } from './constants.js';
import { ENTRY_OVERHEAD } from './hpack-decoder.js';
import { STATIC_NAME_INDEX, STATIC_PAIR_INDEX, STATIC_TABLE_LENGTH } from './hpack-static-table.js';
import { huffmanEncode, huffmanEncodedLength } from './huffman.js';

/** How one field is represented. */
export const IndexMode = {
  /** Let the policy decide (the default). */
  AUTO: 0,
  /** Literal with incremental indexing (6.2.1). */
  INDEX: 1,
  /** Literal without indexing (6.2.2). */
  NO_INDEX: 2,
  /** Literal never indexed (6.2.3): intermediaries must not index it either. */
  NEVER_INDEX: 3,
} as const;

/** Fields whose values change from message to message: indexing them only churns the table. */
export const VOLATILE_FIELDS: ReadonlySet<string> = new Set([
  'content-length', 'date', 'etag', 'last-modified', 'if-modified-since', 'if-none-match', 'age', 'expires',
  'x-request-id', 'x-correlation-id', 'traceparent', 'tracestate', 'x-amzn-trace-id', 'sentry-trace', 'content-range', 'range',
]);

/** Credentials: never indexed (RFC 7541 7.1.3). */
export const SENSITIVE_FIELDS: ReadonlySet<string> = new Set(['authorization', 'proxy-authorization']);

export interface HpackEncoderOptions {
  /** The largest dynamic table we are willing to use (capped by the peer's setting). Default 4096. */
  maxTableSize?: number;
  /** Huffman-code strings when that is shorter (default true). */
  huffman?: boolean;
}

/** Writes an RFC 7541 5.1 integer with an N-bit prefix; `first` holds the representation bits. */
export function writeHpackInt(w: ByteWriter, prefixBits: number, first: number, value: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    w.byte(first | value);
    return;
  }
  w.ensure(6);
  const b = w.buf;
  let p = w.len;
  b[p++] = first | max;
  value -= max;
  while (value >= 128) {
    b[p++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  b[p++] = value;
  w.len = p;
}

/** Writes a string literal (5.2), Huffman-coded when allowed and no longer than the raw form. */
export function writeHpackString(w: ByteWriter, s: string, huffman: boolean): void {
  if (huffman && s.length > 0) {
    const n = huffmanEncodedLength(s);
    if (n <= s.length) {
      writeHpackInt(w, 7, 0x80, n);
      w.ensure(n);
      w.len = huffmanEncode(s, w.buf, w.len);
      return;
    }
  }
  writeHpackInt(w, 7, 0, s.length);
  w.latin1(s);
}

function lowerName(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return name.toLowerCase();
  }
  return name;
}

/**
 * Encodes fields with the static table only and literals without indexing: the block leaves any
 * dynamic table untouched, so it is valid on every connection, in any order, any number of times.
 */
export function encodeStatelessBlock(w: ByteWriter, fields: ReadonlyArray<readonly [string, string]>, huffman = true): void {
  for (const [rawName, value] of fields) {
    const name = lowerName(rawName);
    const pair = STATIC_PAIR_INDEX.get(name + '\0' + value);
    if (pair !== undefined) {
      writeHpackInt(w, 7, 0x80, pair);
      continue;
    }
    const nameIndex = STATIC_NAME_INDEX.get(name) ?? 0;
    writeHpackInt(w, 4, SENSITIVE_FIELDS.has(name) ? 0x10 : 0x00, nameIndex);
    if (nameIndex === 0) writeHpackString(w, name, huffman);
    writeHpackString(w, value, huffman);
  }
}

export class HpackEncoder {
  private names: string[] = [];
  private values: string[] = [];
  /** Absolute insertion number of the oldest live entry (1-based) and of the newest. */
  private oldest = 1;
  private inserted = 0;
  private pairIndex = new Map<string, number>();
  private nameIndex = new Map<string, number>();
  tableSize = 0;
  /** Our cap and the limit in force (min of our cap and the peer's SETTINGS_HEADER_TABLE_SIZE). */
  private readonly cap: number;
  private limit: number;
  /** Size updates owed to the peer: the smallest limit since the last block, then the final one. */
  private pendingMin = -1;
  private pendingFinal = -1;
  huffman: boolean;

  constructor(opts: HpackEncoderOptions = {}) {
    this.cap = opts.maxTableSize ?? DEFAULT_HEADER_TABLE_SIZE;
    // Until the peer's SETTINGS arrive the table is the protocol default of 4096 (RFC 9113 6.5.2).
    this.limit = Math.min(this.cap, DEFAULT_HEADER_TABLE_SIZE);
    if (this.limit !== DEFAULT_HEADER_TABLE_SIZE) this.pendingMin = this.pendingFinal = this.limit;
    this.huffman = opts.huffman ?? true;
  }

  /** Number of live dynamic entries. */
  get dynamicCount(): number {
    return this.inserted - this.oldest + 1;
  }

  get dynamicLimit(): number {
    return this.limit;
  }

  /**
   * True while the encoder owes the peer a table size update: the next block on the connection
   * must come from beginBlock() (a prebuilt stateless block would lack the update the peer's
   * decoder requires — send that request through the encoder once).
   */
  get pendingUpdate(): boolean {
    return this.pendingFinal >= 0;
  }

  /** The peer's SETTINGS_HEADER_TABLE_SIZE arrived: use min(it, our cap) from the next block on. */
  setPeerMaxTableSize(n: number): void {
    const next = Math.min(n, this.cap);
    if (next === this.limit && this.pendingFinal < 0) return;
    this.limit = next;
    this.evictTo(next);
    if (this.pendingMin < 0 || next < this.pendingMin) this.pendingMin = next;
    this.pendingFinal = next;
  }

  /** Starts a header block: emits owed table size updates (they must come first, RFC 7541 4.2). */
  beginBlock(w: ByteWriter): void {
    if (this.pendingFinal < 0) return;
    if (this.pendingMin < this.pendingFinal) writeHpackInt(w, 5, 0x20, this.pendingMin);
    writeHpackInt(w, 5, 0x20, this.pendingFinal);
    this.pendingMin = this.pendingFinal = -1;
  }

  /** Encodes a whole list: beginBlock + field() for each pair. */
  encode(w: ByteWriter, fields: ReadonlyArray<readonly [string, string]>): void {
    this.beginBlock(w);
    for (const [n, v] of fields) this.field(w, n, v);
  }

  /** Encodes one field (call beginBlock first in each block). Names are lower-cased if needed. */
  field(w: ByteWriter, rawName: string, value: string, mode: number = IndexMode.AUTO): void {
    const name = lowerName(rawName);
    if (mode === IndexMode.AUTO) mode = this.policy(name, value);
    const key = name + '\0' + value;
    if (mode !== IndexMode.NEVER_INDEX) {
      const sp = STATIC_PAIR_INDEX.get(key);
      if (sp !== undefined) {
        writeHpackInt(w, 7, 0x80, sp);
        return;
      }
      const dp = this.pairIndex.get(key);
      if (dp !== undefined) {
        writeHpackInt(w, 7, 0x80, this.indexOf(dp));
        return;
      }
    }
    let nameIdx = STATIC_NAME_INDEX.get(name) ?? 0;
    if (nameIdx === 0) {
      const dn = this.nameIndex.get(name);
      if (dn !== undefined) nameIdx = this.indexOf(dn);
    }
    if (mode === IndexMode.INDEX) writeHpackInt(w, 6, 0x40, nameIdx);
    else writeHpackInt(w, 4, mode === IndexMode.NEVER_INDEX ? 0x10 : 0x00, nameIdx);
    if (nameIdx === 0) writeHpackString(w, name, this.huffman);
    writeHpackString(w, value, this.huffman);
    if (mode === IndexMode.INDEX) this.insert(name, value, key);
  }

  private policy(name: string, value: string): number {
    if (SENSITIVE_FIELDS.has(name)) return IndexMode.NEVER_INDEX;
    if (name === 'cookie' && value.length < 20) return IndexMode.NEVER_INDEX;
    if (VOLATILE_FIELDS.has(name)) return IndexMode.NO_INDEX;
    if (name.length + value.length + ENTRY_OVERHEAD > this.limit >>> 2) return IndexMode.NO_INDEX;
    return IndexMode.INDEX;
  }

  private indexOf(abs: number): number {
    return STATIC_TABLE_LENGTH + (this.inserted - abs) + 1;
  }

  private insert(name: string, value: string, key: string): void {
    const size = name.length + value.length + ENTRY_OVERHEAD;
    if (size > this.limit) {
      this.evictTo(0);
      return;
    }
    this.evictTo(this.limit - size);
    const abs = ++this.inserted;
    this.names.push(name);
    this.values.push(value);
    this.pairIndex.set(key, abs);
    this.nameIndex.set(name, abs);
    this.tableSize += size;
  }

  private evictTo(limit: number): void {
    let dropped = 0;
    while (this.tableSize > limit && this.oldest <= this.inserted) {
      const name = this.names[dropped]!;
      const value = this.values[dropped]!;
      const abs = this.oldest;
      this.tableSize -= name.length + value.length + ENTRY_OVERHEAD;
      const key = name + '\0' + value;
      if (this.pairIndex.get(key) === abs) this.pairIndex.delete(key);
      if (this.nameIndex.get(name) === abs) this.nameIndex.delete(name);
      this.oldest++;
      dropped++;
    }
    if (dropped > 0) {
      this.names.splice(0, dropped);
      this.values.splice(0, dropped);
    }
  }
}
