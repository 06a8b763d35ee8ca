// The crawler's seen set: has this normalised URL been queued before?
//
// It stores 64-bit hashes, not strings, in one open-addressing table (linear probing) held in a
// Uint32Array of [lo, hi] pairs: 8 bytes a slot, no per-URL objects, nothing for the GC to walk,
// so memory stays flat and predictable at tens of millions of URLs. The table doubles when it is
// 70% full, so it holds between 8/0.7 = 11.4 and 8/0.35 = 22.9 bytes per URL (a doubling briefly
// needs the old and the new table: 1.5x). The all-zero pair marks an empty slot; a hash that
// happens to be all zero is stored as lo = 1.
//
// False positives: two different URLs with the same 64-bit hash — the second is wrongly taken as
// seen and never crawled. With n URLs and a uniform 64-bit hash the chance that any collision
// happens at all is about n² / 2^65: at 50 million URLs that is 2.5e15 / 3.7e19 ≈ 7e-5, i.e. one
// crawl in ~15,000 of that size skips one URL. False negatives cannot happen.
//
// The hash: the URL is encoded to UTF-8 bytes and read as little-endian 32-bit words; two lanes
// mix each word with different MurmurHash3-style constants and rotations, cross-mix at the end
// and go through the murmur3 finaliser, giving 64 bits. It is fast and well distributed, but not
// cryptographic: someone who controls the pages could build colliding URLs on purpose.

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const C3 = 0x85ebca6b;
const C4 = 0xc2b2ae35;
const SEED_A = 0x9747b28c;
const SEED_B = 0x2f693a51;
const MAX_LOAD = 0.7;

let scratch = new Uint8Array(4096);
const encoder = new TextEncoder();
// The last hash computed, returned through module state to avoid allocating a pair per call.
let hashLo = 0;
let hashHi = 0;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * Hashes the UTF-8 bytes of `s` into hashLo / hashHi. (encodeInto then reading bytes measured
 * faster than reading char codes straight from the string, even for ASCII.)
 */
function hashString(s: string): void {
  if (s.length * 3 > scratch.length) scratch = new Uint8Array(s.length * 3 + 1024);
  const b = scratch;
  const n = encoder.encodeInto(s, b).written;
  let h1 = SEED_A ^ n;
  let h2 = SEED_B;
  const nw = n & ~3;
  let i = 0;
  for (; i < nw; i += 4) {
    const k = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    let k1 = Math.imul(k, C1);
    k1 = Math.imul(rotl(k1, 15), C2);
    h1 ^= k1;
    h1 = (Math.imul(rotl(h1, 13), 5) + 0xe6546b64) | 0;
    let k2 = Math.imul(k, C3);
    k2 = Math.imul(rotl(k2, 17), C4);
    h2 ^= k2;
    h2 = (Math.imul(rotl(h2, 11), 5) + 0x561ccd1b) | 0;
    h2 = (h2 + h1) | 0;
  }
  if (i < n) {
    let k = 0;
    for (let j = n - 1; j >= i; j--) k = (k << 8) | b[j]!;
    h1 ^= Math.imul(rotl(Math.imul(k, C1), 15), C2);
    h2 ^= Math.imul(rotl(Math.imul(k, C3), 17), C4);
  }
  finish(h1, h2, n);
}

function finish(h1: number, h2: number, n: number): void {
  h1 ^= n;
  h2 ^= n;
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  hashLo = h1 >>> 0;
  hashHi = h2 >>> 0;
  if (hashLo === 0 && hashHi === 0) hashLo = 1;
}

/** The 64-bit hash the seen set uses for a string (for tests and diagnostics). */
export function hash64(s: string): bigint {
  hashString(s);
  return (BigInt(hashHi) << 32n) | BigInt(hashLo);
}

export interface SeenSetOptions {
  /** Expected number of URLs: sizes the first table so no doubling happens before it. */
  expected?: number;
}

export class SeenSet {
  private slots: Uint32Array;
  private mask: number;
  private count = 0;
  private limit: number;

  constructor(opts?: SeenSetOptions) {
    let cap = 1024;
    const want = Math.ceil((opts?.expected ?? 0) / MAX_LOAD);
    while (cap < want) cap *= 2;
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap - 1;
    this.limit = Math.floor(cap * MAX_LOAD);
  }

  /** Number of distinct URLs added. */
  get size(): number {
    return this.count;
  }

  /** Number of slots in the table. */
  get capacity(): number {
    return this.mask + 1;
  }

  /** Adds the URL; true when it was not there before. */
  add(url: string): boolean {
    hashString(url);
    return this.insert(hashLo, hashHi);
  }

  has(url: string): boolean {
    hashString(url);
    const lo = hashLo;
    const hi = hashHi;
    const s = this.slots;
    const mask = this.mask;
    let i = lo & mask;
    for (;;) {
      const a = s[i * 2]!;
      const b = s[i * 2 + 1]!;
      if (a === lo && b === hi) return true;
      if (a === 0 && b === 0) return false;
      i = (i + 1) & mask;
    }
  }

  /** Adds a hash as hash64() gives it in two 32-bit halves (a journal snapshot); true when new. */
  addHash(lo: number, hi: number): boolean {
    if (lo === 0 && hi === 0) lo = 1; // the empty-slot marker; hashString never yields it either
    return this.insert(lo >>> 0, hi >>> 0);
  }

  /** Calls fn with each stored hash's two 32-bit halves, in table order. */
  forEachHash(fn: (lo: number, hi: number) => void): void {
    const s = this.slots;
    for (let j = 0; j < s.length; j += 2) {
      const lo = s[j]!;
      const hi = s[j + 1]!;
      if (lo !== 0 || hi !== 0) fn(lo, hi);
    }
  }

  /** Table bytes per stored URL (the typed array only; 0 when empty). */
  bytesPerEntry(): number {
    return this.count === 0 ? 0 : this.slots.byteLength / this.count;
  }

  clear(): void {
    this.slots.fill(0);
    this.count = 0;
  }

  private insert(lo: number, hi: number): boolean {
    const s = this.slots;
    const mask = this.mask;
    let i = lo & mask;
    for (;;) {
      const a = s[i * 2]!;
      const b = s[i * 2 + 1]!;
      if (a === lo && b === hi) return false;
      if (a === 0 && b === 0) break;
      i = (i + 1) & mask;
    }
    s[i * 2] = lo;
    s[i * 2 + 1] = hi;
    if (++this.count > this.limit) this.grow();
    return true;
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    const s = new Uint32Array(cap * 2);
    const mask = cap - 1;
    for (let j = 0; j < old.length; j += 2) {
      const lo = old[j]!;
      const hi = old[j + 1]!;
      if (lo === 0 && hi === 0) continue;
      let i = lo & mask;
      while (s[i * 2] !== 0 || s[i * 2 + 1] !== 0) i = (i + 1) & mask;
      s[i * 2] = lo;
      s[i * 2 + 1] = hi;
    }
    this.slots = s;
    this.mask = mask;
    this.limit = Math.floor(cap * MAX_LOAD);
  }
}
