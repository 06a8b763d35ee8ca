import { describe, expect, it } from 'vitest';
import { MemoryFrontier } from '../../../src/crawl/frontier.js';

describe('MemoryFrontier', () => {
  it('pops FIFO per host and tracks size', () => {
    const f = new MemoryFrontier();
    f.push('http://a/1', 0);
    f.push('http://a/2', 1);
    f.push('http://a/3', 2);
    expect(f.size).toBe(3);
    expect(f.pop(0)).toEqual({ url: 'http://a/1', depth: 0, host: 'a' });
    expect(f.pop(0)?.url).toBe('http://a/2');
    expect(f.pop(0)?.url).toBe('http://a/3');
    expect(f.pop(0)).toBeUndefined();
    expect(f.size).toBe(0);
    expect(f.nextReadyAt()).toBe(Infinity);
  });

  it('respects per-host delays and interleaves hosts', () => {
    const f = new MemoryFrontier({ defaultDelayMs: 100 });
    for (let i = 0; i < 3; i++) {
      f.push(`http://a/${i}`, 0);
      f.push(`http://b:8080/${i}`, 0);
    }
    const t = 1000;
    const first = f.pop(t)!;
    const second = f.pop(t)!;
    expect(new Set([first.host, second.host])).toEqual(new Set(['a', 'b:8080']));
    expect(f.pop(t)).toBeUndefined(); // both hosts wait 100 ms
    expect(f.nextReadyAt()).toBe(t + 100);
    expect(f.pop(t + 99)).toBeUndefined();
    expect(f.pop(t + 100)).toBeDefined();
    expect(f.pop(t + 100)).toBeDefined();
    expect(f.pop(t + 100)).toBeUndefined();
    expect(f.activeHosts).toBe(2);
  });

  it('setHostDelay (Crawl-delay) and deferHost (Retry-After)', () => {
    const f = new MemoryFrontier();
    f.setHostDelay('slow', 1000);
    for (let i = 0; i < 3; i++) {
      f.push(`http://slow/${i}`, 0);
      f.push(`http://fast/${i}`, 0);
    }
    const got: string[] = [];
    for (let t = 0; t <= 2000; t += 10) {
      let e;
      while ((e = f.pop(t)) !== undefined) got.push(`${t}:${e.url}`);
    }
    expect(got.filter((g) => g.includes('fast'))).toEqual(['0:http://fast/0', '0:http://fast/1', '0:http://fast/2']);
    expect(got.filter((g) => g.includes('slow'))).toEqual(['0:http://slow/0', '1000:http://slow/1', '2000:http://slow/2']);

    const g = new MemoryFrontier();
    g.push('http://h/1', 0);
    g.push('http://h/2', 0);
    g.push('http://other/1', 0);
    g.deferHost('h', 500);
    expect(g.pop(0)?.host).toBe('other');
    expect(g.pop(0)).toBeUndefined();
    expect(g.nextReadyAt()).toBe(500);
    g.deferHost('h', 100); // earlier than already deferred: no change
    expect(g.nextReadyAt()).toBe(500);
    expect(g.pop(500)?.url).toBe('http://h/1');
    // a delay change moves an already scheduled host
    g.setHostDelay('h', 50);
    expect(g.nextReadyAt()).toBe(550);
  });

  it('a host that gets new URLs after emptying still waits its delay', () => {
    const f = new MemoryFrontier({ defaultDelayMs: 100 });
    f.push('http://a/1', 0);
    expect(f.pop(0)?.url).toBe('http://a/1');
    f.push('http://a/2', 1);
    expect(f.pop(50)).toBeUndefined();
    expect(f.pop(100)?.url).toBe('http://a/2');
  });

  it('orders many hosts by next-allowed time (heap) and compacts long queues', () => {
    const f = new MemoryFrontier();
    const hosts = 200;
    for (let h = 0; h < hosts; h++) f.setHostDelay(`h${h}`, ((h * 37) % hosts) + 1);
    for (let i = 0; i < 3000; i++) f.push(`http://h${i % hosts}/${i}`, 0);
    let now = 0;
    let popped = 0;
    const lastAt = new Map<string, number>();
    while (f.size > 0) {
      const e = f.pop(now);
      if (e === undefined) {
        const next = f.nextReadyAt();
        expect(next).toBeGreaterThan(now);
        now = next;
        continue;
      }
      const prev = lastAt.get(e.host);
      const h = Number(e.host.slice(1));
      if (prev !== undefined) expect(now - prev).toBeGreaterThanOrEqual(((h * 37) % hosts) + 1);
      lastAt.set(e.host, now);
      popped++;
    }
    expect(popped).toBe(3000);

    const g = new MemoryFrontier();
    for (let i = 0; i < 5000; i++) g.push(`http://one/${i}`, i);
    for (let i = 0; i < 5000; i++) expect(g.pop(0)).toEqual({ url: `http://one/${i}`, depth: i, host: 'one' });
  });
});
