// One coarse periodic timer per owner (a client, a server) instead of a timer per request:
// the owner's sweep(now) walks its own connections and fails whatever passed its deadline.
// The interval runs only while there is something to watch, and never keeps the process alive.
import { nowMs } from './clock.js';

export interface Sweepable {
  /** Called every tick with the current nowMs(). Return false to stop being swept. */
  sweep(now: number): boolean;
}

export class Sweeper {
  private readonly targets = new Set<Sweepable>();
  private timer: NodeJS.Timeout | undefined;

  /** @param intervalMs tick period: deadlines are enforced to within about this much. */
  constructor(readonly intervalMs = 10) {}

  add(t: Sweepable): void {
    this.targets.add(t);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      this.timer.unref();
    }
  }

  delete(t: Sweepable): void {
    this.targets.delete(t);
    if (this.targets.size === 0) this.stop();
  }

  get size(): number {
    return this.targets.size;
  }

  /** Runs one sweep now (tests call this to avoid waiting). */
  tick(): void {
    const now = nowMs();
    for (const t of this.targets) {
      if (!t.sweep(now)) this.targets.delete(t);
    }
    if (this.targets.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
