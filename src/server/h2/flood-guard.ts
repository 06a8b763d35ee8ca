// Per-connection budgets against HTTP/2 control-frame floods (RFC 9113 10.5; CVE-2023-44487 rapid
// reset, CVE-2019-9512/9515/9518 ping, settings and empty-frame floods). Each kind of cheap frame
// a peer can send without us doing useful work is counted in a one-second window of the server's
// coarse clock; past its budget the connection ends with GOAWAY ENHANCE_YOUR_CALM. The
// CONTINUATION flood (CVE-2024-27316) is bounded by the frame reader's own budgets and only counted
// here. Budgets are far above what a well-behaved client sends (h2load, browsers, curl: zero
// resets, one SETTINGS, a few PINGs) and far below what makes a flood cost CPU.

export const FloodKind = {
  /** RST_STREAM from the client (each one cancels work we started). */
  RAPID_RESET: 0,
  PING: 1,
  SETTINGS: 2,
  /** DATA without payload and without END_STREAM. */
  EMPTY_DATA: 3,
  /** WINDOW_UPDATE for a window nothing waits on. */
  WINDOW_UPDATE: 4,
  /** Counted only (the reader enforces it). */
  CONTINUATION: 5,
} as const;

/** Events allowed per kind per second, per connection. */
export const FLOOD_BUDGETS: readonly number[] = [200, 1000, 100, 1000, 10_000, Infinity];

export class FloodGuard {
  private readonly counts = new Uint32Array(6);
  private windowStart = -Infinity;

  constructor(private readonly budgets: readonly number[] = FLOOD_BUDGETS) {}

  /** Counts one event of `kind` at coarse time `now`; true when that passes the kind's budget. */
  hit(kind: number, now: number): boolean {
    if (now - this.windowStart >= 1000) {
      this.counts.fill(0);
      this.windowStart = now;
    }
    return ++this.counts[kind]! > this.budgets[kind]!;
  }
}
