// HPACK decoder (RFC 7541): indexed and literal representations, the dynamic table with its size
// accounting, table size updates, Huffman strings, and the limits a receiver needs against hostile
// peers: the table size we advertised, a maximum string length and a header-list budget.
//
// Decoding is all-or-nothing per header block and connection-scoped: any error here is a
// COMPRESSION_ERROR (or ENHANCE_YOUR_CALM for limit breaches) at connection scope, because the
// peer's encoder and our decoder no longer agree on the dynamic table (RFC 9113 4.3).
// A list over maxHeaderListSize is different: decoding continues (so the table stays in step) but
// fields past the budget are dropped and `fields.tooLarge` is set — the caller answers that on the
// stream (431 on a server, a stream error on a client).
import { DEFAULT_HEADER_TABLE_SIZE, FrameType, H2Code } from './constants.js';
import { H2Error } from './h2-error.js';
import { FIELD_NEVER_INDEXED, type HeaderFields } from './header-fields.js';
import { HUFFMAN_ERR_EOS, huffmanDecode, huffmanDecodedBound } from './huffman.js';
import { STATIC_NAME_BYTES, STATIC_TABLE_LENGTH, STATIC_VALUE_BYTES } from './hpack-static-table.js';

export interface HpackDecoderOptions {
  /** Our SETTINGS_HEADER_TABLE_SIZE: the largest table the peer's encoder may use. Default 4096. */
  maxTableSize?: number;
  /** Longest name or value literal accepted (encoded bytes and decoded bytes). Default 65536. */
  maxStringLength?: number;
  /** Header-list budget (RFC 7541 4.1 sizes). Default 65536. */
  maxHeaderListSize?: number;
}

/** RFC 7541 4.1: each entry costs its name and value octets plus 32. */
export const ENTRY_OVERHEAD = 32;

const INT_LIMIT = 0x7fffffff;

export class HpackDecoder {
  /** Decoded entries, newest at `head`; each holds name then value bytes. */
  private ents: Buffer[] = new Array<Buffer>(16);
  private nameLens = new Int32Array(16);
  private mask = 15;
  private head = -1;
  private entCount = 0;
  /** Current table size (sum of entry sizes) and the limit the peer's last update set. */
  tableSize = 0;
  private tableLimit: number;
  /** Upper bound for table size updates: our advertised SETTINGS_HEADER_TABLE_SIZE. */
  private maxTableSize: number;
  /** We lowered our setting: the next block must start with a size update (RFC 7541 4.2). */
  private updateRequired = false;
  /** With updateRequired: the size the peer's first update must not exceed (our lowest setting). */
  private requiredLimit = Infinity;
  maxStringLength: number;
  maxHeaderListSize: number;

  /** Cursor while decoding (fields, not locals, so helpers can advance it). */
  private p = 0;
  private blockStart = 0;

  constructor(opts: HpackDecoderOptions = {}) {
    this.maxTableSize = opts.maxTableSize ?? DEFAULT_HEADER_TABLE_SIZE;
    this.tableLimit = this.maxTableSize;
    this.maxStringLength = opts.maxStringLength ?? 65536;
    this.maxHeaderListSize = opts.maxHeaderListSize ?? 65536;
  }

  /** Number of entries in the dynamic table. */
  get dynamicCount(): number {
    return this.entCount;
  }

  /** The dynamic table's current size limit (the peer's last size update, or our setting). */
  get dynamicLimit(): number {
    return this.tableLimit;
  }

  /**
   * Applies our new SETTINGS_HEADER_TABLE_SIZE once the peer has ACKed it. When it is below the
   * table's current limit the peer must signal a size update at the start of its next block.
   */
  setMaxTableSize(n: number): void {
    this.maxTableSize = n;
    if (n < this.tableLimit) {
      this.updateRequired = true;
      if (n < this.requiredLimit) this.requiredLimit = n;
      this.tableLimit = n;
      this.evictTo(n);
    }
  }

