// A Frontier that records every push in the crash-safe journal (journal.ts) before handing it to
// an inner MemoryFrontier, plus markDone() for the fetched side. It remembers the URLs popped and
// not yet done, so that maybeCompact() can rewrite the journal from the live state: seen set +
// those URLs + everything still queued.
// Use create() for a new crawl and resume() for `--resume`: resume rebuilds the seen set, pushes
// the pending URLs into the inner frontier (without journaling them again: they are in the journal
// already) and says where to truncate the output file.
//
// Spilling: with a bounded in-memory queue (LocalQueue's --max-queue), URLs that do not fit are
// written as spill records (journal.ts) and not kept in memory; refill() reads them back, in
// order, as the memory queue drains. `spilled` counts those on disk and not read back yet, from
// the `spillAt` position on. A compaction carries them over (copied from the old file, still
// spill records). At resume, pending URLs beyond the memory bound are spilled again.
//
// The crawl loop, per fetched page (see journal.ts for why this order gives exactly-once output):
//     for (const link of newLinks) if (seen.add(link)) await frontier.push(link, depth + 1);
//     const offset = output.write(record);
//     frontier.markDone(url, offset);

import { Journal, type JournalOptions, type PendingEntry, type ResumeOptions, type ResumeState } from './journal.js';
import type { Awaitable, Frontier, FrontierEntry, MemoryFrontier } from './frontier.js';
import type { SeenSet } from './seen-set.js';

export interface ResumedFrontier {
  frontier: JournaledFrontier;
  seen: SeenSet;
  outputOffset: number;
  stats: Omit<ResumeState, 'pending' | 'spill' | 'seen' | 'outputOffset'>;
}

export class JournaledFrontier implements Frontier {
  readonly inner: MemoryFrontier;
  readonly journal: Journal;
  /** Popped and not done yet: url → depth (journaled as pending by a compaction). */
  private readonly taken = new Map<string, number>();
  /** Spilled URLs not read back yet. */
  private spillCount = 0;
  /** Where to read them back from (-1: none spilled since the spill last ran dry). */
  private spillAt = -1;

  constructor(inner: MemoryFrontier, journal: Journal) {
    this.inner = inner;
    this.journal = journal;
  }

  /** URLs spilled to the journal and not read back yet. */
  get spilled(): number {
    return this.spillCount;
  }

  /** Journals `url` as queued without keeping it in memory (the memory queue is full). */
  spill(url: string, depth: number): void {
    const at = this.journal.spill(url, depth);
    if (this.spillAt < 0) this.spillAt = at;
    this.spillCount++;
  }

  /** Reads up to `max` spilled URLs back into the memory queue; returns how many. */
  refill(max: number): number {
    if (this.spillCount === 0 || max <= 0) return 0;
    let n = 0;
    const inner = this.inner;
    this.spillAt = this.journal.readSpilled(this.spillAt, Math.min(max, this.spillCount), (url, depth) => {
      inner.push(url, depth);
      n++;
    });
    this.spillCount -= n;
    if (n === 0 || this.spillCount === 0) {
      // Read to the end (n === 0 would mean the count and the file disagree: trust the file).
      this.spillCount = 0;
      this.spillAt = -1;
    }
    return n;
  }

  static create(dir: string, inner: MemoryFrontier, opts?: JournalOptions): JournaledFrontier {
    return new JournaledFrontier(inner, Journal.create(dir, opts));
  }

  /**
   * Resumes; at most `maxInMemory` pending URLs go to memory (the journal spills the rest while it
   * reads, so resume holds no more than that either).
   */
  static async resume(dir: string, inner: MemoryFrontier, opts?: ResumeOptions, maxInMemory = Infinity): Promise<ResumedFrontier> {
    const { journal, state } = Journal.resume(dir, { ...opts, maxPending: maxInMemory });
    const frontier = new JournaledFrontier(inner, journal);
    try {
      for (const p of state.pending) inner.push(p.url, p.depth);
    } catch (e) {
      journal.close();
      throw e;
    }
    if (state.spill.count > 0) {
      frontier.spillAt = state.spill.at;
      frontier.spillCount = state.spill.count;
    }
    const { pending: _p, spill: _s, seen, outputOffset, ...stats } = state;
    return { frontier, seen, outputOffset, stats };
  }

  get size(): number {
    return this.inner.size;
  }

  push(url: string, depth: number): Awaitable<void> {
    this.journal.enqueue(url, depth);
    return this.inner.push(url, depth);
  }

  pop(now?: number): FrontierEntry | undefined {
    const e = this.inner.pop(now);
    if (e !== undefined) this.taken.set(e.url, e.depth);
    return e;
  }

  nextReadyAt(): Awaitable<number> {
    return this.inner.nextReadyAt();
  }

  setHostDelay(host: string, delayMs: number): Awaitable<void> {
    return this.inner.setHostDelay(host, delayMs);
  }

  deferHost(host: string, untilMs: number): Awaitable<void> {
    return this.inner.deferHost(host, untilMs);
  }

  hold(host: string): void {
    this.inner.hold(host);
  }

  release(host: string): void {
    this.inner.release(host);
  }

  /** Marks `url` fetched, its output record ending at byte `outputOffset`. */
  markDone(url: string, outputOffset: number): void {
    this.journal.done(url, outputOffset);
    this.taken.delete(url);
  }

  /**
   * Compacts the journal when it pays (see Journal.wantsCompaction); `seen` must be the crawl's
   * whole seen set. Returns the sizes when it did. Call between pages (the crawl loop's tick).
   */
  maybeCompact(seen: SeenSet): { before: number; after: number } | undefined {
    if (!this.journal.wantsCompaction(seen.size, this.taken.size + this.inner.size + this.spillCount)) return undefined;
    const pending: PendingEntry[] = [];
    for (const [url, depth] of this.taken) pending.push({ url, depth });
    this.inner.forEachQueued((url, depth) => pending.push({ url, depth }));
    const r = this.journal.compactNow(seen, pending, this.spillCount > 0 ? this.spillAt : undefined);
    if (this.spillCount > 0) this.spillAt = r.spillAt;
    return { before: r.before, after: r.after };
  }

  flush(): void {
    this.journal.flush();
  }

  close(): void {
    this.journal.close();
  }
}
