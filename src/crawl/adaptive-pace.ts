// Adaptive politeness (`--adaptive 200ms`): each host's requests in flight and extra delay are
// steered toward a target fetch time from what the host answers — our own small controller, in
// the spirit of Scrapy's AutoThrottle and TCP's additive increase / multiplicative decrease.
//
// Per response (the fetch time of its last exchange):
//   fast (≤ target)       one more success; after `limit` successes in a row the limit grows by
//                         one (never above --per-host), and the extra delay halves (to 0);
//   slow (> target)       the limit shrinks in proportion, limit × target / time (at least one
//                         fewer, never below 1); already at 1, the extra delay doubles (≥ 10 ms);
//   overloaded (429, 503, other 5xx, transport errors and timeouts)
//                         the limit halves (never below 1) and the extra delay doubles (at least
//                         the target), capped at maxDelayMs.
// A host starts at one request in flight (a slow start) and no extra delay. The host's delay is
// max(its floor, the extra delay), the floor being max(--delay, robots.txt Crawl-delay), so the
// controller never goes below what robots.txt asks; Retry-After and the error back-off still
// apply on top (host-gate.ts).

export const enum PaceSignal {
  Ok = 0,
  Overloaded = 1,
}

export class AdaptivePace {
  /** Requests in flight allowed now. */
  limit = 1;
  /** Extra gap between two requests to the host, ms. */
  delayMs = 0;
  private streak = 0;

  constructor(
    private readonly targetMs: number,
    private readonly maxLimit: number,
    private readonly maxDelayMs: number,
  ) {}

  /** One response came back; returns true when limit or delay changed. */
  onResponse(signal: PaceSignal, timeMs: number): boolean {
    const limit = this.limit;
    const delay = this.delayMs;
    if (signal === PaceSignal.Overloaded) {
      this.streak = 0;
      this.limit = Math.max(1, limit >> 1);
      this.delayMs = Math.min(this.maxDelayMs, Math.max(delay * 2, this.targetMs));
    } else if (timeMs <= this.targetMs) {
      if (++this.streak >= limit) {
        this.streak = 0;
        this.limit = Math.min(this.maxLimit, limit + 1);
      }
      this.delayMs = delay < 2 ? 0 : delay / 2;
    } else {
      this.streak = 0;
      if (limit > 1) this.limit = Math.max(1, Math.min(limit - 1, Math.floor((limit * this.targetMs) / timeMs)));
      else this.delayMs = Math.min(this.maxDelayMs, Math.max(delay * 2, 10));
    }
    return this.limit !== limit || this.delayMs !== delay;
  }
}

/** The controllers of the named hosts (the busiest) at the end, for the crawl summary. */
export function paceReport(names: readonly string[], paceOf: (host: string) => AdaptivePace | null | undefined): { host: string; concurrency: number; delayMs: number }[] {
  return names.flatMap((host) => {
    const pace = paceOf(host);
    return pace == null ? [] : [{ host, concurrency: pace.limit, delayMs: Math.round(pace.delayMs * 1000) / 1000 }];
  });
}