  /**
   * Decodes one complete header block src[start, end) into `fields` (reset first). Throws H2Error
   * (connection scope) on malformed input; `streamId` only labels the error.
   */
  decode(src: Uint8Array, start: number, end: number, fields: HeaderFields, streamId = 0): void {
    fields.reset();
    this.p = start;
    this.blockStart = start;
    let sawField = false;
    while (this.p < end) {
      const b = src[this.p]!;
      if (b >= 0x80) {
        // 6.1 Indexed header field.
        const at = this.p;
        const index = this.readInt(src, end, 7, streamId);
        if (index === 0) throw this.fail('indexed field with index 0', at, streamId);
        this.emitIndexed(index, fields, at, streamId);
        sawField = true;
      } else if (b >= 0x40) {
        // 6.2.1 Literal with incremental indexing.
        this.literal(src, end, 6, fields, 0, true, streamId);
        sawField = true;
      } else if (b >= 0x20) {
        // 6.3 Dynamic table size update: only before the first field of a block.
        const at = this.p;
        if (sawField) throw this.fail('dynamic table size update after a header field', at, streamId);
        const size = this.readInt(src, end, 5, streamId);
        if (size > this.maxTableSize) throw this.fail(`dynamic table size update to ${size} exceeds SETTINGS_HEADER_TABLE_SIZE ${this.maxTableSize}`, at, streamId);
        if (this.updateRequired && size > this.requiredLimit) {
          // After a lowered-then-raised setting, the first update must go down to the lowest value.
          throw this.fail(`dynamic table size update to ${size} skips the required update to ${this.requiredLimit}`, at, streamId);
        }
        this.tableLimit = size;
        this.evictTo(size);
        this.updateRequired = false;
        this.requiredLimit = Infinity;
      } else {
        // 6.2.2 without indexing (0000) / 6.2.3 never indexed (0001).
        this.literal(src, end, 4, fields, b >= 0x10 ? FIELD_NEVER_INDEXED : 0, false, streamId);
        sawField = true;
      }
      if (this.updateRequired && sawField) throw this.fail('header block does not start with the required dynamic table size update', this.blockStart, streamId);
    }
    if (this.updateRequired) throw this.fail('header block does not start with the required dynamic table size update', this.blockStart, streamId);
  }

  private fail(message: string, at: number, streamId: number, h2Code: number = H2Code.COMPRESSION_ERROR): H2Error {
    return new H2Error(h2Code, 'connection', message, { frameType: FrameType.HEADERS, streamId, offset: at - this.blockStart });
  }

  /** RFC 7541 5.1 integer with an N-bit prefix; guards against values past 2^31-1. */
  private readInt(src: Uint8Array, end: number, prefixBits: number, streamId: number): number {
    const max = (1 << prefixBits) - 1;
    const at = this.p;
    let v = src[this.p++]! & max;
    if (v < max) return v;
    let m = 0;
    for (;;) {
      if (this.p >= end) throw this.fail('truncated integer', at, streamId);
      const b = src[this.p++]!;
      v += (b & 0x7f) * 2 ** m;
      if (v > INT_LIMIT) throw this.fail('integer overflow', at, streamId);
      if ((b & 0x80) === 0) return v;
      m += 7;
    }
  }

  /** Reads a string literal into fields.data; returns its start (end is fields.len). */
  private readString(src: Uint8Array, end: number, fields: HeaderFields, streamId: number): number {
    const at = this.p;
    const huffman = (src[this.p]! & 0x80) !== 0;
    const n = this.readInt(src, end, 7, streamId);
    if (n > this.maxStringLength) throw this.fail(`string literal of ${n} bytes exceeds the limit of ${this.maxStringLength}`, at, streamId, H2Code.ENHANCE_YOUR_CALM);
    if (n > end - this.p) throw this.fail('string literal runs past the end of the block', at, streamId);
    const s = fields.len;
    if (!huffman) {
      fields.ensureBytes(n);
      const d = fields.data;
      if (n < 32) {
        for (let i = 0; i < n; i++) d[s + i] = src[this.p + i]!;
      } else {
        d.set(src.subarray(this.p, this.p + n), s);
      }
      fields.len = s + n;
    } else {
      fields.ensureBytes(huffmanDecodedBound(n));
      const e = huffmanDecode(src, this.p, this.p + n, fields.data, s);
      if (e < 0) throw this.fail(e === HUFFMAN_ERR_EOS ? 'Huffman string contains EOS' : 'Huffman string has invalid padding', at, streamId);
      if (e - s > this.maxStringLength) throw this.fail(`string literal decodes to more than ${this.maxStringLength} bytes`, at, streamId, H2Code.ENHANCE_YOUR_CALM);
      fields.len = e;
    }
    this.p += n;
    return s;
  }

  private literal(src: Uint8Array, end: number, prefixBits: number, fields: HeaderFields, flags: number, index: boolean, streamId: number): void {
    const at = this.p;
    const nameIndex = this.readInt(src, end, prefixBits, streamId);
    let nameStart: number;
    if (nameIndex === 0) {
      nameStart = this.readString(src, end, fields, streamId);
    } else {
      nameStart = fields.len;
      this.copyName(nameIndex, fields, at, streamId);
    }
    const nameEnd = fields.len;
    const valueStart = this.readString(src, end, fields, streamId);
    const valueEnd = fields.len;
    if (index) this.insert(fields.data, nameStart, nameEnd, valueStart, valueEnd);
    this.account(fields, nameStart, nameEnd - nameStart, valueEnd - valueStart, valueStart, flags);
  }

  /** Adds the field to the list, or drops it (rewinding the store) once over the budget. */
  private account(fields: HeaderFields, nameStart: number, nameLen: number, valueLen: number, valueStart: number, flags: number): void {
    fields.listSize += nameLen + valueLen + ENTRY_OVERHEAD;
    if (fields.listSize > this.maxHeaderListSize) {
      fields.tooLarge = true;
      fields.len = nameStart;
      return;
    }
    fields.push(nameStart, nameStart + nameLen, valueStart, valueStart + valueLen, flags);
  }

