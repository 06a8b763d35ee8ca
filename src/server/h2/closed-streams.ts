// The last few stream ids a connection closed, and how each closed. RFC 9113 5.1 answers frames on
// a stream by its state, and a server does not keep every closed stream: a small ring tells
// "closed recently" from "never opened" (idle: PROTOCOL_ERROR), and among closed streams
//   - reset by us (RST_STREAM sent): frames still in flight on it are ignored (5.1 "closed");
//   - reset by the peer: DATA is a stream error STREAM_CLOSED (5.1, 6.1);
//   - closed by END_STREAM both ways: a frame on it is a connection error STREAM_CLOSED (5.1).
const RING = 128;

export const ClosedHow = {
  /** END_STREAM sent and received. */
  ENDED: 0,
  /** We sent RST_STREAM. */
  RESET_BY_US: 1,
  /** The peer sent RST_STREAM. */
  RESET_BY_PEER: 2,
  /** Not in the ring: closed long ago, or never opened below the highest id. */
  UNKNOWN: -1,
  /** ENDED during the inbound chunk being read (see H2ConnectionCore.howClosed): not stored. */
  HALF_CLOSED: 3,
} as const;

export class ClosedStreams {
  private readonly ids = new Int32Array(RING);
  private readonly how = new Int8Array(RING);
  /** The connection's read batch (inbound chunk) during which each closed. */
  private readonly batch = new Int32Array(RING);
  private at = 0;
  /** Highest id added: a higher one cannot be in the ring yet (no scan for the common case). */
  private maxId = 0;

  /**
   * Records `streamId` as closed `how`. A reset recorded before is kept over ENDED (it is how the
   * stream closed); our own RST_STREAM always wins, so after we answered a frame on a stream the
   * peer reset, its later frames are ignored rather than answered one by one.
   */
  add(streamId: number, how: number, batch = 0): void {
    if (streamId <= this.maxId) {
      const ids = this.ids;
      for (let i = 0; i < RING; i++) {
        if (ids[i] === streamId) {
          if (how === ClosedHow.RESET_BY_US || this.how[i] === ClosedHow.ENDED) this.how[i] = how;
          return;
        }
      }
    } else {
      this.maxId = streamId;
    }
    this.ids[this.at] = streamId;
    this.how[this.at] = how;
    this.batch[this.at] = batch;
    this.at = (this.at + 1) % RING;
  }

  /** The read batch during which `streamId` closed (-1 when not in the ring). */
  closedIn(streamId: number): number {
    const i = this.ids.indexOf(streamId);
    return i < 0 ? -1 : this.batch[i]!;
  }

  has(streamId: number): boolean {
    return this.ids.indexOf(streamId) >= 0;
  }

  /** How `streamId` closed (ClosedHow), UNKNOWN when it is not in the ring. */
  howClosed(streamId: number): number {
    const i = this.ids.indexOf(streamId);
    return i < 0 ? ClosedHow.UNKNOWN : this.how[i]!;
  }

  /** Closed by our RST_STREAM: frames still in flight on it are ignored. */
  resetByUs(streamId: number): boolean {
    return this.howClosed(streamId) === ClosedHow.RESET_BY_US;
  }
}
