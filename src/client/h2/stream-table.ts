// The client connection's stream slots: one reused H2Stream per exchange in flight, taken from a
// free list, found by id in a Map, and listed in `active` (what capacity counts and the sweep
// walks; removal swaps the last slot in). Stream ids are ours to hand out: odd, ascending.
import { H2Code } from '../../http2/constants.js';
import { ReceiveWindow } from '../../http2/flow-control.js';
import { H2Error } from '../../http2/h2-error.js';
import type { Response } from '../response.js';

/** Our SETTINGS_INITIAL_WINDOW_SIZE (per stream). */
export const H2_STREAM_WINDOW = 1 << 20;

/** One stream's state; slots are reused from exchange to exchange. */
export class H2Stream {
  id = 0;
  res: Response | null = null;
  /** What we may still send on this stream (may go negative after a SETTINGS shrink). */
  sendWindow = 0;
  readonly recv = new ReceiveWindow(H2_STREAM_WINDOW, 0);
  body: Buffer | null = null;
  bodyOff = 0;
  /** The final (non-1xx) response head arrived. */
  gotHead = false;
  isHead = false;
  /** On the blocked list (body waiting for window). */
  blocked = false;
  /** Index in the connection's active list. */
  index = -1;
}

/** The slots of one connection (created once per connection). */
export class StreamTable {
  /** The id the next stream gets. */
  nextId = 1;
  private readonly byId = new Map<number, H2Stream>();
  /** Streams in flight, in no particular order. */
  readonly active: H2Stream[] = [];
  private readonly free: H2Stream[] = [];

  /** A slot for the next stream id, in flight for `res` (body not set). */
  open(res: Response, sendWindow: number, isHead: boolean): H2Stream {
    const id = this.nextId;
    this.nextId += 2;
    const st = this.free.pop() ?? new H2Stream();
    st.id = id;
    st.res = res;
    st.sendWindow = sendWindow;
    st.gotHead = false;
    st.isHead = isHead;
    st.index = this.active.length;
    this.active.push(st);
    this.byId.set(id, st);
    return st;
  }

  get(id: number): H2Stream | undefined {
    return this.byId.get(id);
  }

  /** The stream an inbound frame names, or null for one we closed (its frames are dropped). */
  lookup(id: number, what: string): H2Stream | null {
    const st = this.byId.get(id);
    if (st !== undefined) return st;
    if ((id & 1) === 0 || id >= this.nextId) {
      // Even ids would be server-initiated (push is off); odd ones we never opened are idle.
      throw new H2Error(H2Code.PROTOCOL_ERROR, 'connection', `${what} on stream ${id}, which was never opened`, { streamId: id });
    }
    return null;
  }

  /** The slot carrying `res`, or null. */
  find(res: Response): H2Stream | null {
    const a = this.active;
    for (let i = 0; i < a.length; i++) if (a[i]!.res === res) return a[i]!;
    return null;
  }

  /** Frees the stream's slot (the stream is closed for us; the caller has taken it off `blocked`). */
  release(st: H2Stream): void {
    this.byId.delete(st.id);
    const a = this.active;
    const i = st.index;
    const last = a.pop()!;
    if (last !== st) {
      a[i] = last;
      last.index = i;
    }
    st.index = -1;
    st.res = null;
    st.body = null;
    // Credit withheld for this stream no longer matters; the window starts over for the next one.
    st.recv.flush();
    st.recv.size = st.recv.available = H2_STREAM_WINDOW;
    this.free.push(st);
  }

  /** Drops a slot at teardown without recycling it (the connection is gone). */
  drop(st: H2Stream): void {
    this.byId.delete(st.id);
    st.res = null;
    st.body = null;
    st.index = -1;
  }
}
