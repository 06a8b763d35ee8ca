// The request target as a string, reused when its bytes equal the previous request's (clients
// often repeat the same target): one per HTTP/1 connection.
import type { RequestHead } from '../http/message-head.js';

export class TargetCache {
  private readonly lastBytes = Buffer.allocUnsafe(128);
  private lastLen = -1;
  private last = '';

  of(head: RequestHead): string {
    const buf = head.headers.buf;
    const s = head.targetStart;
    const n = head.targetEnd - s;
    const last = this.lastBytes;
    if (n === this.lastLen) {
      let i = 0;
      while (i < n && buf[s + i] === last[i]) i++;
      if (i === n) return this.last;
    }
    const t = buf.toString('latin1', s, s + n);
    if (n <= last.length) {
      buf.copy(last, 0, s, s + n);
      this.lastLen = n;
      this.last = t;
    }
    return t;
  }
}
