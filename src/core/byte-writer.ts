// A growable byte buffer reused across messages: serializers write into it without making
// intermediate strings; the caller sends view() and then reset()s it.

export class ByteWriter {
  buf: Buffer;
  len = 0;

  constructor(initialSize = 4096) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  reset(): void {
    this.len = 0;
  }

  /** Makes room for n more bytes. */
  ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }

  /** Writes a string as latin1 (one byte per char; callers pass ASCII or pre-checked text). */
  latin1(s: string): void {
    const n = s.length;
    this.ensure(n);
    if (n < 48) {
      // Short strings: a JS loop beats the native call's fixed cost.
      const b = this.buf;
      let p = this.len;
      for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
      this.len = p;
      return;
    }
    this.len += this.buf.write(s, this.len, n, 'latin1');
  }

  /** Writes a string as UTF-8. */
  /**
   * Writes s as UTF-8 with an ASCII fast path (a JS loop while the chars are ASCII, the native
   * encoder from the first other one): for strings a user wrote, such as request header values.
   */
  text(s: string): void {
    const n = s.length;
    this.ensure(n);
    const b = this.buf;
    let p = this.len;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) {
        this.len = p;
        this.utf8(i === 0 ? s : s.slice(i));
        return;
      }
      b[p++] = c;
    }
    this.len = p;
  }

  utf8(s: string): void {
    this.ensure(Buffer.byteLength(s));
    this.len += this.buf.write(s, this.len, 'utf8');
  }

  bytes(b: Uint8Array, start = 0, end = b.length): void {
    const n = end - start;
    this.ensure(n);
    this.buf.set(start === 0 && end === b.length ? b : b.subarray(start, end), this.len);
    this.len += n;
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.len++] = c;
  }

  crlf(): void {
    this.ensure(2);
    this.buf[this.len++] = 0x0d;
    this.buf[this.len++] = 0x0a;
  }

  /** Writes one header field line: "name: value\r\n" (both already checked by the caller). */
  field(name: string, value: string): void {
    this.latin1(name);
    this.ensure(2);
    this.buf[this.len++] = 0x3a;
    this.buf[this.len++] = 0x20;
    this.latin1(value);
    this.crlf();
  }

  /** Writes a non-negative integer in decimal without making a string. */
  decimal(n: number): void {
    if (n < 10) {
      this.byte(0x30 + n);
      return;
    }
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    this.ensure(digits);
    let p = this.len + digits;
    this.len = p;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      this.buf[--p] = 0x30 + (n - q * 10);
      n = q;
    }
    this.buf[--p] = 0x30 + n;
  }

  /** Writes a non-negative integer in lower-case hex (chunk sizes). */
  hex(n: number): void {
    let digits = 1;
    for (let t = n; t >= 16; t = Math.floor(t / 16)) digits++;
    this.ensure(digits);
    let p = this.len + digits;
    this.len = p;
    do {
      const d = n % 16;
      this.buf[--p] = d < 10 ? 0x30 + d : 0x57 + d;
      n = Math.floor(n / 16);
    } while (n > 0);
  }

  /** The bytes written so far, as a view (valid until the next write or reset). */
  view(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** A copy of the bytes written so far. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}
