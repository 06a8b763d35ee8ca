// The `Date: <IMF-fixdate>\r\n` response line (RFC 9110 6.6.1), rebuilt at most once per second
// and shared by every response written in that second.

export class DateCache {
  private line: Buffer = Buffer.alloc(0);
  /** Epoch ms at which the cached line goes stale (start of the next second). */
  private nextAt = 0;

  /** The current line, "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n". */
  get(now = Date.now()): Buffer {
    if (now >= this.nextAt || now < this.nextAt - 1000) this.rebuild(now);
    return this.line;
  }

  private rebuild(now: number): void {
    // A fresh Buffer each second: a write still holding the old one keeps its bytes.
    this.line = Buffer.from(`Date: ${new Date(now).toUTCString()}\r\n`, 'latin1');
    this.nextAt = now - (now % 1000) + 1000;
  }
}

/** One per process: every server shares it. */
export const dateCache = new DateCache();
