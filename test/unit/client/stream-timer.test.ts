import { describe, expect, it } from 'vitest';
import { MAX_KEPT, StreamMode, StreamTimer } from '../../../src/client/stream-timer.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('StreamTimer', () => {
  it('chunks: one arrival per read that brought body bytes (runs of the same read are one)', () => {
    const t = new StreamTimer();
    t.begin(StreamMode.Chunks);
    t.onBody(b('ab'), 0, 2, 10);
    t.onBody(b('cd'), 0, 2, 10); // a second chunk in the same read
    t.onBody(b('ef'), 0, 0, 15); // no bytes: nothing
    t.onBody(b('gh'), 0, 2, 20);
    t.onBody(b('ij'), 1, 2, 35);
    expect(t.count).toBe(3);
    expect([...t.times.subarray(0, t.kept)]).toEqual([10, 20, 35]);
    expect([t.firstAt, t.lastAt, t.bytes]).toEqual([10, 35, 7]);
  });

  it('sse: one arrival per dispatched event, at the time of the read that completed it', () => {
    const t = new StreamTimer();
    t.begin(StreamMode.Sse);
    t.onBody(b('data: a\n\ndata: b'), 0, 16, 5); // a complete, b not yet
    t.onBody(b('\n\n: keepalive\n\n'), 0, 15, 9); // b completes; a comment is no event
    t.onBody(b('data: c\n\ndata: d\n\n'), 0, 18, 12);
    expect(t.count).toBe(4);
    expect([...t.times.subarray(0, t.kept)]).toEqual([5, 9, 12, 12]);
  });

  it('starts over on begin() and keeps a bounded number of instants, counting every arrival', () => {
    const t = new StreamTimer();
    t.begin(StreamMode.Chunks);
    for (let i = 1; i <= MAX_KEPT + 10; i++) t.onBody(b('x'), 0, 1, i);
    expect(t.count).toBe(MAX_KEPT + 10);
    expect(t.kept).toBe(MAX_KEPT);
    expect(t.lastAt).toBe(MAX_KEPT + 10);
    t.begin(StreamMode.Sse);
    expect([t.count, t.kept, t.firstAt, t.bytes]).toEqual([0, 0, 0, 0]);
  });
});
