import { describe, expect, it } from 'vitest';
import { MAX_BYTES, pseudoRandomBytes } from '../../../../src/server/routes/bytes.js';
import { Prng, mix32 } from '../../../../src/server/routes/prng.js';
import { FakeResponse, exchange, fakeRequest } from '../../../fixtures/server/fake-exchange.js';
import { app } from '../../../fixtures/server/default-app.js';

describe('/bytes/:n', () => {
  const a = app();

  it('sends n deterministic bytes as application/octet-stream', () => {
    const r1 = exchange(a, '/bytes/1000');
    const r2 = exchange(a, '/bytes/1000');
    expect(r1.status).toBe(200);
    expect(r1.header('content-type')).toBe('application/octet-stream');
    expect(r1.bodyLength).toBe(1000);
    expect(r1.body).toEqual(r2.body);
    expect(r1.body).toEqual(pseudoRandomBytes(0, 1000));
  });

  it('picks the sequence by ?seed= and keeps shorter answers a prefix of longer ones', () => {
    const s5 = exchange(a, '/bytes/64?seed=5').body;
    expect(s5).not.toEqual(exchange(a, '/bytes/64').body);
    expect(exchange(a, '/bytes/7?seed=5').body).toEqual(s5.subarray(0, 7));
    expect(exchange(a, '/bytes/1?seed=x').status).toBe(400);
  });

  it('streams large bodies in blocks, identical to the one-shot sequence', async () => {
    const n = 200_000;
    const res = new FakeResponse();
    a.dispatch(fakeRequest({ target: `/bytes/${n}?seed=9` }), res);
    expect(res.contentLength).toBe(n);
    await new Promise<void>((resolve) => {
      const check = (): void => (res.ended ? resolve() : void setImmediate(check));
      check();
    });
    expect(res.body.equals(pseudoRandomBytes(9, n))).toBe(true);
  });

  it('caps n at 100 MiB and stops writing when the client is gone', async () => {
    const res = new FakeResponse();
    a.dispatch(fakeRequest({ target: '/bytes/999999999999' }), res);
    expect(res.contentLength).toBe(MAX_BYTES);
    const written = res.bodyLength;
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThan(MAX_BYTES);
    res.closed = true;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(res.bodyLength).toBe(written);
  });

  it('answers 0 bytes', () => {
    expect(exchange(a, '/bytes/0').contentLength).toBe(0);
  });
});

describe('Prng', () => {
  it('is deterministic, spread and fills unaligned tails', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(new Set(xs).size).toBe(1000);
    const f = Array.from({ length: 10000 }, () => new Prng(1).float());
    expect(f.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(pseudoRandomBytes(3, 10).subarray(0, 9)).toEqual(pseudoRandomBytes(3, 9));
    expect(mix32(1, 2)).not.toBe(mix32(2, 1));
  });
});
