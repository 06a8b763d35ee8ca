// Bytes waiting to go out, in order: small writes are copied into one reused ByteWriter; large
// Buffers are kept by reference between them (no copy), so a batch can still leave in one
// corked write.
import type { Socket } from 'node:net';
import { ByteWriter } from '../core/byte-writer.js';

/** Buffers at least this long are queued by reference instead of copied. */
export const BIG_WRITE = 16 * 1024;

export class OutBuffer {
  readonly w: ByteWriter;
  /** Large buffers and flushed writer contents, in order; the writer's bytes come after them. */
  parts: Buffer[] | null = null;
  /** Bytes held in parts. */
  partBytes = 0;

  constructor(initialSize = 4096) {
    this.w = new ByteWriter(initialSize);
  }

  get empty(): boolean {
    return this.w.len === 0 && this.parts === null;
  }

  get byteLength(): number {
    return this.partBytes + this.w.len;
  }

  /** Appends a buffer: copied when small, else kept by reference (the caller must not change it). */
  append(b: Buffer): void {
    if (b.length < BIG_WRITE) {
      this.w.bytes(b);
      return;
    }
    const parts = this.parts ?? (this.parts = []);
    const w = this.w;
    if (w.len > 0) {
      parts.push(w.toBuffer());
      this.partBytes += w.len;
      w.reset();
    }
    parts.push(b);
    this.partBytes += b.length;
  }

  /** Moves everything from `src` to the end of this buffer, leaving `src` empty. */
  take(src: OutBuffer): void {
    const parts = src.parts;
    if (parts !== null) {
      for (let i = 0; i < parts.length; i++) this.append(parts[i]!);
      src.parts = null;
      src.partBytes = 0;
    }
    const sw = src.w;
    if (sw.len > 0) {
      this.w.bytes(sw.buf, 0, sw.len);
      sw.reset();
    }
  }

  reset(): void {
    this.w.reset();
    this.parts = null;
    this.partBytes = 0;
  }

  /**
   * Writes everything to `sock` (one write, or one corked batch when buffers are queued by
   * reference) and empties this buffer; false when the socket asks the writer to wait for 'drain'.
   * `zeroCopy`: hand the writer's own buffer to the socket when nothing is queued there (plain
   * TCP: the kernel usually takes it whole); if it was not taken, write on a fresh buffer.
   */
  writeTo(sock: Socket, zeroCopy: boolean): boolean {
    const w = this.w;
    let ok: boolean;
    if (this.parts === null) {
      if (zeroCopy && sock.writableLength === 0) {
        ok = sock.write(w.buf.subarray(0, w.len));
        if (sock.writableLength !== 0) w.buf = Buffer.allocUnsafe(w.buf.length);
      } else {
        ok = sock.write(w.toBuffer());
      }
      w.reset();
      return ok;
    }
    sock.cork();
    const parts = this.parts;
    ok = true;
    for (let i = 0; i < parts.length; i++) ok = sock.write(parts[i]!);
    if (w.len > 0) ok = sock.write(w.toBuffer());
    sock.uncork();
    this.reset();
    return ok;
  }
}
