// A Frontier that records every push in the crash-safe journal (journal.ts) before handing it to
// an inner MemoryFrontier, plus markDone() for the fetched side. It remembers the URLs popped and
// not yet done, so that maybeCompact() can rewrite the journal from the live state: seen set +
// those URLs + everything still queued.
// Use create() for a new crawl and resume() for `--resume`: resume rebuilds the seen set, pushes
// the pending URLs into the inner frontier (without journaling them again: they are in the journal
// already) and says where to truncate the output file.
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
  stats: Omit<ResumeState, 'pending' | 'seen' | 'outputOffset'>;
}

export class JournaledFrontier implements Frontier {
  readonly inner: MemoryFrontier;
  readonly journal: Journal;
  /** Popped and not done yet: url → depth (journaled as pending by a compaction). */
  private readonly taken = new Map<string, number>();

  constructor(inner: MemoryFrontier, journal: Journal) {
    this.inner = inner;
    this.journal = journal;
  }

  static create(dir: string, inner: MemoryFrontier, opts?: JournalOptions): JournaledFrontier {
    return new JournaledFrontier(inner, Journal.create(dir, opts));
  }

  static async resume(dir: string, inner: MemoryFrontier, opts?: ResumeOptions): Promise<ResumedFrontier> {
    const { journal, state } = Journal.resume(dir, opts);
    try {
      for (const p of state.pending) inner.push(p.url, p.depth);
    } catch (e) {
      journal.close();
      throw e;
    }
    const { pending: _p, seen, outputOffset, ...stats } = state;
    return { frontier: new JournaledFrontier(inner, journal), seen, outputOffset, stats };
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
    if (!this.journal.wantsCompaction(seen.size, this.taken.size + this.inner.size)) return undefined;
    const pending: PendingEntry[] = [];
    for (const [url, depth] of this.taken) pending.push({ url, depth });
    this.inner.forEachQueued((url, depth) => pending.push({ url, depth }));
    return this.journal.compactNow(seen, pending);
  }

  flush(): void {
    this.journal.flush();
  }

  close(): void {
    this.journal.close();
  }
}
