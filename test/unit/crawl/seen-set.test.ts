import { describe, expect, it } from 'vitest';
import { hash64, SeenSet } from '../../../src/crawl/seen-set.js';

describe('hash64', () => {
  it('is deterministic and hashes UTF-8 bytes (tails of 0-3 bytes included)', () => {
    expect(hash64('http://a/')).toBe(hash64('http://a/'));
    const seen = new Set<bigint>();
    for (const s of ['', 'a', 'ab', 'abc', 'abcd', 'abcde', '\u00e9', 'e\u0301', '\u{1f600}', 'http://x/\u30c4']) {
      const h = hash64(s);
      expect(h >= 0n && h < 1n << 64n).toBe(true);
      expect(seen.has(h)).toBe(false);
      seen.add(h);
    }
  });
  it('has no collisions and spreads bits over 200k similar URLs', () => {
    const n = 200_000;
    const his = new Set<number>();
    const los = new Set<number>();
    const both = new Set<bigint>();
    let ones = 0;
    for (let i = 0; i < n; i++) {
      const h = hash64(`https://example.com/p/${i}?q=${i % 97}`);
      both.add(h);
      his.add(Number(h >> 32n));
      los.add(Number(h & 0xffffffffn));
      if ((h >> 17n) & 1n) ones++;
    }
    expect(both.size).toBe(n);
    // each 32-bit half alone: expected collisions ≈ n²/2^33 ≈ 4.7
    expect(his.size).toBeGreaterThan(n - 30);
    expect(los.size).toBeGreaterThan(n - 30);
    expect(Math.abs(ones / n - 0.5)).toBeLessThan(0.01);
  });
});

describe('SeenSet', () => {
  it('add returns true once, has agrees', () => {
    const s = new SeenSet();
    expect(s.size).toBe(0);
    expect(s.bytesPerEntry()).toBe(0);
    expect(s.add('http://a/')).toBe(true);
    expect(s.add('http://a/')).toBe(false);
    expect(s.has('http://a/')).toBe(true);
    expect(s.has('http://b/')).toBe(false);
    expect(s.size).toBe(1);
  });
  it('grows past 70% load and keeps everything', () => {
    const s = new SeenSet();
    const n = 100_000;
    let added = 0;
    for (let i = 0; i < n; i++) if (s.add(`u${i}`)) added++;
    expect(added).toBe(n);
    expect(s.size).toBe(n);
    expect(s.capacity).toBeGreaterThanOrEqual(n / 0.7);
    expect(s.capacity & (s.capacity - 1)).toBe(0);
    let found = 0;
    let readded = 0;
    let phantom = 0;
    for (let i = 0; i < n; i++) if (s.has(`u${i}`)) found++;
    for (let i = 0; i < n; i++) if (s.add(`u${i}`)) readded++;
    for (let i = n; i < n + 10_000; i++) if (s.has(`u${i}`)) phantom++;
    expect([found, readded, phantom, s.size]).toEqual([n, 0, 0, n]);
    const bpe = s.bytesPerEntry();
    expect(bpe).toBeGreaterThanOrEqual(8 / 0.7);
    expect(bpe).toBeLessThanOrEqual(8 / 0.35);
  });
  it('presizes from expected, and clear() empties it', () => {
    const s = new SeenSet({ expected: 10_000 });
    const cap = s.capacity;
    expect(cap).toBeGreaterThanOrEqual(10_000 / 0.7);
    for (let i = 0; i < 10_000; i++) s.add(`x${i}`);
    expect(s.capacity).toBe(cap);
    s.clear();
    expect(s.size).toBe(0);
    expect(s.has('x1')).toBe(false);
    expect(s.add('x1')).toBe(true);
  });
  it('handles long and non-ASCII URLs', () => {
    const s = new SeenSet();
    const long = 'http://x/' + 'a'.repeat(100_000);
    expect(s.add(long)).toBe(true);
    expect(s.add(long + 'b')).toBe(true);
    expect(s.has(long)).toBe(true);
    expect(s.add('http://x/\u00e9')).toBe(true);
    expect(s.add('http://x/e\u0301')).toBe(true);
    expect(s.has('http://x/\u00e9')).toBe(true);
  });
});
