// Which hosts the frontier may hand out, and when: the crawl loop's politeness switches.
// A host is held (out of the frontier's rotation) while it has --per-host requests in flight,
// a URL parked for its robots.txt, or a robots.txt still to come; failures push its next
// fetch back exponentially; a dead host (name does not resolve, error budget spent) has its
// delay dropped so its remaining URLs drain (as records) without waiting. Under --adaptive, each
// response steers the host's controller (adaptive-pace.ts): its limit replaces --per-host here and
// its extra delay becomes the frontier's host delay, max(floor, extra delay).
import type { Response } from '../client/response.js';
import type { FastbenchError } from '../core/errors.js';
import { PaceSignal } from './adaptive-pace.js';
import type { CrawlQueue } from './crawl-queue.js';
import { RobotsState, type HostState } from './host-state.js';
import { retryAfterMs } from './page-reader.js';

export interface HostGateOptions {
  perHost: number;
  robots: boolean;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Host failures after which the host is dead (ERR_CRAWL_HOST_BUDGET); unset: no budget. */
  hostErrorBudget?: number;
}

/** The longest a Retry-After holds a host back. */
const RETRY_AFTER_CAP_MS = 120_000;

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

  /** --adaptive: a response's fetch time (and whether it said "overloaded") into a live host's pace. */
  pace(h: HostState, overloaded: boolean, timeMs: number): void {
    if (h.pace === null || h.dead !== null) return;
    if (h.pace.onResponse(overloaded ? PaceSignal.Overloaded : PaceSignal.Ok, timeMs)) {
      this.queue.setHostDelay(h.key, Math.max(h.delayMs, h.pace.delayMs));
    }
  }

  /**
   * A page's fetch to the host is over (`failed`: a failure that is the host's): a 429 or 503
   * defers the host by its Retry-After and a 429 backs it off; the fetch time (and overload) steers
   * --adaptive; a failure backs the host off and counts against its error budget (spent: dead),
   * a response resets the back-off. Then the host goes back into rotation if nothing holds it.
   */
  afterPage(h: HostState, res: Response, err: FastbenchError | null, failed: boolean, timeMs: number, now: number): void {
    const busy = err === null && (res.status === 429 || res.status === 503);
    if (busy) {
      const ra = retryAfterMs(res, RETRY_AFTER_CAP_MS);
      if (ra > 0) this.queue.deferHost(h.key, now + ra);
      if (res.status === 429) this.backOff(h, now);
    }
    this.pace(h, failed || busy, timeMs);
    if (failed) {
      h.errors++;
      this.backOff(h, now);
      if (h.errors >= (this.o.hostErrorBudget ?? Infinity)) this.markDead(h, 'ERR_CRAWL_HOST_BUDGET');
    } else if (err === null) {
      h.consecutive = 0;
    }
    this.unhold(h);
  }
}
