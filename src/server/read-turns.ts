// Fair reading between connections. libuv reads one socket up to 32 times in a row (64 KiB a
// read) before it looks at any other, so a peer that sends as fast as the server parses (an
// endless body of 1-byte chunks) can hold the event loop for tens of milliseconds per turn while
// every other connection waits. A connection that has read READ_TURN_BYTES in full reads without
// a break is paused (which stops libuv's loop for it at once) and resumed on the next turn of
// the event loop, after the other connections had theirs. One setImmediate per turn for all of
// them; nothing per request.

/** Reads of this size mean the socket had more waiting (the read buffer was filled). */
export const FULL_READ = 64 * 1024;
/** What one connection may read in one go before it yields to the others: one full read. */
export const READ_TURN_BYTES = FULL_READ;

export interface TurnTaker {
  /** Called on the next turn of the event loop: read again. */
  resumeTurn(): void;
}

export class ReadTurns {
  private waiting: TurnTaker[] = [];
  private spare: TurnTaker[] = [];
  private scheduled = false;

  private readonly run = (): void => {
    this.scheduled = false;
    const list = this.waiting;
    this.waiting = this.spare;
    for (let i = 0; i < list.length; i++) list[i]!.resumeTurn();
    list.length = 0;
    this.spare = list;
  };

  /** `t` has paused itself: resume it on the next turn. */
  later(t: TurnTaker): void {
    this.waiting.push(t);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }
}
