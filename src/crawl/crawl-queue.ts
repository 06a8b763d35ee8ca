// The crawl loop's view of "what is left to fetch": a frontier plus its seen set, in memory (one
// process), in the on-disk journal (--state, resumable), or in Redis (--frontier redis://, shared
// by many processes; see redis-frontier.ts).
//
// Methods return plain values when the answer is local and Promises only when a round trip is
// needed, so the in-memory path allocates no Promise per URL. Times are nowMs() values.
//
// The local queue is bounded whatever the pages link to (a fan-out trap emits new URLs forever).
// offer() checks each new link, in this order:
//   1. budget: the queue already holds as many URLs as --max-pages can still take (every URL
//      popped counts against it, fetched or not) — the link could never be fetched: dropped;
//   2. host-queue-full: its host has --max-host-queue URLs queued in memory — dropped, so one
//      host cannot fill the whole queue and starve the others;
//   3. queue-full: the memory queue holds --max-queue URLs (or, with --state, URLs are already
//      waiting on disk) — spilled to the journal with --state (read back in order as the memory
//      queue drains), dropped without it.
// A dropped link is counted by reason and not added to the seen set (no memory at all; the same
// link found again is counted again, and queued if there is room by then). Spilled URLs are read
// back without the host check, so a host can exceed its cap by what one refill brings.
import { hostOf } from './url-normalizer.js';
import { MemoryFrontier, type Awaitable, type FrontierEntry } from './frontier.js';
import { JournaledFrontier } from './journaled-frontier.js';
import type { JournalOptions } from './journal.js';
import { SeenSet } from './seen-set.js';

/** A robots.txt answer as fetched: final status and body. */
export interface SharedRobots {
  status: number;
  body: Buffer;
}

export interface CrawlQueue {
  /** Queues those of `urls` never seen before, at `depth`; resolves to how many were new. */
  offer(urls: readonly string[], depth: number): Awaitable<number>;
  /** The next URL whose host may be fetched at `now`, if any. */
  pop(now: number): Awaitable<FrontierEntry | undefined>;
  /** When pop() may next have something (Infinity: only after an offer or a release). */
  nextReadyAt(now: number): number;
  hold(host: string): void;
  release(host: string): void;
  setHostDelay(host: string, delayMs: number): void;
  deferHost(host: string, untilMs: number): void;
  /** `url` is finished; its output record ends at byte `outputOffset`. */
  markDone(url: string, outputOffset: number): Awaitable<void>;
  /** URLs queued as far as this process knows. */
  readonly size: number;
  /** Nothing queued or in flight anywhere (a shared queue asks the server). */
  drained(): Awaitable<boolean>;
  /** Housekeeping, about once a second. */
  tick(now: number): void;
  /**
   * A shared queue only: the robots.txt answer another worker of the job already fetched for
   * `host` (null when none is known), so a job fetches each robots.txt once, not once per worker.
   */
  sharedRobots?(host: string): Promise<SharedRobots | null>;
  /** A shared queue only: hands a fetched robots.txt answer to the job's other workers. */
  shareRobots?(host: string, answer: SharedRobots): void;
  /** A bounded (local) queue: its bounds and what they turned away. */
  bounds?(): FrontierBounds;
  close(): Promise<void>;
}

/** Why a link was not queued (the summary counts drops by these). */
export type DropReason = 'budget' | 'queue-full' | 'host-queue-full';

export interface FrontierBounds {
  /** --max-queue and --max-host-queue. */
  maxQueue: number;
  maxHostQueue: number;
  /** Most URLs held in memory at once. */
  peak: number;
  /** URLs written to the journal instead of memory (--state), all told. */
  spilled: number;
  dropped: Record<DropReason, number>;
}

export interface QueueBounds {
  /** URLs kept in memory at most (beyond: spilled with a journal, else dropped). Default Infinity. */
  maxQueue?: number;
  /** URLs of one host kept in memory at most (beyond: dropped). Default Infinity. */
  maxHostQueue?: number;
  /** URLs this run may still take (--max-pages minus pages done before a resume). Default Infinity. */
  budget?: number;
}

/** Spilled URLs read back per pop at most. */
const REFILL_MAX = 65_536;

/** In-process queue: MemoryFrontier (+ the journal with --state) and a SeenSet. */
export class LocalQueue implements CrawlQueue {
  readonly memory: MemoryFrontier;
  readonly journaled: JournaledFrontier | undefined;
  readonly seen: SeenSet;
  private readonly maxQueue: number;
  private readonly maxHostQueue: number;
  /** URLs this run may still pop (Infinity: no --max-pages). */
  private budgetLeft: number;
  /** Read spilled URLs back once memory holds this few. */
  private readonly lowWater: number;
  private peak = 0;
  private spilledTotal = 0;
  private readonly dropped: Record<DropReason, number> = { budget: 0, 'queue-full': 0, 'host-queue-full': 0 };

