// Chunk-by-chunk timing of a streamed response body (issue 18), for requests that ask for it
// (`stream: true` / `stream: sse`). A Response carries a StreamTimer in `stream` (null: off — the
// connections' only cost is that one check per body run). The connection hands it every run of
// body bytes with the read's time (HTTP/1 chunked or close-delimited body runs, HTTP/2 DATA).
//
// Two modes:
//   - Chunks: each read that brought body bytes is one arrival (several HTTP chunks or DATA frames
//     read at once arrive together: one arrival, not gaps of 0).
//   - Sse: the bytes go through an incremental text/event-stream parser (http/sse-parser.ts); each
//     dispatched event is an arrival at the time of the read that completed it.
// Arrival instants (nowMs()) go into a typed array reused across exchanges (grown on demand up to
// MAX_KEPT; beyond that only the count and the last instant are kept). The engine reads them when
// the exchange completes (engine/stream-recording.ts) and records the histograms.
import { SseParser, type SseHandler } from '../http/sse-parser.js';

export const enum StreamMode {
  Off = 0,
  Chunks = 1,
  Sse = 2,
}

/** Arrival instants kept per exchange (a longer stream still counts every arrival). */
export const MAX_KEPT = 65_536;

export class StreamTimer implements SseHandler {
  mode: StreamMode = StreamMode.Chunks;
  /** Arrivals (chunks or events) seen in this exchange. */
  count = 0;
  /** nowMs() of the first and the last arrival (0: none). */
  firstAt = 0;
  lastAt = 0;
  /** Arrival instants; the first min(count, times.length) are valid. */
  times = new Float64Array(256);
  /** Body bytes seen. */
  bytes = 0;
  readonly sse = new SseParser(this);
  /** The time of the read being parsed (SSE). */
  private at = 0;

  /** Starts timing a new exchange. */
  begin(mode: StreamMode): void {
    this.mode = mode;
    this.count = 0;
    this.firstAt = this.lastAt = 0;
    this.bytes = 0;
    if (mode === StreamMode.Sse) this.sse.reset();
  }

  /** A run of body bytes buf[start, end) read at `at` (nowMs()). */
  onBody(buf: Buffer, start: number, end: number, at: number): void {
    if (end <= start) return;
    this.bytes += end - start;
    if (this.mode === StreamMode.Sse) {
      this.at = at;
      this.sse.feed(buf, start, end);
    } else if (this.count === 0 || at !== this.lastAt) {
      this.arrive(at);
    }
  }

  /** SseHandler: an event was dispatched. */
  onEvent(): void {
    this.arrive(this.at);
  }

  /** How many arrival instants are kept in `times`. */
  get kept(): number {
    return this.count < this.times.length ? this.count : this.times.length;
  }

  private arrive(at: number): void {
    const n = this.count++;
    if (n === 0) this.firstAt = at;
    this.lastAt = at;
    let t = this.times;
    if (n >= t.length) {
      if (t.length >= MAX_KEPT) return;
      const grown = new Float64Array(t.length * 2);
      grown.set(t);
      this.times = t = grown;
    }
    t[n] = at;
  }
}
