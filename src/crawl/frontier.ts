// The crawl frontier: URLs waiting to be fetched, handed out per host at a polite pace.
//
// `Frontier` is the interface the crawl loop talks to. Methods may return promises so a shared
// (Redis) frontier fits behind it; the in-memory one answers synchronously and the loop simply
// awaits whatever comes back. De-duplication is not the frontier's job: the loop asks the seen
// set first and pushes only new URLs.
//
// MemoryFrontier keeps one FIFO queue per host and a binary min-heap of the hosts that have
// queued URLs, keyed by the time each host may be fetched from next. pop(now) looks at the heap
// top: if that host is ready it gives out its oldest URL and reschedules the host at
// now + its delay (the default delay, a Crawl-delay set with setHostDelay, or a later time set
// with deferHost, e.g. after a 429/503 Retry-After). Hosts with nothing queued leave the heap but
// keep their timing, so a host that gets new URLs right after a fetch still waits its delay.
// Per-host queues are arrays read from a head index and compacted lazily (no shift()).
// hold(host) takes a host out of rotation until release(host) (the crawl loop holds a host while
// it has as many requests in flight as --per-host allows, or while its robots.txt is fetched);
// prune(now) forgets hosts that have nothing queued and whose timing no longer matters, so a
// probe over millions of hosts keeps a flat memory.

import { hostOf } from './url-normalizer.js';

export type Awaitable<T> = T | Promise<T>;

export interface FrontierEntry {
  readonly url: string;
  readonly depth: number;
  /** `host[:port]` of the URL: the politeness key. */
  readonly host: string;
}

export interface Frontier {
  /** Queues a URL (already normalised and de-duplicated by the caller). */
  push(url: string, depth: number): Awaitable<void>;
  /** The next URL whose host may be fetched at `now` (ms), or undefined when none is ready. */
  pop(now?: number): Awaitable<FrontierEntry | undefined>;
  /** Earliest time (ms) at which pop() can return something; Infinity when empty. */
  nextReadyAt(): Awaitable<number>;
  /** Sets the minimum gap between two fetches from `host` (e.g. robots Crawl-delay). */
  setHostDelay(host: string, delayMs: number): Awaitable<void>;
  /** Holds `host` back until `untilMs` at least (Retry-After, error back-off). */
  deferHost(host: string, untilMs: number): Awaitable<void>;
  /** Takes `host` out of rotation: pop() skips it until release(host). */
  hold(host: string): void;
  /** Puts a held host back into rotation (its timing is kept). */
  release(host: string): void;
  /** URLs queued and not yet popped. */
  readonly size: number;
}

export interface MemoryFrontierOptions {
  /** Gap between two fetches from one host when no Crawl-delay is set. Default 0. */
  defaultDelayMs?: number;
}

class HostQueue {
  readonly host: string;
  urls: string[] = [];
  depths: number[] = [];
  head = 0;
  /** When the host may be fetched from next: max(lastAt + delayMs, holdUntil). */
  nextAt = 0;
  /** Time of the last pop (-Infinity before the first). */
  lastAt = -Infinity;
  /** deferHost() time. */
  holdUntil = 0;
  delayMs: number;
  /** Position in the heap, -1 when not in it (nothing queued, or held). */
  heapIndex = -1;
  /** Out of rotation (hold()). */
  held = false;
  /** In the idle list (emptied; a prune() candidate). */
  idle = false;

  constructor(host: string, delayMs: number) {
    this.host = host;
    this.delayMs = delayMs;
  }

  get length(): number {
    return this.urls.length - this.head;
  }
}

export class MemoryFrontier implements Frontier {
  private readonly hosts = new Map<string, HostQueue>();
  private readonly heap: HostQueue[] = [];
  private readonly defaultDelayMs: number;
  private count = 0;
  /** Hosts that emptied, oldest first: prune() candidates. */
  private idleHosts: HostQueue[] = [];
  private idleHead = 0;

  constructor(opts?: MemoryFrontierOptions) {
    this.defaultDelayMs = opts?.defaultDelayMs ?? 0;
  }

  get size(): number {
    return this.count;
  }

  /** URLs queued for `host` (`host[:port]`, as hostOf gives it). */
  queuedFor(host: string): number {
    const q = this.hosts.get(host);
    return q === undefined ? 0 : q.length;
  }

  /** Number of hosts that have URLs queued. */
  get activeHosts(): number {
    return this.heap.length;
  }

  push(url: string, depth: number, host: string = hostOf(url)): void {
    const q = this.queueOf(host);
    q.urls.push(url);
    q.depths.push(depth);
    this.count++;
    if (q.heapIndex < 0 && !q.held) this.heapInsert(q);
  }

