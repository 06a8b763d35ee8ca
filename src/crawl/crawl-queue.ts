// The crawl loop's view of "what is left to fetch": a frontier plus its seen set, in memory (one
// process), in the on-disk journal (--state, resumable), or in Redis (--frontier redis://, shared
// by many processes; see redis-frontier.ts).
//
// Methods return plain values when the answer is local and Promises only when a round trip is
// needed, so the in-memory path allocates no Promise per URL. Times are nowMs() values.
import { MemoryFrontier, type Awaitable, type Frontier, type FrontierEntry } from './frontier.js';
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
  close(): Promise<void>;
}

/** In-process queue: MemoryFrontier (+ the journal with --state) and a SeenSet. */
export class LocalQueue implements CrawlQueue {
  readonly memory: MemoryFrontier;
  readonly journaled: JournaledFrontier | undefined;
  readonly seen: SeenSet;
  private readonly front: Frontier;

  constructor(memory: MemoryFrontier, seen: SeenSet, journaled?: JournaledFrontier) {
    this.memory = memory;
    this.seen = seen;
    this.journaled = journaled;
    this.front = journaled ?? memory;
  }

  /** A fresh queue; with `stateDir` a new journal there (fails if one exists). */
  static create(defaultDelayMs: number, stateDir?: string, journal?: JournalOptions): LocalQueue {
    const memory = new MemoryFrontier({ defaultDelayMs });
    const j = stateDir === undefined ? undefined : JournaledFrontier.create(stateDir, memory, journal);
    return new LocalQueue(memory, new SeenSet(), j);
  }

  /** Rebuilds the queue from the journal in `stateDir`. */
  static async resume(defaultDelayMs: number, stateDir: string, journal: JournalOptions & { outputSize?: number }): Promise<{ queue: LocalQueue; outputOffset: number; done: number }> {
    const memory = new MemoryFrontier({ defaultDelayMs });
    const r = await JournaledFrontier.resume(stateDir, memory, journal);
    return { queue: new LocalQueue(memory, r.seen, r.frontier), outputOffset: r.outputOffset, done: r.stats.done };
  }

  get size(): number {
    return this.memory.size;
  }

  offer(urls: readonly string[], depth: number): number {
    let n = 0;
    const f = this.front;
    for (let i = 0; i < urls.length; i++) {
      const u = urls[i]!;
      if (this.seen.add(u)) {
        void f.push(u, depth);
        n++;
      }
    }
    return n;
  }

  pop(now: number): FrontierEntry | undefined {
    return this.journaled !== undefined ? this.journaled.pop(now) : this.memory.pop(now);
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
    return this.memory.size === 0;
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
