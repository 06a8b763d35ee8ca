import { describe, expect, it } from 'vitest';
import { Timing } from '../../../src/client/timing.js';

describe('Timing', () => {
  it('splits an exchange into phases that add up to the total', () => {
    const t = new Timing();
    // start 100, dial of 2+3+4 ms, sent at 110, written 111, first byte 120, end 125
    t.finish(100, 110, 111, 120, 125, 2, 3, 4);
    expect(t.toJSON()).toEqual({ connWait: 1, dns: 2, connect: 3, tls: 4, write: 1, firstByte: 9, body: 5, total: 25, reused: false });
  });

  it('handles exchanges that failed before being sent or before a byte came back', () => {
    const t = new Timing();
    t.finish(100, 0, 0, 0, 130, 0, 0, 0);
    expect(t.connWait).toBe(30);
    expect(t.firstByte).toBe(0);
    t.finish(100, 100, 100, 0, 150, 0, 0, 0);
    expect(t.firstByte).toBe(50);
    expect(t.body).toBe(0);
    t.reset();
    expect(t.total).toBe(0);
  });
});
