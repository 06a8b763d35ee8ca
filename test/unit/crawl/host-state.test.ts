import { describe, expect, it } from 'vitest';
import { HostState, HostTable, WaitHeap } from '../../../src/crawl/host-state.js';

describe('WaitHeap', () => {
  it('pops hosts by wakeAt and re-sorts on update', () => {
    const heap = new WaitHeap();
    const hs = [50, 10, 40, 30, 20].map((t, i) => {
      const h = new HostState(`h${i}`, 0);
      h.wakeAt = t;
      heap.push(h);
      return h;
    });
    hs[0]!.wakeAt = 5;
    heap.update(hs[0]!);
    const order: number[] = [];
    while (heap.size > 0) order.push(heap.pop()!.wakeAt);
    expect(order).toEqual([5, 10, 20, 30, 40]);
    expect(hs.every((h) => h.heapIndex === -1)).toBe(true);
  });
});

describe('WaitHeap.takeDue', () => {
  it('hands out due hosts; a live due host without a free slot blocks, a dead one does not', () => {
    const heap = new WaitHeap();
    const live = new HostState('live', 0);
    live.wakeAt = 10;
    const dead = new HostState('dead', 0);
    dead.wakeAt = 5;
    dead.dead = 'ERR_DNS_NOT_FOUND';
    heap.add(live);
    heap.add(dead);
    heap.add(dead); // already waiting: re-sorted, not added twice
    expect(heap.size).toBe(2);
    expect(heap.takeDue(4, 1)).toBeUndefined();
    expect(heap.blocked).toBe(false);
    expect(heap.takeDue(20, 0)).toBe(dead);
    expect(dead.waiting).toBe(false);
    expect(heap.takeDue(20, 0)).toBeUndefined();
    expect(heap.blocked).toBe(true);
    expect(heap.takeDue(20, 1)).toBe(live);
    expect(heap.blocked).toBe(false);
    expect(heap.size).toBe(0);
  });
});

describe('HostTable', () => {
  it('forgets the oldest idle hosts beyond its cap, never busy ones', () => {
    const t = new HostTable(0, 2);
    const a = t.get('a');
    const b = t.get('b');
    const c = t.get('c');
    const busy = t.get('busy');
    busy.inFlight = 1;
    for (const h of [a, b, busy, c]) t.maybeIdle(h);
    t.prune();
    expect(t.peek('a')).toBeUndefined();
    expect(t.peek('b')).toBe(b);
    expect(t.peek('c')).toBe(c);
    expect(t.peek('busy')).toBe(busy);
    expect(t.get('a')).not.toBe(a); // comes back fresh
  });
});
