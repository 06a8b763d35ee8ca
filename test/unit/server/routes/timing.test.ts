import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exchange } from '../../../fixtures/server/fake-exchange.js';
import { app } from '../../../fixtures/server/default-app.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('/delay/:ms', () => {
  const a = app();

  it('answers the echo document after ms', () => {
    const res = exchange(a, { method: 'POST', target: '/delay/250?x=1', body: 'hi' });
    expect(res.started).toBe(false);
    vi.advanceTimersByTime(249);
    expect(res.started).toBe(false);
    vi.advanceTimersByTime(1);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ delayMs: 250, url: '/delay/250?x=1', body: 'hi', query: { x: '1' } });
  });

  it('caps the delay at 10 s', () => {
    const res = exchange(a, '/delay/60000');
    vi.advanceTimersByTime(9_999);
    expect(res.started).toBe(false);
    vi.advanceTimersByTime(1);
    expect(res.json().delayMs).toBe(10_000);
  });

  it('writes nothing when the connection closed meanwhile', () => {
    const res = exchange(a, '/delay/100');
    res.closed = true;
    vi.advanceTimersByTime(200);
    expect(res.calls).toEqual([]);
  });

  it('refuses negative delays', () => {
    expect(exchange(a, '/delay/-5').status).toBe(400);
  });
});

describe('/stream/:n', () => {
  const a = app();

  it('sends n JSON lines, chunked, one write each', () => {
    const res = exchange(a, '/stream/3');
    expect(res.status).toBe(200);
    expect(res.contentLength).toBe(-1);
    expect(res.calls.filter((c) => c.op === 'write')).toHaveLength(3);
    expect(res.ended).toBe(true);
    const lines = res.text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([0, 1, 2].map((id) => ({ id, url: '/stream/3' })));
  });

  it('caps n at 1000 and allows 0', () => {
    expect(exchange(a, '/stream/5000').calls.filter((c) => c.op === 'write')).toHaveLength(1000);
    const empty = exchange(a, '/stream/0');
    expect(empty.ended).toBe(true);
    expect(empty.bodyLength).toBe(0);
  });
});

describe('/drip', () => {
  const a = app();

  it('spreads numbytes over duration with Content-Length framing', () => {
    const res = exchange(a, '/drip?numbytes=5&duration=1');
    expect(res.status).toBe(200);
    expect(res.contentLength).toBe(5);
    expect(res.bodyLength).toBe(0);
    vi.advanceTimersByTime(200);
    expect(res.bodyLength).toBe(1);
    vi.advanceTimersByTime(400);
    expect(res.bodyLength).toBe(3);
    expect(res.ended).toBe(false);
    vi.advanceTimersByTime(400);
    expect(res.bodyLength).toBe(5);
    expect(res.ended).toBe(true);
    expect(res.text).toBe('*****');
  });

  it('waits delay seconds before the head and uses the code asked for', () => {
    const res = exchange(a, '/drip?numbytes=3&duration=0&delay=0.5&code=503');
    vi.advanceTimersByTime(499);
    expect(res.started).toBe(false);
    vi.advanceTimersByTime(1);
    expect(res.status).toBe(503);
    expect(res.text).toBe('***');
    expect(res.ended).toBe(true);
  });

  it('groups bytes so that there is at most one write per 10 ms', () => {
    const res = exchange(a, '/drip?numbytes=100000&duration=0.1');
    vi.advanceTimersByTime(100);
    expect(res.ended).toBe(true);
    expect(res.bodyLength).toBe(100000);
    expect(res.calls.filter((c) => c.op === 'write')).toHaveLength(10);
  });

  it('stops when the client goes away', () => {
    const res = exchange(a, '/drip?numbytes=10&duration=1');
    vi.advanceTimersByTime(300);
    const written = res.bodyLength;
    res.closed = true;
    vi.advanceTimersByTime(2000);
    expect(res.bodyLength).toBe(written);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('answers 0 bytes at once and refuses bad arguments', () => {
    const zero = exchange(a, '/drip?numbytes=0');
    expect(zero.ended).toBe(true);
    expect(zero.contentLength).toBe(0);
    expect(exchange(a, '/drip?numbytes=x').status).toBe(400);
    expect(exchange(a, '/drip?duration=-1').status).toBe(400);
    expect(exchange(a, '/drip?code=204').status).toBe(400);
  });
});
