import { afterEach, describe, expect, it, vi } from 'vitest';
import { FaultInjector, GARBAGE } from '../../../../src/server/routes/faults.js';
import { FakeResponse, exchange, fakeRequest } from '../../../fixtures/server/fake-exchange.js';
import { app } from '../../../fixtures/server/default-app.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('fault routes', () => {
  const a = app();

  it('/fault/reset destroys the connection without answering', () => {
    const res = exchange(a, '/fault/reset');
    expect(res.calls.map((c) => c.op)).toEqual(['destroy']);
  });

  it('/fault/close sends a Content-Length head then closes before the body', () => {
    const res = exchange(a, '/fault/close');
    expect(res.calls.map((c) => c.op)).toEqual(['begin', 'close']);
    expect(res.contentLength).toBe(1024);
    const partial = exchange(a, '/fault/close?length=100&bytes=40');
    expect(partial.calls.map((c) => c.op)).toEqual(['begin', 'write', 'close']);
    expect(partial.bodyLength).toBe(40);
    expect(exchange(a, '/fault/close?length=10&bytes=50').bodyLength).toBe(9);
  });

  it('/fault/garbage writes non-HTTP bytes and closes', () => {
    const res = exchange(a, { method: 'POST', target: '/fault/garbage' });
    expect(res.calls.map((c) => c.op)).toEqual(['writeRaw', 'close']);
    expect(res.raw[0]).toBe(GARBAGE);
    expect(GARBAGE.subarray(0, 5).toString('latin1')).not.toBe('HTTP/');
  });

  it('/fault/stall never answers', () => {
    vi.useFakeTimers();
    const res = exchange(a, '/fault/stall');
    vi.advanceTimersByTime(60_000);
    expect(res.calls).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('/fault/slow-body sends the head then a byte per interval', () => {
    vi.useFakeTimers();
    const res = exchange(a, '/fault/slow-body?bytes=3&interval=100');
    expect(res.status).toBe(200);
    expect(res.contentLength).toBe(3);
    expect(res.bodyLength).toBe(0);
    vi.advanceTimersByTime(100);
    expect(res.bodyLength).toBe(1);
    vi.advanceTimersByTime(200);
    expect(res.bodyLength).toBe(3);
    expect(res.ended).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('/fault/slow-body stops its timer when the client goes away', () => {
    vi.useFakeTimers();
    const res = exchange(a, '/fault/slow-body');
    vi.advanceTimersByTime(200);
    res.closed = true;
    vi.advanceTimersByTime(1000);
    expect(res.bodyLength).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(exchange(a, '/fault/slow-body?bytes=0').ended).toBe(true);
  });
});

describe('?fail= on any route', () => {
  it('fails every request with fail=1 by the chosen fault (default 500)', () => {
    const a = app();
    const r500 = exchange(a, '/json?fail=1');
    expect(r500.status).toBe(500);
    expect(r500.header('x-fastbench-fault')).toBe('500');
    expect(exchange(a, '/plaintext?x=1&fail=1&fault=reset').destroyed).toBe(true);
    expect(exchange(a, '/site/?fail=1&fault=close').calls.map((c) => c.op)).toEqual(['begin', 'close']);
    expect(exchange(a, '/anything?fail=1&fault=garbage').raw[0]).toBe(GARBAGE);
    expect(exchange(a, '/?fail=1&fault=stall').calls).toEqual([]);
  });

  it('never fails with fail=0 and ignores look-alike parameters', () => {
    const a = app();
    expect(exchange(a, '/plaintext?fail=0').status).toBe(200);
    expect(exchange(a, '/anything?nofail=1').status).toBe(200);
  });

  it('fails about the fraction asked, the same requests for the same seed', () => {
    const run = (seed: number): boolean[] => {
      const a = app({ failSeed: seed });
      return Array.from({ length: 2000 }, () => exchange(a, '/plaintext?fail=0.1').status === 500);
    };
    const first = run(1);
    expect(run(1)).toEqual(first);
    expect(run(2)).not.toEqual(first);
    const failed = first.filter(Boolean).length;
    expect(failed).toBeGreaterThan(140);
    expect(failed).toBeLessThan(260);
  });

  it('counts injected faults and refuses bad values', () => {
    const inj = new FaultInjector(3);
    const res = new FakeResponse();
    expect(inj.maybeFail(fakeRequest({ target: '/x?fail=1&fault=stall' }), res)).toBe(true);
    expect(inj.injected.stall).toBe(1);
    expect(inj.maybeFail(fakeRequest({ target: '/x?y=1' }), new FakeResponse())).toBe(false);
    const a = app();
    expect(exchange(a, '/json?fail=2').status).toBe(400);
    expect(exchange(a, '/json?fail=abc').status).toBe(400);
    expect(exchange(a, '/json?fail=1&fault=explode').status).toBe(400);
  });

  it('applies in echoAll mode too', () => {
    expect(exchange(app({ echoAll: true }), '/whatever?fail=1').status).toBe(500);
  });
});

describe('/__stats', () => {
  it('answers the stats callback as JSON, uncached', () => {
    let n = 0;
    const a = app({ stats: () => ({ requests: ++n, byStatus: { 200: n } }) });
    const res = exchange(a, '/__stats');
    expect(res.json()).toEqual({ requests: 1, byStatus: { 200: 1 }, websocket: { connections: 0, open: 0, messages: 0, bytes: 0, refused: 0 } });
    expect(res.header('cache-control')).toBe('no-store');
    expect(exchange(a, '/__stats').json().requests).toBe(2);
  });
});
