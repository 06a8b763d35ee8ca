import { describe, expect, it } from 'vitest';
import { HeaderList } from '../../../src/http/header-list.js';
import { CapacityGate, TokenBucket, type GateClock } from '../../../src/server/capacity-gate.js';
import { ServerCounters } from '../../../src/server/server-stats.js';
import type { RequestDispatcher, ServerRequest, ServerResponse } from '../../../src/server/types.js';

describe('TokenBucket (injected clock)', () => {
  it('admits the burst at once, then `rate` per second', () => {
    const b = new TokenBucket(1000, 5, 0);
    let taken = 0;
    while (b.tryTake(0)) taken++;
    expect(taken).toBe(5);
    expect(b.msUntilToken(0)).toBeCloseTo(1, 6);
    expect(b.tryTake(0.5)).toBe(false);
    expect(b.tryTake(1)).toBe(true);
    // 100 ms later: 100 tokens accrued, but the bucket holds at most 5
    let later = 0;
    while (b.tryTake(101)) later++;
    expect(later).toBe(5);
    // over one simulated second at 1 ms steps: exactly the rate (plus nothing: the bucket was empty)
    let second = 0;
    for (let t = 102; t <= 1101; t++) while (b.tryTake(t)) second++;
    expect(second).toBe(1000);
  });

  it('refuses a rate of 0 or a burst below one token', () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow(RangeError);
    expect(() => new TokenBucket(10, 0.5, 0)).toThrow(RangeError);
  });
});

/** A clock the test moves, with the one timer the gate arms. */
function fakeClock(): GateClock & { t: number; timers: { fn: () => void; at: number }[]; advance(ms: number): void } {
  const c = {
    t: 0,
    timers: [] as { fn: () => void; at: number }[],
    now: () => c.t,
    setTimer: (fn: () => void, ms: number) => c.timers.push({ fn, at: c.t + ms }),
    advance(ms: number) {
      const end = c.t + ms;
      for (;;) {
        c.timers.sort((a, b) => a.at - b.at);
        const next = c.timers[0];
        if (next === undefined || next.at > end) break;
        c.timers.shift();
        c.t = next.at;
        next.fn();
      }
      c.t = end;
    },
  };
  return c;
}

function request(path: string, seq: number, headerBuf = Buffer.from('x-id: 7\r\n')): ServerRequest {
  const headers = new HeaderList();
  headers.buf = headerBuf;
  headers.push(0, 4, 6, 7);
  return { method: 'GET', target: path, path, query: '', httpVersion: '1.1', headers, trailers: new HeaderList(), body: Buffer.alloc(0), remoteAddress: '127.0.0.1', seq };
}

function response(): ServerResponse & { status?: number } {
  const r = { closed: false, status: undefined as number | undefined, send(status: number) { r.status = status; } };
  return r as unknown as ServerResponse & { status?: number };
}

describe('CapacityGate', () => {
  it('queues requests beyond the rate (FIFO, copied headers), hands them over as tokens come, and 503s when the queue is full', () => {
    const clock = fakeClock();
    const seen: { seq: number; at: number; header: string | undefined }[] = [];
    const app: RequestDispatcher = { dispatch: (req) => seen.push({ seq: req.seq, at: clock.t, header: req.headers.get('x-id') }) };
    const counters = new ServerCounters();
    const gate = new CapacityGate(app, { rate: 100, burst: 1, queue: 3 }, counters, clock);
    const res = Array.from({ length: 6 }, () => response());
    for (let i = 0; i < 6; i++) {
      const buf = Buffer.from(`x-id: ${i}\r\n`);
      gate.dispatch(request('/json', i, buf), res[i]!);
      buf.fill(0); // the read buffer is reused by the next read: the queued copy must not care
    }
    // one token: request 0 at once; 1-3 wait; 4 and 5 find the queue full
    expect(seen.map((s) => s.seq)).toEqual([0]);
    expect(res[4]!.status).toBe(503);
    expect(res[5]!.status).toBe(503);
    expect(counters.rejections('ERR_SERVER_CAPACITY_QUEUE_FULL')).toBe(2);
    expect(gate.stats()).toMatchObject({ queued: 3, queuedPeak: 3, admitted: 1, rejected: 2, queueLimit: 3 });
    clock.advance(35);
    // 100/s: one every 10 ms, in arrival order, headers intact
    expect(seen.map((s) => [s.seq, s.at, s.header])).toEqual([
      [0, 0, '0'],
      [1, 10, '1'],
      [2, 20, '2'],
      [3, 30, '3'],
    ]);
    expect(gate.stats()).toMatchObject({ queued: 0, delayed: 3, maxWaitMs: 30 });
  });

  it('serves the queue at the rate even when its timer fires late (tokens accrued meanwhile are not capped by the burst)', () => {
    const clock = fakeClock();
    let seen = 0;
    const gate = new CapacityGate({ dispatch: () => seen++ }, { rate: 1000, burst: 1, queue: 100 }, undefined, clock);
    for (let i = 0; i < 60; i++) gate.dispatch(request('/a', i), response());
    expect(seen).toBe(1);
    // a busy event loop: the 1 ms timer fires 40 ms late
    clock.t = 41;
    clock.timers.shift()!.fn();
    expect(seen).toBe(42);
    expect(gate.stats().queued).toBe(18);
  });

  it('skips a queued request whose connection closed (no token spent) and lets /__stats pass', () => {
    const clock = fakeClock();
    const seen: number[] = [];
    const gate = new CapacityGate({ dispatch: (req) => seen.push(req.seq) }, { rate: 100, burst: 1, queue: 10 }, undefined, clock);
    gate.dispatch(request('/a', 0), response());
    const gone = response();
    gate.dispatch(request('/a', 1), gone);
    gate.dispatch(request('/a', 2), response());
    gate.dispatch(request('/__stats', 3), response());
    expect(seen).toEqual([0, 3]);
    (gone as { closed: boolean }).closed = true;
    clock.advance(10);
    expect(seen).toEqual([0, 3, 2]);
  });
});
