// MemoryFrontier.hold/release (per-host concurrency in the crawl loop) and prune (flat memory
// over millions of hosts).
import { describe, expect, it } from 'vitest';
import { MemoryFrontier } from '../../../src/crawl/frontier.js';

describe('MemoryFrontier hold / release', () => {
  it('skips a held host and brings it back with its timing', () => {
    const f = new MemoryFrontier({ defaultDelayMs: 10 });
    f.push('http://a/1', 0);
    f.push('http://a/2', 0);
    f.push('http://b/1', 0);
    expect(f.pop(0)?.host).toBe('a');
    f.hold('a');
    expect(f.pop(100)?.host).toBe('b');
    expect(f.pop(100)).toBeUndefined();
    expect(f.nextReadyAt()).toBe(Infinity);
    expect(f.size).toBe(1);
    f.push('http://a/3', 0); // pushing to a held host keeps it held
    expect(f.pop(100)).toBeUndefined();
    f.release('a');
    expect(f.nextReadyAt()).toBe(10);
    expect(f.pop(100)?.url).toBe('http://a/2');
    expect(f.pop(105)).toBeUndefined(); // still 10 ms apart
    expect(f.pop(110)?.url).toBe('http://a/3');
  });

  it('release of an unknown or unheld host is harmless', () => {
    const f = new MemoryFrontier();
    f.release('nobody');
    f.push('http://a/', 0);
    f.release('a');
    expect(f.pop(0)?.url).toBe('http://a/');
  });
});

describe('MemoryFrontier prune', () => {
  it('forgets emptied hosts once their delay has passed, keeps the others', () => {
    const f = new MemoryFrontier({ defaultDelayMs: 50 });
    for (let i = 0; i < 1000; i++) f.push(`http://h${i}/`, 0);
    f.push('http://busy/1', 0);
    f.push('http://busy/2', 0);
    for (let i = 0; i < 1002; i++) f.pop(0);
    f.hold('held');
    expect(f.hostCount).toBe(1002);
    expect(f.prune(10)).toBe(0); // too soon: their next-allowed time still matters
    expect(f.prune(60)).toBe(1000);
    expect(f.hostCount).toBe(2); // busy (one URL left) and held
    expect(f.pop(60)?.url).toBe('http://busy/2');
    f.release('held');
    expect(f.prune(1000)).toBe(2);
    expect(f.hostCount).toBe(0);
  });

  it('a pruned host that comes back starts afresh', () => {
    const f = new MemoryFrontier({ defaultDelayMs: 5 });
    f.push('http://a/1', 0);
    f.pop(0);
    f.prune(10);
    f.push('http://a/2', 0);
    expect(f.pop(10)?.url).toBe('http://a/2');
  });
});