  constructor(memory: MemoryFrontier, seen: SeenSet, journaled?: JournaledFrontier, bounds?: QueueBounds) {
    this.memory = memory;
    this.seen = seen;
    this.journaled = journaled;
    this.maxQueue = bounds?.maxQueue ?? Infinity;
    this.maxHostQueue = bounds?.maxHostQueue ?? Infinity;
    this.budgetLeft = bounds?.budget ?? Infinity;
    this.lowWater = Math.floor(this.maxQueue / 2);
    this.peak = memory.size;
  }

  /** A fresh queue; with `stateDir` a new journal there (fails if one exists). */
  static create(defaultDelayMs: number, stateDir?: string, journal?: JournalOptions, bounds?: QueueBounds): LocalQueue {
    const memory = new MemoryFrontier({ defaultDelayMs });
    const j = stateDir === undefined ? undefined : JournaledFrontier.create(stateDir, memory, journal);
    return new LocalQueue(memory, new SeenSet(), j, bounds);
  }

  /** Rebuilds the queue from the journal in `stateDir` (pending URLs past maxQueue spilled again). */
  static async resume(
    defaultDelayMs: number,
    stateDir: string,
    journal: JournalOptions & { outputSize?: number },
    bounds?: QueueBounds,
  ): Promise<{ queue: LocalQueue; outputOffset: number; done: number }> {
    const memory = new MemoryFrontier({ defaultDelayMs });
    const r = await JournaledFrontier.resume(stateDir, memory, journal, bounds?.maxQueue ?? Infinity);
    return { queue: new LocalQueue(memory, r.seen, r.frontier, bounds), outputOffset: r.outputOffset, done: r.stats.done };
  }

  /** URLs waiting: in memory plus spilled to the journal. */
  get size(): number {
    return this.memory.size + (this.journaled?.spilled ?? 0);
  }

  offer(urls: readonly string[], depth: number): number {
    let n = 0;
    const mem = this.memory;
    const j = this.journaled;
    const seen = this.seen;
    for (let i = 0; i < urls.length; i++) {
      const u = urls[i]!;
      if (seen.has(u)) continue;
      if (this.size >= this.budgetLeft) {
        this.dropped.budget++;
        continue;
      }
      const host = hostOf(u);
      if (mem.queuedFor(host) >= this.maxHostQueue) {
        this.dropped['host-queue-full']++;
        continue;
      }
      if (mem.size >= this.maxQueue || (j !== undefined && j.spilled > 0)) {
        if (j === undefined) {
          this.dropped['queue-full']++;
          continue;
        }
        seen.add(u);
        j.spill(u, depth);
        this.spilledTotal++;
        n++;
        continue;
      }
      seen.add(u);
      if (j !== undefined) j.journal.enqueue(u, depth);
      mem.push(u, depth, host);
      n++;
    }
    if (mem.size > this.peak) this.peak = mem.size;
    return n;
  }

  pop(now: number): FrontierEntry | undefined {
    const j = this.journaled;
    let e: FrontierEntry | undefined;
    if (j === undefined) {
      e = this.memory.pop(now);
    } else {
      if (j.spilled > 0 && this.memory.size <= this.lowWater) {
        // A bounded read per call keeps each pause short; the next pops read more.
        j.refill(Math.min(REFILL_MAX, this.maxQueue - this.memory.size));
        if (this.memory.size > this.peak) this.peak = this.memory.size;
      }
      e = j.pop(now);
    }
    if (e !== undefined) this.budgetLeft--;
    return e;
  }

  /** URLs this run may still take (a resume knows it once the journal is read). */
  setBudget(left: number): void {
    this.budgetLeft = left;
  }

  bounds(): FrontierBounds {
    return { maxQueue: this.maxQueue, maxHostQueue: this.maxHostQueue, peak: this.peak, spilled: this.spilledTotal, dropped: { ...this.dropped } };
  }

  nextReadyAt(): number {
    return this.memory.nextReadyAt();
  }

  hold(host: string): void {
    this.memory.hold(host);
  }

  release(host: string): void {
    this.memory.release(host);
  }

  setHostDelay(host: string, delayMs: number): void {
    this.memory.setHostDelay(host, delayMs);
  }

  deferHost(host: string, untilMs: number): void {
    this.memory.deferHost(host, untilMs);
  }

  markDone(url: string, outputOffset: number): void {
    this.journaled?.markDone(url, outputOffset);
  }

  drained(): boolean {
    return this.size === 0;
  }

  tick(now: number): void {
    this.memory.prune(now);
    this.journaled?.maybeCompact(this.seen);
  }

  close(): Promise<void> {
    this.journaled?.close();
    return Promise.resolve();
  }
}
