// Routes that can send large bodies write in bounded slices and stop while res.needsDrain is
// true, going on from res.waitDrain(): no route builds a large response whole in memory.
import { describe, expect, it } from 'vitest';
import { FakeResponse, fakeRequest } from '../../../fixtures/server/fake-exchange.js';
import { app } from '../../../fixtures/server/default-app.js';
import { SLICE } from '../../../../src/server/routes/body-slices.js';
import { ECHO_STREAM_MIN } from '../../../../src/server/routes/echo.js';
import { pseudoRandomBytes } from '../../../../src/server/routes/bytes.js';

const a = app();

/** Dispatches with the connection "full" from the start; returns the response. */
function full(target: string, init: { method?: string; body?: string | Buffer } = {}): FakeResponse {
  const res = new FakeResponse();
  res.needsDrain = true;
  a.dispatch(fakeRequest({ target, ...init }), res);
  return res;
}

/** Drains until the response ends (bounded), checking every write stays within a slice. */
function drainAll(res: FakeResponse, maxRounds = 100_000): number {
  let rounds = 0;
  while (!res.ended && !res.closed && rounds < maxRounds) {
    expect(res.drainWaiter).not.toBeNull();
    // one drain: writes until the handler sees needsDrain again (we set it after the first write)
    const before = res.chunks.length;
    const orig = res.write.bind(res);
    res.write = (d) => {
      orig(d);
      res.needsDrain = true;
    };
    res.drain();
    res.write = orig;
    expect(res.chunks.length - before).toBeLessThanOrEqual(1);
    rounds++;
  }
  return rounds;
}

describe('streaming routes wait for the connection to drain', () => {
  it('/bytes/100MB writes nothing while the connection is full, then one block per drain', () => {
    const res = full('/bytes/104857600');
    expect(res.contentLength).toBe(104857600);
    expect(res.bodyLength).toBe(0);
    expect(res.drainWaiter).not.toBeNull();
    for (let i = 0; i < 3; i++) {
      const orig = res.write.bind(res);
      res.write = (d) => {
        orig(d);
        res.needsDrain = true;
      };
      res.drain();
      res.write = orig;
    }
    expect(res.bodyLength).toBe(3 * 64 * 1024);
    expect(res.body.equals(pseudoRandomBytes(0, 3 * 64 * 1024))).toBe(true);
  });

  it('/fault/close?length=1GiB&bytes=1GiB-1 allocates nothing per request: slices of one shared buffer', () => {
    const res = full('/fault/close?length=1073741824&bytes=1073741823');
    expect(res.bodyLength).toBe(0);
    const rounds = 4;
    const seen = new Set<ArrayBufferLike>();
    for (let i = 0; i < rounds; i++) {
      const orig = res.write.bind(res);
      res.write = (d) => {
        orig(d);
        seen.add((d as Buffer).buffer);
        res.needsDrain = true;
      };
      res.drain();
      res.write = orig;
    }
    expect(res.bodyLength).toBe(rounds * SLICE);
    expect(seen.size).toBe(1); // every slice is a view of the same pattern buffer
    expect(res.closedByHandler).toBe(false);
  });

  it('/fault/close ends with a FIN after exactly `bytes` when drained to the end', () => {
    const res = full('/fault/close?length=300000&bytes=200000');
    drainAll(res);
    expect(res.bodyLength).toBe(200_000);
    expect(res.closedByHandler).toBe(true);
  });

  it('/drip with no duration: slices as the connection drains, then end', () => {
    const res = full('/drip?numbytes=1000000&duration=0');
    expect(res.bodyLength).toBe(0);
    const rounds = drainAll(res);
    expect(rounds).toBe(Math.ceil(1_000_000 / SLICE));
    expect(res.bodyLength).toBe(1_000_000);
    expect(res.ended).toBe(true);
  });

  it('/stream/1000 with a long target: one line per drain', () => {
    const target = `/stream/1000?${'q'.repeat(4000)}`;
    const res = full(target);
    expect(res.chunks).toHaveLength(0);
    drainAll(res);
    expect(res.ended).toBe(true);
    const lines = res.text.trim().split('\n');
    expect(lines).toHaveLength(1000);
    expect(JSON.parse(lines[999]!)).toEqual({ id: 999, url: target });
  });

  it('a large echo is streamed chunked, the body JSON-escaped in slices, astral characters intact', () => {
    const text = 'x"\\\n😀é'.repeat(Math.ceil((ECHO_STREAM_MIN + 10) / 6));
    const res = full('/anything', { method: 'POST', body: text });
    expect(res.contentLength).toBe(-1);
    const rounds = drainAll(res);
    expect(rounds).toBeGreaterThan(3);
    const doc = res.json<{ body: string; method: string; json: unknown }>();
    expect(doc.method).toBe('POST');
    expect(doc.body).toBe(text);
    expect(doc.json).toBeNull();
  });

  it('a large binary echo is streamed as base64', () => {
    const body = Buffer.alloc(ECHO_STREAM_MIN + 1000, 0xff);
    const res = full('/anything', { method: 'POST', body });
    drainAll(res);
    expect(Buffer.from(res.json<{ bodyBase64: string }>().bodyBase64, 'base64').equals(body)).toBe(true);
  });

  it('small echoes are still one Content-Length response', () => {
    const res = new FakeResponse();
    a.dispatch(fakeRequest({ target: '/anything', method: 'POST', body: '{"a":1}' }), res);
    expect(res.contentLength).toBeGreaterThan(0);
    expect(res.json<{ json: unknown }>().json).toEqual({ a: 1 });
  });
});
