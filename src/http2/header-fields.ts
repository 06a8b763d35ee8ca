// A decoded header block, reused from block to block: every name and value lives in one byte store
// and is addressed by offsets; strings are made only when a caller asks (name(i), value(i), get()).

export const FIELD_NEVER_INDEXED = 1;

export class HeaderFields {
  /** Byte store of names and values (valid until the next decode into this object). */
  data: Buffer;
  len = 0;
  /** Per field: nameStart, nameEnd, valueStart, valueEnd. */
  pos: Int32Array;
  /** Per field: FIELD_NEVER_INDEXED when the peer sent it as a never-indexed literal. */
  flags: Uint8Array;
  count = 0;
  /** RFC 7541 4.1 size of the list (name + value + 32 per field), counting dropped fields too. */
  listSize = 0;
  /** The list exceeded the decoder's maxHeaderListSize: fields past the budget were dropped. */
  tooLarge = false;

  constructor(initialBytes = 1024, initialFields = 32) {
    this.data = Buffer.allocUnsafe(initialBytes);
    this.pos = new Int32Array(initialFields * 4);
    this.flags = new Uint8Array(initialFields);
  }

  reset(): void {
    this.len = 0;
    this.count = 0;
    this.listSize = 0;
    this.tooLarge = false;
  }

  /** Makes room for n more bytes in the store. */
  ensureBytes(n: number): void {
    const need = this.len + n;
    if (need <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < need) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.data.copy(grown, 0, 0, this.len);
    this.data = grown;
  }

  /** Records a field whose name and value are already in the store. */
  push(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number, flags: number): void {
    const i = this.count;
    if (i === this.flags.length) {
      const pos = new Int32Array(this.pos.length * 2);
      pos.set(this.pos);
      this.pos = pos;
      const fl = new Uint8Array(this.flags.length * 2);
      fl.set(this.flags);
      this.flags = fl;
    }
    const p = i * 4;
    this.pos[p] = nameStart;
    this.pos[p + 1] = nameEnd;
    this.pos[p + 2] = valueStart;
    this.pos[p + 3] = valueEnd;
    this.flags[i] = flags;
    this.count = i + 1;
  }

  name(i: number): string {
    return this.data.toString('latin1', this.pos[i * 4]!, this.pos[i * 4 + 1]!);
  }

  value(i: number): string {
    return this.data.toString('latin1', this.pos[i * 4 + 2]!, this.pos[i * 4 + 3]!);
  }

  /** The value's bytes (a view into the store). */
  valueBytes(i: number): Buffer {
    return this.data.subarray(this.pos[i * 4 + 2]!, this.pos[i * 4 + 3]!);
  }

  neverIndexed(i: number): boolean {
    return (this.flags[i]! & FIELD_NEVER_INDEXED) !== 0;
  }

  /** True when field i's name equals `name` byte for byte (HTTP/2 names are lower case). */
  nameIs(i: number, name: string): boolean {
    const s = this.pos[i * 4]!;
    const e = this.pos[i * 4 + 1]!;
    if (e - s !== name.length) return false;
    const d = this.data;
    for (let k = 0; k < name.length; k++) if (d[s + k] !== name.charCodeAt(k)) return false;
    return true;
  }

  /** Index of the first field named `name`, or -1. */
  indexOf(name: string): number {
    for (let i = 0; i < this.count; i++) if (this.nameIs(i, name)) return i;
    return -1;
  }

  get(name: string): string | undefined {
    const i = this.indexOf(name);
    return i < 0 ? undefined : this.value(i);
  }

  /** Value of field i as a non-negative decimal integer (e.g. :status), or -1 if it is not one. */
  valueInt(i: number): number {
    const s = this.pos[i * 4 + 2]!;
    const e = this.pos[i * 4 + 3]!;
    if (e === s || e - s > 15) return -1;
    let n = 0;
    for (let k = s; k < e; k++) {
      const c = this.data[k]! - 0x30;
      if (c < 0 || c > 9) return -1;
      n = n * 10 + c;
    }
    return n;
  }

  /** All fields as [name, value] pairs (tests, debugging; allocates). */
  toPairs(): [string, string][] {
    const out: [string, string][] = [];
    for (let i = 0; i < this.count; i++) out.push([this.name(i), this.value(i)]);
    return out;
  }
}
