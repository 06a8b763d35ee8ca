// The responses of one HTTP/1 connection's requests received and not yet fully sent, oldest
// first: `q[head..tail)` (indices reset when it drains; never shift()ed, never resized per
// request), plus a fixed-size stack of finished responses for reuse. Only the oldest (atHead)
// writes into the connection's batch buffer; younger ones buffer their own bytes until their turn.
import { OutgoingResponse, ResState, type ResponseOwner } from './server-response.js';

/** Reusable responses kept per connection. */
const FREE_SLOTS = 8;

export class ResponseQueue {
  private readonly q: (OutgoingResponse | null)[] = [];
  private head = 0;
  private tail = 0;
  /** Reusable responses: a fixed-size stack (push/pop would resize the array per request). */
  private readonly free: (OutgoingResponse | null)[] = new Array<OutgoingResponse | null>(FREE_SLOTS).fill(null);
  private freeCount = 0;

  constructor(private readonly owner: ResponseOwner) {}

  get empty(): boolean {
    return this.head === this.tail;
  }

  get length(): number {
    return this.tail - this.head;
  }

  /** The oldest response (the one writing), or null. */
  get first(): OutgoingResponse | null {
    return this.head < this.tail ? this.q[this.head]! : null;
  }

  /** A response to fill: a reused one when there is one. */
  acquire(): OutgoingResponse {
    if (this.freeCount === 0) return new OutgoingResponse(this.owner);
    const res = this.free[--this.freeCount]!;
    this.free[this.freeCount] = null;
    return res;
  }

  /** Appends `res` (atHead when the queue was empty). */
  push(res: OutgoingResponse): void {
    const q = this.q;
    if (this.tail === this.head) {
      this.head = this.tail = 0;
      res.atHead = true;
    }
    if (this.tail === q.length && this.head > 0) {
      // full at the end: slide the live part down instead of growing
      q.copyWithin(0, this.head, this.tail);
      q.fill(null, this.tail - this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
    if (this.tail < q.length) q[this.tail] = res;
    else q.push(res);
    this.tail++;
  }

  /** Removes the youngest response (a request cut short while being received). */
  dropLast(): void {
    this.q[--this.tail] = null;
    if (this.head === this.tail) this.head = this.tail = 0;
  }

  /** Removes and returns the oldest response when it is done, else null. */
  shiftDone(): OutgoingResponse | null {
    if (this.head === this.tail) return null;
    const r = this.q[this.head]!;
    if (r.state !== ResState.Done) return null;
    this.q[this.head++] = null;
    if (this.head === this.tail) this.head = this.tail = 0;
    return r;
  }

  /** Keeps a finished response for reuse (when there is room). */
  recycle(r: OutgoingResponse): void {
    if (this.freeCount < FREE_SLOTS) {
      r.reuse();
      this.free[this.freeCount++] = r;
    }
  }

  /** Kills and removes every response. */
  killAll(): void {
    const q = this.q;
    for (let i = this.head; i < this.tail; i++) {
      q[i]!.kill();
      q[i] = null;
    }
    this.head = this.tail = 0;
  }
}
