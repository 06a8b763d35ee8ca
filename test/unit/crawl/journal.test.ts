import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal, JOURNAL_FILE } from '../../../src/crawl/journal.js';
import { JournaledFrontier } from '../../../src/crawl/journaled-frontier.js';
import { MemoryFrontier } from '../../../src/crawl/frontier.js';
import { OutputWriter } from '../../../src/crawl/output-writer.js';
import { SeenSet } from '../../../src/crawl/seen-set.js';

const root = mkdtempSync(join(tmpdir(), 'fb-journal-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => join(root, `s${n++}`);
const fast = { fsync: false, syncIntervalMs: 0 };

describe('Journal', () => {
  it('creates missing levels of DIR; fails with ERR_CRAWL_STATE where mkdir cannot', () => {
    const dir = join(fresh(), 'deep', 'er');
    Journal.create(dir, fast).close();
    expect(statSync(join(dir, JOURNAL_FILE)).isFile()).toBe(true);
    // A file where a directory should be: the mkdir error, as ERR_CRAWL_STATE. (The /proc/x case,
    // where Node's recursive mkdir spins forever, runs in a child process: test/integration/crawl/cli.test.ts.)
    writeFileSync(join(root, 'a-file'), 'x');
    expect(() => Journal.create(join(root, 'a-file', 'state'), fast)).toThrow(expect.objectContaining({ code: 'ERR_CRAWL_STATE' }));
  });

  it('rebuilds pending (enqueued minus done), seen and the output offset', () => {
    const dir = fresh();
    const j = Journal.create(dir, fast);
    j.enqueue('http://a/1', 0);
    j.enqueue('http://a/2', 1);
    j.enqueue('http://a/\u00e9', 1);
    j.done('http://a/1', 100);
    j.enqueue('http://a/3', 2);
    j.done('http://a/\u00e9', 250);
    j.close();
    const { journal, state } = Journal.resume(dir, fast);
    expect(state.pending).toEqual([
      { url: 'http://a/2', depth: 1 },
      { url: 'http://a/3', depth: 2 },
    ]);
    expect(state.outputOffset).toBe(250);
    expect([state.enqueued, state.done, state.tornBytes]).toEqual([4, 2, 0]);
    expect(state.seen.size).toBe(4);
    expect(state.seen.has('http://a/1')).toBe(true);
    // appending goes on after the resumed records
    journal.done('http://a/2', 300);
    journal.close();
    const again = Journal.resume(dir, fast);
    expect(again.state.pending).toEqual([{ url: 'http://a/3', depth: 2 }]);
    expect(again.state.outputOffset).toBe(300);
    again.journal.close();
  });

  it('ignores and truncates a torn last record, at every cut point', () => {
    const dir = fresh();
    const j = Journal.create(dir, fast);
    j.enqueue('http://a/1', 0);
    j.done('http://a/1', 10);
    j.enqueue('http://a/2', 1);
    j.close();
    const path = join(dir, JOURNAL_FILE);
    const full = readFileSync(path);
    const lastLen = 8 + 5 + 'http://a/2'.length;
    for (let cut = 1; cut < lastLen; cut++) {
      writeFileSync(path, full.subarray(0, full.length - cut));
      const { journal, state } = Journal.resume(dir, fast);
      expect(state.pending).toEqual([]);
      expect(state.outputOffset).toBe(10);
      expect(state.tornBytes).toBe(lastLen - cut);
      journal.close();
      expect(statSync(path).size).toBe(full.length - lastLen);
    }
  });

  it('stops at a record with a bad checksum or garbage length', () => {
    const dir = fresh();
    const j = Journal.create(dir, fast);
    j.enqueue('http://a/1', 0);
    j.enqueue('http://a/2', 0);
    j.close();
    const path = join(dir, JOURNAL_FILE);
    const full = readFileSync(path);
    const flipped = Buffer.from(full);
    flipped[flipped.length - 1] ^= 0xff; // last URL byte
    writeFileSync(path, flipped);
    let r = Journal.resume(dir, fast);
    expect(r.state.pending.map((p) => p.url)).toEqual(['http://a/1']);
    r.journal.close();
    writeFileSync(path, full);
    appendFileSync(path, Buffer.from([0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4, 5, 6]));
    r = Journal.resume(dir, fast);
    expect(r.state.pending.map((p) => p.url)).toEqual(['http://a/1', 'http://a/2']);
    expect(r.state.tornBytes).toBe(10);
    r.journal.close();
  });

  it('reads records that span its read chunks', () => {
    const dir = fresh();
    const j = Journal.create(dir, { ...fast, syncEvery: 500 });
    const long = 'http://a/' + 'x'.repeat(3000);
    for (let i = 0; i < 1000; i++) j.enqueue(`${long}/${i}`, i);
    for (let i = 0; i < 1000; i += 2) j.done(`${long}/${i}`, i);
    j.close();
    const { journal, state } = Journal.resume(dir, fast);
    expect(state.pending.length).toBe(500);
    expect(state.pending[0]).toEqual({ url: `${long}/1`, depth: 1 });
    expect(state.pending[499]).toEqual({ url: `${long}/999`, depth: 999 });
    expect(state.outputOffset).toBe(998);
    journal.close();
  });

  it('ignores done marks past the end of the output file', () => {
    const dir = fresh();
    const j = Journal.create(dir, fast);
    for (let i = 1; i <= 4; i++) j.enqueue(`http://a/${i}`, 0);
    for (let i = 1; i <= 4; i++) j.done(`http://a/${i}`, i * 10);
    j.close();
    const { journal, state } = Journal.resume(dir, { ...fast, outputSize: 25 });
    expect(state.outputOffset).toBe(20);
    expect(state.pending.map((p) => p.url)).toEqual(['http://a/3', 'http://a/4']);
    journal.close();
  });

  it('a crash after output was written but before its done mark: resume drops that output', () => {
    const dir = fresh();
    const snap = fresh();
    let out: OutputWriter | undefined;
    const j = Journal.create(join(dir, 'state'), { ...fast, syncEvery: 1000, beforeSync: () => out?.flush() });
    out = OutputWriter.open(join(dir, 'out.jsonl'), { format: 'jsonl', highWaterMark: 1, fsync: false });
    for (const u of ['http://a/1', 'http://a/2', 'http://a/3']) j.enqueue(u, 0);
    const off1 = out.write({ url: 'http://a/1' });
    j.done('http://a/1', off1);
    j.flush();
    const off2 = out.write({ url: 'http://a/2' }); // on disk (highWaterMark 1) ...
    j.done('http://a/2', off2); // ... but its done mark is still buffered
    cpSync(dir, snap, { recursive: true }); // the state a kill -9 would leave
    j.close();
    out.close();
    expect(statSync(join(snap, 'out.jsonl')).size).toBe(off2);
    const { journal, state } = Journal.resume(join(snap, 'state'), { ...fast, outputSize: off2 });
    expect(state.outputOffset).toBe(off1);
    expect(state.pending.map((p) => p.url)).toEqual(['http://a/2', 'http://a/3']);
    const out2 = OutputWriter.open(join(snap, 'out.jsonl'), { format: 'jsonl', offset: state.outputOffset });
    journal.done('http://a/2', out2.write({ url: 'http://a/2' }));
    out2.close();
    journal.close();
    expect(readFileSync(join(snap, 'out.jsonl'), 'utf8')).toBe('{"url":"http://a/1"}\n{"url":"http://a/2"}\n');
  });

  it('batches: writes every syncEvery records or on flush(), after beforeSync', () => {
    const dir = fresh();
    const calls: number[] = [];
    const j = Journal.create(dir, { ...fast, syncEvery: 3, beforeSync: () => calls.push(statSync(join(dir, JOURNAL_FILE)).size) });
    const path = join(dir, JOURNAL_FILE);
    const base = statSync(path).size;
    j.enqueue('http://a/1', 0);
    j.enqueue('http://a/2', 0);
    expect(statSync(path).size).toBe(base);
    expect(j.buffered).toBe(2);
    j.enqueue('http://a/3', 0);
    expect(statSync(path).size).toBeGreaterThan(base);
    expect(calls).toEqual([base]); // beforeSync ran before the batch was written
    j.enqueue('http://a/4', 0);
    j.flush();
    expect(j.buffered).toBe(0);
    j.close();
    expect(() => j.enqueue('http://a/5', 0)).toThrow(/closed/);
  });

  it('flushes on its timer', async () => {
    const dir = fresh();
    const j = Journal.create(dir, { fsync: false, syncIntervalMs: 5, syncEvery: 1000 });
    j.enqueue('http://a/1', 0);
    const path = join(dir, JOURNAL_FILE);
    const size = statSync(path).size;
    for (let i = 0; i < 100 && statSync(path).size === size; i++) await new Promise((r) => setTimeout(r, 5));
    expect(statSync(path).size).toBeGreaterThan(size);
    j.close();
  });

  it('state directory errors: existing crawl, nothing to resume, not a journal, locked', () => {
    const dir = fresh();
    Journal.create(dir, fast).close();
    expect(Journal.exists(dir)).toBe(true);
    expect(() => Journal.create(dir, fast)).toThrow(/--resume/);
    expect(() => Journal.resume(fresh(), fast)).toThrow(/no crawl to resume/);
    const held = Journal.resume(dir, fast).journal;
    writeFileSync(join(dir, 'lock'), String(process.ppid)); // a live process that is not us
    expect(() => Journal.resume(dir, fast)).toThrow(/in use by process/);
    writeFileSync(join(dir, 'lock'), '999999999'); // stale
    Journal.resume(dir, fast).journal.close();
    held.close();
    const bad = fresh();
    Journal.create(bad, fast).close();
    writeFileSync(join(bad, JOURNAL_FILE), 'NOTAJOURNAL');
    expect(() => Journal.resume(bad, fast)).toThrow(/not a fastbench crawl journal/);
    truncateSync(join(bad, JOURNAL_FILE), 3);
    expect(() => Journal.resume(bad, fast)).toThrow(/not a fastbench crawl journal/);
  });
});

describe('JournaledFrontier', () => {
  it('journals pushes, delegates pops, resumes pending into a new inner frontier', async () => {
    const dir = fresh();
    const f = JournaledFrontier.create(dir, new MemoryFrontier(), fast);
    await f.push('http://a/1', 0);
    await f.push('http://b/1', 0);
    await f.push('http://a/2', 1);
    expect(f.size).toBe(3);
    const e = await f.pop(0);
    expect(e?.url).toBe('http://a/1');
    f.markDone('http://a/1', 42);
    await f.setHostDelay('a', 10);
    await f.deferHost('b', 5);
    expect(await f.nextReadyAt()).toBe(5);
    f.flush();
    f.close();
    const r = await JournaledFrontier.resume(dir, new MemoryFrontier(), fast);
    expect(r.outputOffset).toBe(42);
    expect(r.frontier.size).toBe(2);
    expect(r.seen.size).toBe(3);
    expect(r.stats).toMatchObject({ enqueued: 3, done: 1, tornBytes: 0 });
    expect(r.stats.bytesAfter).toBe(r.stats.bytesBefore); // small: not compacted
    const urls = [(await r.frontier.pop(0))?.url, (await r.frontier.pop(0))?.url].sort();
    expect(urls).toEqual(['http://a/2', 'http://b/1']);
    r.frontier.close();
  });
});

describe('Journal failures', () => {
  it('a failing beforeSync on the timer is kept and thrown by the next call, not from the timer', async () => {
    const dir = fresh();
    let fail = true;
    const j = Journal.create(dir, {
      fsync: false,
      syncIntervalMs: 5,
      beforeSync: () => {
        if (fail) throw new Error('disk full');
      },
    });
    j.enqueue('http://a/1', 0);
    await new Promise((r) => setTimeout(r, 40));
    expect(() => j.enqueue('http://a/2', 0)).toThrow(/disk full/);
    expect(() => j.flush()).toThrow(/disk full/);
    fail = false;
    expect(() => j.close()).toThrow(/disk full/);
    expect(Journal.exists(dir)).toBe(true);
    // the lock was released even so
    Journal.resume(dir, fast).journal.close();
  });
});

describe('Journal compaction at resume', () => {
  const N = 3000;
  const url = (i: number): string => `http://h${i % 7}.test/page/${i}?q=${'x'.repeat(i % 40)}`;

  /** A journal with N URLs enqueued and all but the last 100 done (offset = 10 × pages done). */
  function mostlyDone(dir: string): void {
    const j = Journal.create(dir, fast);
    for (let i = 0; i < N; i++) j.enqueue(url(i), i % 5);
    for (let i = 0; i < N - 100; i++) j.done(url(i), (i + 1) * 10);
    j.close();
  }

  it('shrinks the journal to hashes + pending, and resumes from it to the same state', () => {
    const dir = fresh();
    mostlyDone(dir);
    const path = join(dir, JOURNAL_FILE);
    const before = statSync(path).size;
    const a = Journal.resume(dir, { ...fast, compactMinBytes: 0 });
    expect(a.state.bytesBefore).toBe(before);
    expect(a.state.bytesAfter).toBe(statSync(path).size);
    expect(a.state.bytesAfter * 4).toBeLessThan(before);
    expect(a.state.pending).toEqual(Array.from({ length: 100 }, (_, k) => ({ url: url(N - 100 + k), depth: (N - 100 + k) % 5 })));
    expect([a.state.outputOffset, a.state.done]).toEqual([(N - 100) * 10, N - 100]);
    // Work goes on after the compacted records: one more page done, one new URL found.
    a.journal.done(url(N - 100), (N - 99) * 10);
    a.journal.enqueue('http://new.test/', 1);
    a.journal.close();
    const b = Journal.resume(dir, { ...fast, compactMinBytes: Infinity });
    expect(b.state.bytesAfter).toBe(b.state.bytesBefore);
    expect(b.state.outputOffset).toBe((N - 99) * 10);
    expect(b.state.done).toBe(N - 99);
    expect(b.state.pending.map((p) => p.url)).toEqual([...Array.from({ length: 99 }, (_, k) => url(N - 99 + k)), 'http://new.test/']);
    // The seen set still knows every URL ever queued, done ones included (from their hashes).
    for (let i = 0; i < N; i++) expect(b.state.seen.has(url(i))).toBe(true);
    expect(b.state.seen.has('http://new.test/')).toBe(true);
    expect(b.state.seen.has('http://never.test/')).toBe(false);
    expect(b.state.seen.size).toBe(N + 1);
    b.journal.close();
  });

  it('leaves small journals, and journals it would not halve, as they are', () => {
    const dir = fresh();
    const j = Journal.create(dir, fast);
    for (let i = 0; i < 200; i++) j.enqueue(url(i), 0); // all pending: nothing to drop
    j.done(url(0), 10);
    j.close();
    const r = Journal.resume(dir, { ...fast, compactMinBytes: 0 });
    expect(r.state.bytesAfter).toBe(r.state.bytesBefore);
    r.journal.close();
    const dir2 = fresh();
    mostlyDone(dir2);
    const r2 = Journal.resume(dir2, fast); // default threshold 1 MiB: this one is ~200 KB
    expect(r2.state.bytesAfter).toBe(r2.state.bytesBefore);
    r2.journal.close();
  });

  it('a crash mid-compaction leaves the old journal whole (the half-written copy is ignored)', () => {
    const dir = fresh();
    mostlyDone(dir);
    const path = join(dir, JOURNAL_FILE);
    const before = readFileSync(path);
    writeFileSync(path + '.compact', before.subarray(0, 5000)); // what a kill mid-compaction leaves
    const r = Journal.resume(dir, { ...fast, compactMinBytes: 0 });
    expect(r.state.pending).toHaveLength(100);
    expect(r.state.done).toBe(N - 100);
    r.journal.close();
    const again = Journal.resume(dir, fast);
    expect(again.state.pending).toHaveLength(100);
    expect(again.state.seen.size).toBe(N);
    again.journal.close();
  });

  it('refuses to resume when the output is shorter than a compacted journal says was written', () => {
    const dir = fresh();
    mostlyDone(dir);
    Journal.resume(dir, { ...fast, compactMinBytes: 0 }).journal.close();
    expect(() => Journal.resume(dir, { ...fast, outputSize: 100 })).toThrow(expect.objectContaining({ code: 'ERR_CRAWL_STATE', message: expect.stringMatching(/shorter/) }));
  });
});

describe('JournaledFrontier compaction during a crawl', () => {
  const url = (i: number): string => `http://h${i % 7}.test/page/${i}?q=${'y'.repeat(i % 40)}`;

  it('rewrites the journal from the live state: taken-not-done and queued URLs stay pending', async () => {
    const dir = fresh();
    const seen = new SeenSet();
    const f = JournaledFrontier.create(dir, new MemoryFrontier(), { ...fast, compactMinBytes: 0 });
    for (let i = 0; i < 3000; i++) {
      seen.add(url(i));
      f.push(url(i), i % 3);
    }
    const taken: string[] = [];
    for (let i = 0; i < 2950; i++) taken.push(f.pop(0)!.url);
    for (let i = 0; i < 2900; i++) f.markDone(taken[i]!, (i + 1) * 10); // 50 taken, not done
    const c = f.maybeCompact(seen);
    expect(c).toBeDefined();
    expect(c!.after * 4).toBeLessThan(c!.before);
    expect(statSync(join(dir, JOURNAL_FILE)).size).toBe(c!.after);
    expect(f.maybeCompact(seen)).toBeUndefined(); // not until it has doubled again
    // The crawl goes on after the compaction.
    for (let i = 2900; i < 2910; i++) f.markDone(taken[i]!, (i + 1) * 10);
    seen.add('http://new.test/');
    f.push('http://new.test/', 4);
    f.close();
    const r = await JournaledFrontier.resume(dir, new MemoryFrontier(), { ...fast, compactMinBytes: Infinity });
    expect(r.outputOffset).toBe(2910 * 10);
    expect(r.stats.done).toBe(2910);
    const pending = new Set<string>();
    for (let e = r.frontier.pop(0); e !== undefined; e = r.frontier.pop(0)) pending.add(e.url);
    // Pending: every URL but the 2,910 done (the 40 taken and not done, the 50 never taken), plus the new one.
    const doneUrls = new Set(taken.slice(0, 2910));
    const want = new Set([...Array.from({ length: 3000 }, (_, i) => url(i)).filter((u) => !doneUrls.has(u)), 'http://new.test/']);
    expect(want.size).toBe(91);
    expect(pending).toEqual(want);
    for (let i = 0; i < 3000; i++) expect(r.seen.has(url(i))).toBe(true);
    expect(r.seen.size).toBe(3001);
    r.frontier.close();
  });

  it('does not compact a journal that would not halve (everything still pending)', () => {
    const dir = fresh();
    const seen = new SeenSet();
    const f = JournaledFrontier.create(dir, new MemoryFrontier(), { ...fast, compactMinBytes: 0 });
    for (let i = 0; i < 2000; i++) {
      seen.add(url(i));
      f.push(url(i), 0);
    }
    expect(f.maybeCompact(seen)).toBeUndefined();
    f.close();
  });
});

describe('LocalQueue with --state', () => {
  it('compacts its journal from the crawl loop\'s once-a-second tick', async () => {
    const { LocalQueue } = await import('../../../src/crawl/crawl-queue.js');
    const dir = fresh();
    const q = LocalQueue.create(0, dir, { ...fast, compactMinBytes: 0 });
    const urls = Array.from({ length: 2000 }, (_, i) => `http://h${i % 5}.test/p/${i}`);
    expect(q.offer(urls, 1)).toBe(2000);
    for (let i = 0; i < 1990; i++) q.markDone(q.pop(0)!.url, i + 1);
    const path = join(dir, JOURNAL_FILE);
    q.journaled!.flush();
    const before = statSync(path).size;
    q.tick(0);
    expect(statSync(path).size * 4).toBeLessThan(before);
    await q.close();
    const r = await LocalQueue.resume(0, dir, fast);
    expect(r.queue.size).toBe(10);
    expect(r.done).toBe(1990);
    expect(r.outputOffset).toBe(1990);
    expect(r.queue.offer(urls, 1)).toBe(0); // all still seen
    await r.queue.close();
  });
});
