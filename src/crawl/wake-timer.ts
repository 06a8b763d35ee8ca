// The crawl loop's one timer: armed for the next moment something may become ready (a host's turn,
// a frontier entry's delay), moved earlier when something sooner comes up, never one per request.
export class WakeTimer {
  private timer: NodeJS.Timeout | undefined;
  private at = Infinity;

  constructor(private readonly onWake: () => void) {}

  /** Wakes the loop at `at` (nowMs; at least 1 ms from `now`) unless it is armed for sooner. */
  arm(at: number, now: number): void {
    if (at <= now) at = now + 1;
    if (this.timer !== undefined) {
      if (at >= this.at) return;
      clearTimeout(this.timer);
    }
    this.at = at;
    this.timer = setTimeout(this.fire, Math.ceil(at - now));
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.at = Infinity;
    this.onWake();
  };
}
