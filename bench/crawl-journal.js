#!/usr/bin/env node
// Crawl journal benchmark (`--state DIR`): journals N synthetic URLs (default 1M) with 90% of them
// done, then resumes twice — the first resume compacts the journal, the second reads the
// compacted one — and prints bytes on disk per URL and resume times, before and after. Then the
// same state is built through a JournaledFrontier and compacted live (the pause a crawl sees).
//   npm run build && node bench/crawl-journal.js          (N=200000 to go quicker)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../dist/crawl/journal.js';
import { JournaledFrontier } from '../dist/crawl/journaled-frontier.js';
import { MemoryFrontier } from '../dist/crawl/frontier.js';
import { SeenSet } from '../dist/crawl/seen-set.js';

const N = Number(process.env.N ?? 1_000_000);
const DONE = Math.floor(N * 0.9);
const url = (i) => `https://www${i % 1000}.example.com/section/${i % 97}/article-${i}.html`;
const opts = { fsync: false, syncIntervalMs: 0, syncEvery: 10_000 };
const dir = mkdtempSync(join(tmpdir(), 'fastbench-journal-'));
try {
  let urlBytes = 0;
  const j = Journal.create(dir, opts);
  for (let i = 0; i < N; i++) {
    const u = url(i);
    urlBytes += u.length;
    j.enqueue(u, 2);
  }
  for (let i = 0; i < DONE; i++) j.done(url(i), (i + 1) * 100);
  j.close();
  let t = performance.now();
  const first = Journal.resume(dir, opts);
  const firstMs = performance.now() - t;
  first.journal.close();
  t = performance.now();
  const second = Journal.resume(dir, opts);
  const secondMs = performance.now() - t;
  second.journal.close();
  if (second.state.pending.length !== N - DONE || second.state.seen.size !== N) throw new Error('resumed state is wrong');
  const mb = (b) => (b / 1e6).toFixed(1);
  console.log(`${N} URLs (mean ${(urlBytes / N).toFixed(1)} bytes), ${DONE} done, ${N - DONE} pending`);
  console.log(`journal before compaction: ${mb(first.state.bytesBefore)} MB (${(first.state.bytesBefore / N).toFixed(1)} B/URL); resume + compaction ${firstMs.toFixed(0)} ms`);
  console.log(`journal after compaction:  ${mb(first.state.bytesAfter)} MB (${(first.state.bytesAfter / N).toFixed(1)} B/URL); resume ${secondMs.toFixed(0)} ms`);
  console.log(`ratio: ${(first.state.bytesBefore / first.state.bytesAfter).toFixed(1)}× smaller, resume ${(firstMs / secondMs).toFixed(1)}× faster`);
  rmSync(dir, { recursive: true, force: true });
  const seen = new SeenSet();
  const f = JournaledFrontier.create(dir, new MemoryFrontier(), opts);
  for (let i = 0; i < N; i++) {
    seen.add(url(i));
    f.push(url(i), 2);
  }
  for (let i = 0; i < DONE; i++) f.markDone(f.pop(0).url, (i + 1) * 100);
  t = performance.now();
  const live = f.maybeCompact(seen);
  const liveMs = performance.now() - t;
  f.close();
  if (live === undefined) throw new Error('live compaction did not run');
  console.log(`live compaction during a crawl: ${mb(live.before)} -> ${mb(live.after)} MB in ${liveMs.toFixed(0)} ms (fsync off; the loop pauses this long)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