  private emitIndexed(index: number, fields: HeaderFields, at: number, streamId: number): void {
    let name: Uint8Array;
    let nameOff: number;
    let nameLen: number;
    let value: Uint8Array;
    let valueOff: number;
    let valueLen: number;
    if (index <= STATIC_TABLE_LENGTH) {
      name = STATIC_NAME_BYTES[index - 1]!;
      nameOff = 0;
      nameLen = name.length;
      value = STATIC_VALUE_BYTES[index - 1]!;
      valueOff = 0;
      valueLen = value.length;
    } else {
      const d = index - STATIC_TABLE_LENGTH - 1;
      if (d >= this.entCount) throw this.fail(`index ${index} is past the dynamic table (${this.entCount} entries)`, at, streamId);
      const slot = (this.head - d) & this.mask;
      name = value = this.ents[slot]!;
      nameOff = 0;
      nameLen = this.nameLens[slot]!;
      valueOff = nameLen;
      valueLen = value.length - nameLen;
    }
    if (fields.listSize + nameLen + valueLen + ENTRY_OVERHEAD > this.maxHeaderListSize) {
      fields.listSize += nameLen + valueLen + ENTRY_OVERHEAD;
      fields.tooLarge = true;
      return;
    }
    fields.ensureBytes(nameLen + valueLen);
    const s = fields.len;
    const dst = fields.data;
    for (let i = 0; i < nameLen; i++) dst[s + i] = name[nameOff + i]!;
    const v = s + nameLen;
    if (valueLen < 32) {
      for (let i = 0; i < valueLen; i++) dst[v + i] = value[valueOff + i]!;
    } else {
      dst.set(value.subarray(valueOff, valueOff + valueLen), v);
    }
    fields.len = v + valueLen;
    this.account(fields, s, nameLen, valueLen, v, 0);
  }

  private copyName(index: number, fields: HeaderFields, at: number, streamId: number): void {
    let src: Uint8Array;
    let n: number;
    if (index <= STATIC_TABLE_LENGTH) {
      src = STATIC_NAME_BYTES[index - 1]!;
      n = src.length;
    } else {
      const d = index - STATIC_TABLE_LENGTH - 1;
      if (d >= this.entCount) throw this.fail(`name index ${index} is past the dynamic table (${this.entCount} entries)`, at, streamId);
      const slot = (this.head - d) & this.mask;
      src = this.ents[slot]!;
      n = this.nameLens[slot]!;
    }
    fields.ensureBytes(n);
    const dst = fields.data;
    const s = fields.len;
    for (let i = 0; i < n; i++) dst[s + i] = src[i]!;
    fields.len = s + n;
  }

  private insert(data: Buffer, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    const nameLen = nameEnd - nameStart;
    const valueLen = valueEnd - valueStart;
    const size = nameLen + valueLen + ENTRY_OVERHEAD;
    if (size > this.tableLimit) {
      // RFC 7541 4.4: an entry larger than the table empties it and is not added.
      this.evictTo(0);
      return;
    }
    this.evictTo(this.tableLimit - size);
    const ent = Buffer.allocUnsafe(nameLen + valueLen);
    data.copy(ent, 0, nameStart, nameEnd);
    data.copy(ent, nameLen, valueStart, valueEnd);
    if (this.entCount > this.mask) this.grow();
    this.head = (this.head + 1) & this.mask;
    this.ents[this.head] = ent;
    this.nameLens[this.head] = nameLen;
    this.entCount++;
    this.tableSize += size;
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const ents = new Array<Buffer>(cap);
    const lens = new Int32Array(cap);
    // Oldest first into 0..count-1.
    for (let i = 0; i < this.entCount; i++) {
      const slot = (this.head - (this.entCount - 1 - i)) & this.mask;
      ents[i] = this.ents[slot]!;
      lens[i] = this.nameLens[slot]!;
    }
    this.ents = ents;
    this.nameLens = lens;
    this.mask = cap - 1;
    this.head = this.entCount - 1;
  }

  /** Evicts oldest entries until the table size is at most `limit`. */
  private evictTo(limit: number): void {
    while (this.tableSize > limit && this.entCount > 0) {
      const slot = (this.head - (this.entCount - 1)) & this.mask;
      this.tableSize -= this.ents[slot]!.length + ENTRY_OVERHEAD;
      this.ents[slot] = undefined as unknown as Buffer;
      this.entCount--;
    }
  }

  /** Dynamic entry i (0 = newest) as [name, value] (tests, debugging). */
  dynamicEntry(i: number): [string, string] | undefined {
    if (i < 0 || i >= this.entCount) return undefined;
    const slot = (this.head - i) & this.mask;
    const b = this.ents[slot]!;
    const n = this.nameLens[slot]!;
    return [b.toString('latin1', 0, n), b.toString('latin1', n, b.length)];
  }
}
