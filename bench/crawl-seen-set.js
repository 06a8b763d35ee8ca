#!/usr/bin/env node
// Seen-set benchmark: inserts N synthetic URLs (default 5M) into the crawler's SeenSet and prints
// memory per URL and inserts/s, then does the same with a plain Set<string> (the peer: what a
// naive crawler keeps) for N/5 URLs, and prints the ratios.
//   npm run build && node --expose-gc bench/crawl-seen-set.js        (N=1000000 to go quicker)
import { SeenSet } from '../dist/crawl/seen-set.js';

const N = Number(process.env.N ?? 5_000_000);
const PEER_N = Math.max(1, Math.floor(N / 5));
const gc = globalThis.gc ?? (() => {});
const url = (i) => `https://host${i % 1000}.example.com/section/${i % 97}/page-${i}?ref=${(i * 7) % 100003}`;

function mem() {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed + m.external }; // external includes arrayBuffers
}

function perSec(n, ns) {
  return Math.round(n / (Number(ns) / 1e9));
}

// --- SeenSet ------------------------------------------------------------------------------
let before = mem();
const set = new SeenSet();
let t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) set.add(url(i));
let t1 = process.hrtime.bigint();
let dups = 0;
for (let i = 0; i < N; i += 5) if (!set.add(url(i))) dups++;
const t2 = process.hrtime.bigint();
let after = mem();
if (set.size !== N || dups !== Math.ceil(N / 5)) throw new Error(`wrong: size ${set.size}, dups ${dups}`);
const seen = {
  insertsPerSec: perSec(N, t1 - t0),
  lookupsPerSec: perSec(Math.ceil(N / 5), t2 - t1),
  tableBytes: set.bytesPerEntry(),
  rssBytes: (after.rss - before.rss) / N,
  heapBytes: (after.heap - before.heap) / N,
};

// --- peer: Set<string> ----------------------------------------------------------------------
before = mem();
const peer = new Set();
t0 = process.hrtime.bigint();
for (let i = 0; i < PEER_N; i++) peer.add(url(i));
t1 = process.hrtime.bigint();
after = mem();
const naive = {
  insertsPerSec: perSec(PEER_N, t1 - t0),
  heapBytes: (after.heap - before.heap) / PEER_N,
};
if (peer.size !== PEER_N) throw new Error('peer size');

const f = (x) => x.toFixed(1);
console.log(`SeenSet, ${N.toLocaleString('en')} URLs (avg ${url(N >> 1).length} chars), table capacity ${set.capacity.toLocaleString('en')}`);
console.log(`  inserts/s          ${seen.insertsPerSec.toLocaleString('en')}   (duplicate lookups/s ${seen.lookupsPerSec.toLocaleString('en')})`);
console.log(`  bytes/URL table    ${f(seen.tableBytes)}`);
console.log(`  bytes/URL heap+ext ${f(seen.heapBytes)}   (heapUsed + external delta)`);
console.log(`  bytes/URL RSS      ${f(seen.rssBytes)}`);
console.log(`peer Set<string>, ${PEER_N.toLocaleString('en')} URLs`);
console.log(`  inserts/s          ${naive.insertsPerSec.toLocaleString('en')}`);
console.log(`  bytes/URL heap+ext ${f(naive.heapBytes)}`);
console.log(`ratios (SeenSet / Set<string>): memory ${(seen.heapBytes / naive.heapBytes).toFixed(3)}x, inserts/s ${(seen.insertsPerSec / naive.insertsPerSec).toFixed(2)}x`);
if (globalThis.gc === undefined) console.log('(run with node --expose-gc for steadier memory numbers)');
