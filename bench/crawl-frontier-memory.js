#!/usr/bin/env node
// Frontier memory per queued URL: offers N distinct URLs (default 1M, ~61 characters, 1 host or
// HOSTS hosts) to the crawler's in-memory queue (MemoryFrontier + SeenSet, as a crawl without
// --state keeps them) and prints heap and RSS per URL. This is what --max-queue's default is
// sized from (docs/PERFORMANCE.md).
//   npm run build && node --expose-gc bench/crawl-frontier-memory.js      (N=200000 HOSTS=1000)
import { LocalQueue } from '../dist/crawl/crawl-queue.js';
import { normalizeUrl } from '../dist/crawl/url-normalizer.js';

const N = Number(process.env.N ?? 1_000_000);
const HOSTS = Number(process.env.HOSTS ?? 1);
const gc = globalThis.gc ?? (() => {});
if (globalThis.gc === undefined) console.error('run with node --expose-gc for stable numbers');

function mem() {
  gc();
  gc();
  return process.memoryUsage();
}

const url = (i) => normalizeUrl(`http://h${i % HOSTS}.example.com:8080/site/trap/${i}/page-${(i * 7919) % 100000}?ref=${i % 97}`);
const before = mem();
const q = LocalQueue.create(0);
let batch = [];
let chars = 0;
for (let i = 0; i < N; i++) {
  const u = url(i);
  chars += u.length;
  batch.push(u);
  if (batch.length === 1000) {
    q.offer(batch, 3);
    batch = [];
  }
}
q.offer(batch, 3);
const after = mem();
const per = (k) => ((after[k] - before[k]) / N).toFixed(1);
console.log(`${N} URLs queued (mean ${(chars / N).toFixed(1)} chars, ${HOSTS} host(s)): heap ${per('heapUsed')} B/URL, seen set ${per('arrayBuffers')} B/URL, RSS ${per('rss')} B/URL`);
if (q.size !== N) throw new Error(`queued ${q.size}, expected ${N}`);