  pop(now: number = Date.now()): FrontierEntry | undefined {
    const q = this.heap[0];
    if (q === undefined || q.nextAt > now) return undefined;
    const url = q.urls[q.head]!;
    const depth = q.depths[q.head]!;
    q.head++;
    this.count--;
    if (q.head === q.urls.length) {
      q.urls = [];
      q.depths = [];
      q.head = 0;
    } else if (q.head >= 1024 && q.head * 2 >= q.urls.length) {
      q.urls = q.urls.slice(q.head);
      q.depths = q.depths.slice(q.head);
      q.head = 0;
    }
    q.lastAt = now;
    q.nextAt = Math.max(now + q.delayMs, q.holdUntil);
    if (q.length === 0) {
      this.heapRemove(q);
      if (!q.idle) {
        q.idle = true;
        this.idleHosts.push(q);
      }
    } else {
      this.siftDown(q.heapIndex);
    }
    return { url, depth, host: q.host };
  }

  nextReadyAt(): number {
    const q = this.heap[0];
    return q === undefined ? Infinity : q.nextAt;
  }

  setHostDelay(host: string, delayMs: number): void {
    const q = this.queueOf(host);
    q.delayMs = delayMs;
    q.nextAt = Math.max(q.lastAt + delayMs, q.holdUntil);
    if (q.heapIndex >= 0) this.reposition(q.heapIndex);
  }

  deferHost(host: string, untilMs: number): void {
    const q = this.queueOf(host);
    if (untilMs <= q.holdUntil) return;
    q.holdUntil = untilMs;
    if (untilMs <= q.nextAt) return;
    q.nextAt = untilMs;
    if (q.heapIndex >= 0) this.siftDown(q.heapIndex);
  }

  hold(host: string): void {
    const q = this.queueOf(host);
    q.held = true;
    if (q.heapIndex >= 0) this.heapRemove(q);
  }

  release(host: string): void {
    const q = this.hosts.get(host);
    if (q === undefined || !q.held) return;
    q.held = false;
    if (q.length > 0) {
      if (q.heapIndex < 0) this.heapInsert(q);
    } else if (!q.idle) {
      q.idle = true;
      this.idleHosts.push(q);
    }
  }

  /** Calls fn for every queued URL (host by host, oldest first within a host). */
  forEachQueued(fn: (url: string, depth: number) => void): void {
    for (const q of this.hosts.values()) {
      for (let i = q.head; i < q.urls.length; i++) fn(q.urls[i]!, q.depths[i]!);
    }
  }

  /** Number of hosts known (queued, held, or remembered for their timing). */
  get hostCount(): number {
    return this.hosts.size;
  }

  /**
   * Forgets hosts that emptied, are not held, have nothing queued and may be fetched again at
   * `now` (so forgetting their timing changes nothing). Cheap: walks only the emptied hosts, oldest
   * first, and stops at the first one whose time has not come.
   */
  prune(now: number): number {
    const list = this.idleHosts;
    let i = this.idleHead;
    let dropped = 0;
    while (i < list.length) {
      const q = list[i]!;
      if (q.length === 0 && !q.held && q.nextAt > now) break;
      i++;
      q.idle = false;
      if (q.length === 0 && !q.held && this.hosts.get(q.host) === q) {
        this.hosts.delete(q.host);
        dropped++;
      }
    }
    if (i === list.length) {
      this.idleHosts = [];
      this.idleHead = 0;
    } else if (i > 1024 && i * 2 > list.length) {
      this.idleHosts = list.slice(i);
      this.idleHead = 0;
    } else {
      this.idleHead = i;
    }
    return dropped;
  }

  private queueOf(host: string): HostQueue {
    let q = this.hosts.get(host);
    if (q === undefined) {
      q = new HostQueue(host, this.defaultDelayMs);
      this.hosts.set(host, q);
    }
    return q;
  }

  // --- binary min-heap on HostQueue.nextAt -------------------------------------------------

  private heapInsert(q: HostQueue): void {
    q.heapIndex = this.heap.length;
    this.heap.push(q);
    this.siftUp(q.heapIndex);
  }

  private heapRemove(q: HostQueue): void {
    const i = q.heapIndex;
    const last = this.heap.pop()!;
    q.heapIndex = -1;
    if (last !== q) {
      this.heap[i] = last;
      last.heapIndex = i;
      this.reposition(i);
    }
  }

  private reposition(i: number): void {
    if (i > 0 && this.heap[(i - 1) >> 1]!.nextAt > this.heap[i]!.nextAt) this.siftUp(i);
    else this.siftDown(i);
  }

  private siftUp(i: number): void {
    const h = this.heap;
    const q = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (parent.nextAt <= q.nextAt) break;
      h[i] = parent;
      parent.heapIndex = i;
      i = p;
    }
    h[i] = q;
    q.heapIndex = i;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    const q = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && h[r]!.nextAt < h[l]!.nextAt ? r : l;
      const child = h[c]!;
      if (child.nextAt >= q.nextAt) break;
      h[i] = child;
      child.heapIndex = i;
      i = c;
    }
    h[i] = q;
    q.heapIndex = i;
  }
}
