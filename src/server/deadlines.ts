// A server connection's deadlines (HTTP/1 and HTTP/2 alike): plain numbers on the coarse clock
// (ms; 0 = none), set as the connection goes and checked by the server's sweep — no timers.
import type { Socket } from 'node:net';
import type { ConnectionHost } from './connection-types.js';

export class Deadlines {
  /** The request (or the preface) must have arrived by then. */
  read = 0;
  /** Nothing in flight since: closed at this time. */
  idle = 0;
  /** Bytes waiting in the socket since: the peer is not reading. */
  write = 0;
  /** Ended by us, reading and dropping until the peer closes: destroyed at this time. */
  linger = 0;

  /** After a write: the write deadline starts when the socket kept bytes and none is running. */
  armWrite(host: ConnectionHost, sock: Socket): void {
    if (this.write === 0 && host.settings.writeTimeout > 0 && sock.writableLength > 0) {
      this.write = host.now + host.settings.writeTimeout;
    }
  }

  /** The socket was ended by us: no read or idle deadline now, destroyed after the linger time. */
  startLinger(host: ConnectionHost): void {
    this.read = 0;
    this.idle = 0;
    const lt = host.settings.lingerTimeout;
    this.linger = host.now + (lt > 0 ? lt : 1);
  }

  /**
   * The read or write deadline passed (counted as a rejection): the connection must be
   * destroyed. `readPaused`: reading is paused on our side, so the client is not late.
   */
  timedOut(host: ConnectionHost, sock: Socket, now: number, readPaused: boolean): boolean {
    if (this.read !== 0 && !readPaused && now >= this.read) {
      host.counters.reject('ERR_SERVER_READ_TIMEOUT');
      return true;
    }
    if (this.write !== 0) {
      if (sock.writableLength === 0) {
        this.write = 0;
      } else if (now >= this.write) {
        host.counters.reject('ERR_SERVER_WRITE_TIMEOUT');
        return true;
      }
    }
    return false;
  }

  /** The idle deadline passed (it is cleared; counted as an idle close by the caller). */
  idleDue(now: number): boolean {
    if (this.idle === 0 || now < this.idle) return false;
    this.idle = 0;
    return true;
  }

  lingerDue(now: number): boolean {
    return this.linger !== 0 && now >= this.linger;
  }
}
