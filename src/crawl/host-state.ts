// What the crawl loop knows about one host (`host[:port]`, the politeness key): its robots.txt,
// requests in flight, the URL parked while robots.txt is fetched, its error count and back-off.
// The frontier keeps the host's queue and clock; this keeps the rest.
//
// HostTable forgets idle hosts once it holds more than `maxIdle` of them (oldest idle first), so
// a probe over millions of hosts keeps a flat memory. A forgotten host that shows up again has its
// robots.txt fetched again.
import type { FrontierEntry } from './frontier.js';
import type { AdaptivePace } from './adaptive-pace.js';
import type { Robots } from './robots.js';
import type { CookieJar } from 'tough-cookie';

export const enum RobotsState {
  /** Not fetched yet (or to be fetched again after a failure, at wakeAt). */
  Unknown = 0,
  Fetching = 1,
  Ready = 2,
}

export class HostState {
  readonly key: string;
  robots: Robots | null = null;
  robotsState = RobotsState.Unknown;
  robotsFailures = 0;
  /** The shared queue was asked for this host's robots.txt (asked once). */
  robotsAsked = false;
  /** Scheme to fetch robots.txt with (that of the first URL seen). */
  scheme: 'http' | 'https' = 'http';
  /** A URL popped from the frontier that waits for robots.txt or for its turn. */
  parked: FrontierEntry | null = null;
  /** Not before this (nowMs): the parked URL's turn, or a robots.txt retry. */
  wakeAt = 0;
  /** In the crawl loop's waiting heap (at heapIndex). */
  waiting = false;
  heapIndex = -1;
  /** Waiting for a robots.txt fetch to start (counted by the loop, which pops less meanwhile). */
  wantsRobots = false;
  /** Requests in flight (pages and robots.txt). */
  inFlight = 0;
  /** Taken out of the frontier's rotation. */
  held = false;
  /** Least gap between two requests (max of --delay and the robots Crawl-delay). */
  delayMs: number;
  /** --adaptive: the host's controller (null without it: --per-host applies). */
  pace: AdaptivePace | null = null;
  /** Failures counted against the error budget, and failures in a row (for the back-off). */
  errors = 0;
  consecutive = 0;
  /** When set, every further URL of the host is recorded with this error code, unfetched. */
  dead: string | null = null;
  /** In the idle list. */
  idle = false;
  /** The host's cookie jar (crawl --cookies; made at its first Set-Cookie; forgotten with the host). */
  jar: CookieJar | null = null;

  constructor(key: string, delayMs: number) {
    this.key = key;
    this.delayMs = delayMs;
  }

  /** Nothing in flight, parked or held: may be forgotten. */
  get isIdle(): boolean {
    return this.inFlight === 0 && this.parked === null && !this.held && !this.waiting;
  }
}

export class HostTable {
  private readonly map = new Map<string, HostState>();
  private idleList: HostState[] = [];
  private readonly maxIdle: number;
  private readonly delayMs: number;

  /** `init` sets up a host when it is first seen (the crawl loop gives it its --adaptive controller). */
  constructor(delayMs: number, maxIdle = 50_000, private readonly init?: (h: HostState) => void) {
    this.delayMs = delayMs;
    this.maxIdle = maxIdle;
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): HostState {
    let h = this.map.get(key);
    if (h === undefined) {
      h = new HostState(key, this.delayMs);
      this.init?.(h);
      this.map.set(key, h);
    }
    return h;
  }

  peek(key: string): HostState | undefined {
    return this.map.get(key);
  }

  /** The host may have gone idle: remember it as a candidate for forgetting. */
  maybeIdle(h: HostState): void {
    if (h.idle || !h.isIdle) return;
    h.idle = true;
    this.idleList.push(h);
  }

  /** Forgets the oldest idle hosts beyond maxIdle. */
  prune(): void {
    const list = this.idleList;
    if (list.length <= this.maxIdle) return;
    let k = 0;
    const drop = list.length - this.maxIdle;
    let dropped = 0;
    for (let i = 0; i < list.length; i++) {
      const h = list[i]!;
      if (dropped < drop) {
        h.idle = false;
        if (h.isIdle && this.map.get(h.key) === h) {
          this.map.delete(h.key);
          dropped++;
        }
        continue;
      }
      list[k++] = h;
    }
    list.length = k;
  }

  values(): IterableIterator<HostState> {
    return this.map.values();
  }
}

/** A binary min-heap of hosts on wakeAt: the crawl loop's hosts waiting for their turn. */
export class WaitHeap {
  private readonly h: HostState[] = [];
  /** At the last takeDue the top was due but no slot was free: serve it when one frees up. */
  blocked = false;

  /** Puts the host in line for its turn at its wakeAt (re-sorted if it already waits). */
  add(x: HostState): void {
    if (x.waiting) {
      this.update(x);
      return;
    }
    x.waiting = true;
    this.push(x);
  }

  /**
   * Takes out the first host due by `now`: undefined when none is, or when a live one is due but
   * no slot is free (`blocked`; a dead host needs no slot — its URLs are recorded, not fetched).
   */
  takeDue(now: number, freeSlots: number): HostState | undefined {
    this.blocked = false;
    const x = this.h[0];
    if (x === undefined || x.wakeAt > now) return undefined;
    if (x.dead === null && freeSlots === 0) {
      this.blocked = true;
      return undefined;
    }
    this.pop();
    x.waiting = false;
    return x;
  }

  get size(): number {
    return this.h.length;
  }

  peek(): HostState | undefined {
    return this.h[0];
  }

  push(x: HostState): void {
    x.heapIndex = this.h.length;
    this.h.push(x);
    this.up(x.heapIndex);
  }

  pop(): HostState | undefined {
    const h = this.h;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    top.heapIndex = -1;
    if (last !== top) {
      h[0] = last;
      last.heapIndex = 0;
      this.down(0);
    }
    return top;
  }

  /** Re-sorts `x` after its wakeAt changed. */
  update(x: HostState): void {
    const i = x.heapIndex;
    if (i < 0) return;
    if (i > 0 && this.h[(i - 1) >> 1]!.wakeAt > x.wakeAt) this.up(i);
    else this.down(i);
  }

  private up(i: number): void {
    const h = this.h;
    const x = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.wakeAt <= x.wakeAt) break;
      h[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    h[i] = x;
    x.heapIndex = i;
  }

  private down(i: number): void {
    const h = this.h;
    const n = h.length;
    const x = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]!.wakeAt < h[l]!.wakeAt ? r : l;
      const child = h[c]!;
      if (child.wakeAt >= x.wakeAt) break;
      h[i] = child;
      child.heapIndex = i;
      i = c;
    }
    h[i] = x;
    x.heapIndex = i;
  }
}
