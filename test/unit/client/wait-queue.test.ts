import { describe, expect, it } from 'vitest';
import { Response } from '../../../src/client/response.js';
import { WaitQueue } from '../../../src/client/wait-queue.js';

function res(deadline: number, waitUntil = Infinity): Response {
  const r = new Response();
  r._deadline = deadline;
  r._waitUntil = waitUntil;
  return r;
}

describe('WaitQueue', () => {
  it('is FIFO and grows past its initial size while wrapped', () => {
    const q = new WaitQueue();
    const all = Array.from({ length: 100 }, () => res(Infinity));
    for (let i = 0; i < 10; i++) q.push(all[i]!);
    for (let i = 0; i < 5; i++) expect(q.shift()).toBe(all[i]);
    for (let i = 10; i < 100; i++) q.push(all[i]!);
    expect(q.length).toBe(95);
    expect(q.peek()).toBe(all[5]);
    for (let i = 5; i < 100; i++) expect(q.shift()).toBe(all[i]);
    expect(q.shift()).toBeUndefined();
  });

  it('removes expired entries in one pass and keeps the order of the rest', () => {
    const q = new WaitQueue();
    const rs = [res(10), res(Infinity), res(Infinity, 5), res(Infinity), res(1)];
    for (const r of rs) q.push(r);
    expect(q.removeExpired(7)).toEqual([rs[2], rs[4]]);
    expect(q.removeExpired(7)).toBeNull();
    expect(q.drain()).toEqual([rs[0], rs[1], rs[3]]);
    expect(q.length).toBe(0);
  });
});
