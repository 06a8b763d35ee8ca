// Which hosts the frontier may hand out, and when: the crawl loop's politeness switches.
// A host is held (out of the frontier's rotation) while it has --per-host requests in flight,
// a URL parked for its robots.txt, or a robots.txt still to come; failures push its next
// fetch back exponentially; a dead host (name does not resolve, error budget spent) has its
// delay dropped so its remaining URLs drain (as records) without waiting.
import type { CrawlQueue } from './crawl-queue.js';
import { RobotsState, type HostState } from './host-state.js';

export interface HostGateOptions {
  perHost: number;
  robots: boolean;
  backoffBaseMs: number;
  backoffMaxMs: number;
}

export class HostGate {
  constructor(
    private readonly queue: CrawlQueue,
    private readonly o: HostGateOptions,
  ) {}

  /** Takes the host out of the frontier's rotation. */
  hold(h: HostState): void {
    if (h.held) return;
    h.held = true;
    this.queue.hold(h.key);
  }

  /** Puts the host back into rotation when nothing keeps it out. */
  unhold(h: HostState): void {
    if (!h.held || h.parked !== null || h.robotsState === RobotsState.Fetching) return;
    if (h.dead === null) {
      if (h.inFlight >= this.limitOf(h)) return;
      if (this.o.robots && h.robotsState !== RobotsState.Ready) return;
    }
    h.held = false;
    this.queue.release(h.key);
  }

  /** Holds the host when it has as many requests in flight as it may (--per-host, or --adaptive's limit). */
  holdIfFull(h: HostState): void {
    if (h.inFlight >= this.limitOf(h)) this.hold(h);
  }

  /** Requests in flight the host may have: --per-host, or what --adaptive allows now. */
  private limitOf(h: HostState): number {
    return h.pace === null ? this.o.perHost : h.pace.limit;
  }

  /** The host will not be fetched again: its URLs are recorded with `code`. */
  markDead(h: HostState, code: string): void {
    if (h.dead !== null) return;
    h.dead = code;
    this.queue.setHostDelay(h.key, 0); // drain its remaining URLs (as records) without waiting
  }

  /** One more failure in a row: the host's next fetch waits base * 2^(n-1), capped. */
  backOff(h: HostState, now: number): void {
    h.consecutive++;
    const wait = Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** Math.min(h.consecutive - 1, 30));
    this.queue.deferHost(h.key, now + wait);
  }
}
