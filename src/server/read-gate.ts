// Why an HTTP/1 connection is not reading its socket, as bits (the socket is paused while any is
// set), and the read-turn accounting that makes a connection reading a lot in one go yield its
// turn to the others (read-turns.ts). One per connection.
import type { Socket } from 'node:net';
import type { ConnectionHost } from './connection-types.js';
import type { Deadlines } from './deadlines.js';
import { FULL_READ, READ_TURN_BYTES } from './read-turns.js';

export const enum Pause {
  /** The socket asked us to wait for 'drain'. */
  Backpressure = 1,
  /** Too many requests unanswered (maxPipeline). */
  Pipeline = 2,
  /** Parsing suspended: too much output is waiting to be sent. */
  Output = 4,
  /** Yielding its turn to the other connections (read-turns.ts). */
  Turn = 8,
  All = 15,
}

export class ReadGate {
  /** Pause bits; 0 = reading. */
  paused = 0;
  /** Bytes read in full reads since this connection last yielded. */
  private turnBytes = 0;

  constructor(
    private readonly socket: Socket,
    private readonly host: ConnectionHost,
    private readonly deadlines: Deadlines,
  ) {}

  pause(why: number): void {
    if (this.paused === 0) this.socket.pause();
    this.paused |= why;
  }

  resume(why: number): void {
    if (this.paused === 0) return;
    this.paused &= ~why;
    if (this.paused === 0) {
      this.socket.resume();
      const dl = this.deadlines;
      if (dl.read !== 0) dl.read = this.host.now + this.host.settings.readTimeout;
    }
  }

  /**
   * Counts a read of `n` bytes; true when full reads in a row reached the turn's bytes and
   * `mayYield`: reading is then paused (Pause.Turn) until the others had their turn.
   */
  turnOver(n: number, mayYield: boolean): boolean {
    if (n < FULL_READ) {
      this.turnBytes = 0;
      return false;
    }
    if ((this.turnBytes += n) < READ_TURN_BYTES || !mayYield) return false;
    this.turnBytes = 0;
    this.pause(Pause.Turn);
    return true;
  }
}
