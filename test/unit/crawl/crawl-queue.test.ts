// LocalQueue's bounds: links --max-pages can no longer take are counted, not stored; one host's
// queue stops at --max-host-queue; past --max-queue links are dropped (no --state) or spilled to
// the journal and read back in order as memory drains (--state), across compaction and resume.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalQueue } from '../../../src/crawl/crawl-queue.js';
import { MemoryFrontier } from '../../../src/crawl/frontier.js';
import { JournaledFrontier } from '../../../src/crawl/journaled-frontier.js';

const dirs: string[] = [];
function stateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'fb-cq-'));
  dirs.push(d);
  return join(d, 'state');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const urls = (host: string, from: number, n: number): string[] => Array.from({ length: n }, (_, i) => `http://${host}/p/${from + i}`);
const JOURNAL = { syncEvery: 1_000_000, syncIntervalMs: 0, fsync: false };

/** Pops everything (hosts have no delay); checks memory never holds more than `max`. */
function drain(q: LocalQueue, max = Infinity): string[] {
  const out: string[] = [];
  for (;;) {
    const e = q.pop(0);
    if (e === undefined) break;
    expect(q.memory.size).toBeLessThanOrEqual(max);
    out.push(e.url);
  }
  return out;
}

describe('LocalQueue bounds', () => {
  it('budget: with N pages left, links beyond N are counted and not stored', () => {
    const q = LocalQueue.create(0, undefined, undefined, { budget: 5 });
    expect(q.offer(urls('a', 0, 12), 1)).toBe(5);
    expect(q.size).toBe(5);
    expect(q.bounds().dropped.budget).toBe(7);
    expect(q.seen.size).toBe(5); // dropped links cost no memory, not even a seen-set entry
    q.pop(0);
    q.pop(0);
    // 3 queued, 3 pages left: still no room.
    expect(q.offer(urls('a', 100, 4), 1)).toBe(0);
    expect(q.bounds().dropped.budget).toBe(11);
    expect(drain(q)).toHaveLength(3);
    expect(q.bounds().peak).toBe(5);
  });

  it('host-queue-full: one host stops at --max-host-queue, others still get in', () => {
    const q = LocalQueue.create(0, undefined, undefined, { maxHostQueue: 3, maxQueue: 10 });
    q.offer([...urls('trap', 0, 50), ...urls('b', 0, 2)], 1);
    expect(q.memory.queuedFor('trap')).toBe(3);
    expect(q.memory.queuedFor('b')).toBe(2);
    expect(q.bounds().dropped['host-queue-full']).toBe(47);
    expect(q.bounds().dropped['queue-full']).toBe(0);
    // A dropped link is not "seen": found again once its host has room, it is queued.
    q.pop(0);
    q.pop(0);
    q.pop(0);
    expect(q.offer(['http://trap/p/40'], 1)).toBe(1);
  });

  it('queue-full without a journal: dropped and counted; memory stays at --max-queue', () => {
    const q = LocalQueue.create(0, undefined, undefined, { maxQueue: 4 });
    q.offer(urls('a', 0, 3), 1);
    q.offer(urls('b', 0, 3), 1);
    expect(q.size).toBe(4);
    expect(q.bounds()).toMatchObject({ peak: 4, spilled: 0, dropped: { 'queue-full': 2 } });
  });

  it('queue-full with a journal: spilled to disk, read back in order as memory drains', () => {
    const q = LocalQueue.create(0, stateDir(), JOURNAL, { maxQueue: 4 });
    const all = urls('a', 0, 30);
    for (let i = 0; i < all.length; i += 7) q.offer(all.slice(i, i + 7), 2);
    expect(q.memory.size).toBe(4);
    expect(q.size).toBe(30);
    expect(q.bounds()).toMatchObject({ peak: 4, spilled: 26, dropped: { 'queue-full': 0 } });
    expect(q.drained()).toBe(false);
    const got = drain(q, 4);
    expect(got).toEqual(all); // one host: FIFO across memory and spill
    expect(q.drained()).toBe(true);
    void q.close();
  });

  it('while URLs wait on disk, new links go behind them (breadth-first order kept)', () => {
    const q = LocalQueue.create(0, stateDir(), JOURNAL, { maxQueue: 4 });
    q.offer(urls('a', 0, 10), 1);
    expect(q.pop(0)?.url).toBe('http://a/p/0');
    q.offer(urls('a', 100, 2), 2); // memory has room now, but 6 URLs are spilled
    expect(drain(q, 4)).toEqual([...urls('a', 1, 9), ...urls('a', 100, 2)]);
    void q.close();
  });

  it('spilled URLs survive a compaction and a resume; resume keeps memory at --max-queue', async () => {
    const dir = stateDir();
    const q = LocalQueue.create(0, dir, { ...JOURNAL, compactMinBytes: 1 }, { maxQueue: 5 });
    const all = urls('a', 0, 60);
    q.offer(all, 1);
    const got: string[] = [];
    for (let i = 0; i < 40; i++) {
      const u = q.pop(0)!.url;
      got.push(u);
      q.markDone(u, 0);
    }
    expect(q.journaled!.spilled).toBeGreaterThan(0);
    // Compaction pays now (40 of 60 done): the spilled records are carried over.
    expect(q.journaled!.maybeCompact(q.seen)).toBeDefined();
    expect(q.size).toBe(20);
    for (let i = 0; i < 4; i++) {
      const u = q.pop(0)!.url;
      got.push(u);
      q.markDone(u, 0);
    }
    expect(got).toEqual(all.slice(0, 44));
    await q.close();

    const r = await LocalQueue.resume(0, dir, { ...JOURNAL }, { maxQueue: 5 });
    expect(r.done).toBe(44);
    expect(r.queue.memory.size).toBe(5);
    expect(r.queue.size).toBe(16);
    expect(drain(r.queue, 5)).toEqual(all.slice(44));
    // Nothing queued twice: the seen set still knows every URL.
    expect(r.queue.offer(all, 1)).toBe(0);
    await r.queue.close();
  });
  it('resume spills pending URLs past --max-queue as it reads (and through a compaction at resume)', async () => {
    const dir = stateDir();
    const q = LocalQueue.create(0, dir, JOURNAL, { maxQueue: 5 });
    const all = urls('a', 0, 200);
    q.offer(all, 1);
    for (let i = 0; i < 150; i++) q.markDone(q.pop(0)!.url, 0);
    await q.close();
    // Twice: the first resume compacts (150 of 200 done) and carries the spilled URLs over; the
    // second reads the compacted journal. Memory never holds more than 5 of the 50 pending.
    for (const compactMinBytes of [1, Infinity]) {
      const r = await JournaledFrontier.resume(dir, new MemoryFrontier(), { ...JOURNAL, compactMinBytes }, 5);
      if (compactMinBytes === 1) expect(r.stats.bytesAfter).toBeLessThan(r.stats.bytesBefore / 2);
      expect(r.frontier.inner.size).toBe(5);
      expect(r.frontier.spilled).toBe(45);
      r.frontier.close();
    }
    const r = await LocalQueue.resume(0, dir, JOURNAL, { maxQueue: 5 });
    expect(r.done).toBe(150);
    expect(drain(r.queue, 5)).toEqual(all.slice(150));
    await r.queue.close();
  });
});
