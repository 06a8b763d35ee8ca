// /sse and /stream/tokens (issue 18): pieces paced from the stream's start, on fake timers.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { exchange } from '../../../fixtures/server/fake-exchange.js';
import { app } from '../../../fixtures/server/default-app.js';
import { SseParser } from '../../../../src/http/sse-parser.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const writes = (res: ReturnType<typeof exchange>): number => res.calls.filter((c) => c.op === 'write').length;

describe('/sse', () => {
  const a = app();

  it('sends N events spaced by the interval as text/event-stream, then ends', () => {
    const res = exchange(a, '/sse?events=3&interval=50ms');
    expect(res.status).toBe(200);
    expect(res.headers).toEqual(['Content-Type', 'text/event-stream', 'Cache-Control', 'no-cache']);
    expect(res.contentLength).toBe(-1);
    expect(writes(res)).toBe(1); // the first at once (first=0)
    vi.advanceTimersByTime(49);
    expect(writes(res)).toBe(1);
    vi.advanceTimersByTime(1);
    expect(writes(res)).toBe(2);
    vi.advanceTimersByTime(50);
    expect(writes(res)).toBe(3);
    expect(res.ended).toBe(true);
    const p = new SseParser(null);
    p.feed(Buffer.from(res.text));
    expect(p.events).toBe(3);
    expect(res.text).toContain('id: 2\nevent: tick\ndata: {"i":2}\n\n');
  });

  it('waits `first` before the first event; refuses malformed values; stops when the client went', () => {
    const res = exchange(a, '/sse?events=2&interval=10&first=1s');
    expect(res.started).toBe(true);
    vi.advanceTimersByTime(999);
    expect(writes(res)).toBe(0);
    vi.advanceTimersByTime(1);
    expect(writes(res)).toBe(1);
    res.closed = true;
    vi.advanceTimersByTime(100);
    expect(writes(res)).toBe(1);
    expect(exchange(a, '/sse?events=x').status).toBe(400);
    expect(exchange(a, '/sse?interval=soon').status).toBe(400);
  });
});

describe('/stream/tokens', () => {
  const a = app();

  it('sends the head at once, the first token after `first`, then `rate` tokens a second, one chunk each', () => {
    const res = exchange(a, '/stream/tokens?n=5&rate=100&first=200ms');
    expect(res.status).toBe(200);
    expect(writes(res)).toBe(0);
    vi.advanceTimersByTime(200);
    expect(writes(res)).toBe(1);
    vi.advanceTimersByTime(10);
    expect(writes(res)).toBe(2);
    vi.advanceTimersByTime(30);
    expect(writes(res)).toBe(5);
    expect(res.ended).toBe(true);
    expect(res.text).toBe('tok0 tok1 tok2 tok3 tok4 ');
  });

  it('format=sse: one event per token and a final [DONE]', () => {
    const res = exchange(a, '/stream/tokens?n=2&rate=10&first=0&format=sse');
    vi.advanceTimersByTime(200);
    expect(res.ended).toBe(true);
    expect(res.text).toBe('data: tok0\n\ndata: tok1\n\ndata: [DONE]\n\n');
  });

  it('refuses a bad rate, count or format', () => {
    expect(exchange(a, '/stream/tokens?rate=0').status).toBe(400);
    expect(exchange(a, '/stream/tokens?n=-').status).toBe(400);
    expect(exchange(a, '/stream/tokens?format=xml').status).toBe(400);
    expect(exchange(a, '/stream/3').status).toBe(200); // /stream/:n is still there
  });
});
