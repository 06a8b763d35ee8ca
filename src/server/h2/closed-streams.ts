// The last few stream ids a connection closed, and whether we closed each with RST_STREAM. RFC 9113
// 5.1 answers frames on a stream by its state, and a server does not keep every closed stream:
// a small ring tells "closed recently" (late frames after our RST_STREAM: ignored; other frames
// on a closed stream: STREAM_CLOSED) from "never opened" (idle: PROTOCOL_ERROR).
const RING = 64;

export class ClosedStreams {
  private readonly ids = new Int32Array(RING);
  private readonly byReset = new Uint8Array(RING);
  private at = 0;

  /** Records `streamId` as closed; `reset` when we closed it with RST_STREAM (kept if set before). */
  add(streamId: number, reset: boolean): void {
    const ids = this.ids;
    for (let i = 0; i < RING; i++) {
      if (ids[i] === streamId) {
        if (reset) this.byReset[i] = 1;
        return;
      }
    }
    this.ids[this.at] = streamId;
    this.byReset[this.at] = reset ? 1 : 0;
    this.at = (this.at + 1) % RING;
  }

  has(streamId: number): boolean {
    return this.ids.indexOf(streamId) >= 0;
  }

  /** Closed by our RST_STREAM: frames still in flight on it are ignored. */
  resetByUs(streamId: number): boolean {
    const i = this.ids.indexOf(streamId);
    return i >= 0 && this.byReset[i] === 1;
  }
}
