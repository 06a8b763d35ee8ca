// Flow control (RFC 9113 5.2, 6.9). Send side: plain numbers per connection and stream, changed by
// WINDOW_UPDATE and by SETTINGS_INITIAL_WINDOW_SIZE deltas, never past 2^31-1 (they may go
// negative after a shrink). Receive side: a ReceiveWindow per connection and per stream that
// polices the peer and batches WINDOW_UPDATEs — it gives credit back only once the consumed bytes
// pass half the window, not per DATA frame.
import { DEFAULT_WINDOW_SIZE, FrameType, H2Code, MAX_WINDOW_SIZE } from './constants.js';
import { H2Error } from './h2-error.js';

/**
 * A WINDOW_UPDATE of `increment` for a send window: the new size, or FLOW_CONTROL_ERROR when it
 * would pass 2^31-1 (RFC 9113 6.9.1) — a connection error on stream 0, else a stream error.
 */
export function addToWindow(window: number, increment: number, streamId: number): number {
  const next = window + increment;
  if (next > MAX_WINDOW_SIZE) {
    throw new H2Error(H2Code.FLOW_CONTROL_ERROR, streamId === 0 ? 'connection' : 'stream', `WINDOW_UPDATE of ${increment} takes the window to ${next}, past 2^31-1`, { frameType: FrameType.WINDOW_UPDATE, streamId });
  }
  return next;
}

/**
 * A SETTINGS_INITIAL_WINDOW_SIZE change of `delta` applied to an open stream's send window: the new
 * size (possibly negative), or a connection FLOW_CONTROL_ERROR past 2^31-1 (RFC 9113 6.9.2).
 */
export function applyWindowDelta(window: number, delta: number, streamId: number): number {
  const next = window + delta;
  if (next > MAX_WINDOW_SIZE) {
    throw new H2Error(H2Code.FLOW_CONTROL_ERROR, 'connection', `SETTINGS_INITIAL_WINDOW_SIZE change takes stream ${streamId}'s window to ${next}, past 2^31-1`, { frameType: FrameType.SETTINGS, streamId: 0 });
  }
  return next;
}

/** The receiving end of one window (connection or stream). */
export class ReceiveWindow {
  /** The window we advertise (what the peer may have outstanding). */
  size: number;
  /** What the peer may still send before we give credit back. */
  available: number;
  /** Bytes consumed by the application but not yet returned with WINDOW_UPDATE. */
  private pending = 0;
  readonly streamId: number;

  constructor(size = DEFAULT_WINDOW_SIZE, streamId = 0) {
    this.size = size;
    this.available = size;
    this.streamId = streamId;
  }

  /**
   * The peer sent a DATA frame of flowLength bytes (payload incl. padding). Throws
   * FLOW_CONTROL_ERROR when it exceeds the window (connection scope on stream 0, else stream).
   */
  receive(flowLength: number): void {
    if (flowLength > this.available) {
      throw new H2Error(H2Code.FLOW_CONTROL_ERROR, this.streamId === 0 ? 'connection' : 'stream', `peer sent ${flowLength} bytes with only ${this.available} left in the window`, { frameType: FrameType.DATA, streamId: this.streamId });
    }
    this.available -= flowLength;
  }

  /**
   * The application consumed n received bytes (padding counts as consumed at once). Returns the
   * WINDOW_UPDATE increment to send now, or 0 while the credit owed is at most half the window.
   */
  consume(n: number): number {
    this.pending += n;
    if (this.pending * 2 <= this.size) return 0;
    const inc = this.pending;
    this.pending = 0;
    this.available += inc;
    return inc;
  }

  /** Returns all owed credit now (e.g. a stream that will not be read further); 0 if none. */
  flush(): number {
    const inc = this.pending;
    this.pending = 0;
    this.available += inc;
    return inc;
  }

  /**
   * Grows the advertised window to `size` (e.g. the connection window right after the preface);
   * returns the WINDOW_UPDATE increment to send (0 if not larger).
   */
  expandTo(size: number): number {
    if (size > MAX_WINDOW_SIZE) size = MAX_WINDOW_SIZE;
    if (size <= this.size) return 0;
    const inc = size - this.size;
    this.size = size;
    this.available += inc;
    return inc;
  }

  /**
   * Our SETTINGS_INITIAL_WINDOW_SIZE changed (after the peer ACKed): streams' windows move by the
   * delta at once; no WINDOW_UPDATE is owed for it.
   */
  applyInitialDelta(delta: number): void {
    this.size += delta;
    this.available += delta;
  }
}
