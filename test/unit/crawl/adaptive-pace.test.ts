import { describe, expect, it } from 'vitest';
import { AdaptivePace, PaceSignal } from '../../../src/crawl/adaptive-pace.js';

describe('AdaptivePace', () => {
  it('starts at one in flight and grows by one after a limit\'s worth of fast responses, up to the cap', () => {
    const p = new AdaptivePace(100, 4, 1000);
    const limits: number[] = [];
    for (let i = 0; i < 12; i++) {
      p.onResponse(PaceSignal.Ok, 20);
      limits.push(p.limit);
    }
    expect(limits).toEqual([2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4]);
  });
  it('shrinks in proportion when slow, then adds delay at one in flight', () => {
    const p = new AdaptivePace(100, 8, 1000);
    p.limit = 8;
    p.onResponse(PaceSignal.Ok, 400);
    expect(p.limit).toBe(2);
    p.onResponse(PaceSignal.Ok, 150);
    expect(p.limit).toBe(1);
    expect(p.delayMs).toBe(0);
    p.onResponse(PaceSignal.Ok, 150);
    expect(p.delayMs).toBe(10);
    p.onResponse(PaceSignal.Ok, 150);
    expect(p.delayMs).toBe(20);
    p.onResponse(PaceSignal.Ok, 50); // fast again: the delay halves, and one success at limit 1 grows it
    expect([p.limit, p.delayMs]).toEqual([2, 10]);
  });
  it('halves on overload (429/503/5xx/errors) with a delay of at least the target, capped', () => {
    const p = new AdaptivePace(100, 8, 300);
    p.limit = 6;
    expect(p.onResponse(PaceSignal.Overloaded, 5)).toBe(true);
    expect([p.limit, p.delayMs]).toEqual([3, 100]);
    p.onResponse(PaceSignal.Overloaded, 5);
    p.onResponse(PaceSignal.Overloaded, 5);
    expect([p.limit, p.delayMs]).toEqual([1, 300]);
  });
});
