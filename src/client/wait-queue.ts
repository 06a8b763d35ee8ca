// A FIFO of exchanges waiting for a connection: a growable ring of Responses (no shift(), no
// node per entry). Expired entries are removed by one order-keeping compaction per sweep.
import type { Response } from './response.js';

export class WaitQueue {
  private buf: (Response | undefined)[] = new Array<Response | undefined>(16);
  private head = 0;
  /** Entries waiting. */
  length = 0;

  push(res: Response): void {
    let buf = this.buf;
    if (this.length === buf.length) {
      const grown = new Array<Response | undefined>(buf.length * 2);
      for (let k = 0; k < this.length; k++) grown[k] = buf[(this.head + k) % buf.length];
      this.buf = buf = grown;
      this.head = 0;
    }
    buf[(this.head + this.length) % buf.length] = res;
    this.length++;
  }

  /** The oldest entry, without removing it. */
  peek(): Response | undefined {
    return this.length === 0 ? undefined : this.buf[this.head];
  }

  /** Removes and returns the oldest entry. */
  shift(): Response | undefined {
    if (this.length === 0) return undefined;
    const res = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) % this.buf.length;
    this.length--;
    return res;
  }

  /**
   * Removes, in one pass that keeps the order of the rest, every entry past its deadline or its
   * wait limit at `now`, and returns them (oldest first). Allocates only when something expired.
   */
  removeExpired(now: number): Response[] | null {
    const buf = this.buf;
    const cap = buf.length;
    let out: Response[] | null = null;
    let w = 0;
    for (let k = 0; k < this.length; k++) {
      const res = buf[(this.head + k) % cap]!;
      if (now >= res._deadline || now >= res._waitUntil) {
        (out ??= []).push(res);
        continue;
      }
      buf[(this.head + w) % cap] = res;
      w++;
    }
    for (let k = w; k < this.length; k++) buf[(this.head + k) % cap] = undefined;
    this.length = w;
    return out;
  }

  /** Removes and returns everything (close, host down). */
  drain(): Response[] {
    const out: Response[] = [];
    for (let r = this.shift(); r !== undefined; r = this.shift()) out.push(r);
    return out;
  }
}
