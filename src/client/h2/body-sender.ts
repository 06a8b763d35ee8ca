// Request bodies of one client connection as DATA frames within the connection and stream send
// windows and the peer's max frame size. A stream whose window is spent parks on `blocked` until
// WINDOW_UPDATE or a SETTINGS increase resumes it, oldest first. Created once per connection.
import type { ByteWriter } from '../../core/byte-writer.js';
import { writeData } from '../../http2/frame-writer.js';
import type { H2Stream } from './stream-table.js';

export class BodySender {
  /** What we may still send on the connection (stream 0's send window). */
  connWindow = 65535;
  /** Streams whose body waits for window, oldest first. */
  readonly blocked: H2Stream[] = [];

  /** Sends as much of a stream's body as the windows allow; false when they are spent first. */
  send(st: H2Stream, w: ByteWriter, maxFrame: number): boolean {
    const body = st.body!;
    while (st.bodyOff < body.length) {
      let n = body.length - st.bodyOff;
      if (n > this.connWindow) n = this.connWindow;
      if (n > st.sendWindow) n = st.sendWindow;
      if (n > maxFrame) n = maxFrame;
      if (n <= 0) return false;
      const end = st.bodyOff + n;
      writeData(w, st.id, body, st.bodyOff, end, end === body.length);
      st.bodyOff = end;
      st.sendWindow -= n;
      this.connWindow -= n;
    }
    st.body = null;
    return true;
  }

  /** Parks a stream out of window. */
  park(st: H2Stream): void {
    st.blocked = true;
    this.blocked.push(st);
  }

  /** Takes a closed stream off the list. */
  unpark(st: H2Stream): void {
    st.blocked = false;
    const k = this.blocked.indexOf(st);
    if (k >= 0) this.blocked.splice(k, 1);
  }

  /** Windows grew: resumes the parked bodies; those still short of window stay. False when none were parked. */
  resume(w: ByteWriter, maxFrame: number): boolean {
    const list = this.blocked;
    if (list.length === 0) return false;
    let k = 0;
    for (let i = 0; i < list.length; i++) {
      const st = list[i]!;
      if (st.res !== null && st.body !== null && !this.send(st, w, maxFrame)) list[k++] = st;
      else st.blocked = false;
    }
    list.length = k;
    return true;
  }
}
