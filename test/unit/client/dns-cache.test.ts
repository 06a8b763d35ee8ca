import { describe, expect, it } from 'vitest';
import { DnsCache, parseResolveOverride } from '../../../src/client/dns-cache.js';

function fakeResolver(table: Record<string, string[]>, calls: string[], delay = 5) {
  return (host: string, cb: (err: NodeJS.ErrnoException | null, addrs: { address: string; family: number }[]) => void) => {
    calls.push(host);
    setTimeout(() => {
      const a = table[host];
      if (!a) {
        const e = new Error('not found') as NodeJS.ErrnoException;
        e.code = 'ENOTFOUND';
        cb(e, []);
      } else cb(null, a.map((address) => ({ address, family: 4 })));
    }, delay);
  };
}

describe('DnsCache', () => {
  it('looks each host up once per TTL and shares one lookup among concurrent askers', async () => {
    const calls: string[] = [];
    const c = new DnsCache({ resolver: fakeResolver({ 'a.test': ['127.0.0.2'] }, calls) });
    const all = await Promise.all(Array.from({ length: 20 }, () => c.resolveAsync('a.test')));
    expect(all.every((r) => r.address === '127.0.0.2')).toBe(true);
    await c.resolveAsync('a.test');
    expect(calls).toEqual(['a.test']);
    expect(c.lookups).toBe(1);
    expect(c.hits).toBe(20);
  });

  it('expires entries after the TTL', async () => {
    const calls: string[] = [];
    const c = new DnsCache({ ttlMs: 1, resolver: fakeResolver({ 'a.test': ['127.0.0.2'] }, calls, 0) });
    await c.resolveAsync('a.test');
    await new Promise((r) => setTimeout(r, 10));
    await c.resolveAsync('a.test');
    expect(calls.length).toBe(2);
  });

  it('caches failures (negative caching) with a typed error', async () => {
    const calls: string[] = [];
    const c = new DnsCache({ resolver: fakeResolver({}, calls) });
    await expect(c.resolveAsync('nope.test')).rejects.toMatchObject({ code: 'ERR_DNS_NOT_FOUND' });
    await expect(c.resolveAsync('nope.test')).rejects.toMatchObject({ code: 'ERR_DNS_NOT_FOUND' });
    expect(calls).toEqual(['nope.test']);
  });

  it('rotates over a host\'s addresses', async () => {
    const c = new DnsCache({ resolver: fakeResolver({ 'rr.test': ['127.0.0.2', '127.0.0.3'] }, []) });
    const got = [];
    for (let i = 0; i < 4; i++) got.push((await c.resolveAsync('rr.test')).address);
    expect(new Set(got)).toEqual(new Set(['127.0.0.2', '127.0.0.3']));
  });

  it('caps lookups in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const c = new DnsCache({
      maxConcurrent: 3,
      resolver: (host, cb) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        setTimeout(() => {
          inFlight--;
          cb(null, [{ address: '127.0.0.9', family: 4 }]);
        }, 2);
      },
    });
    await Promise.all(Array.from({ length: 12 }, (_, i) => c.resolveAsync(`h${i}.test`)));
    expect(peak).toBe(3);
    expect(c.lookups).toBe(12);
  });

  it('answers IP literals without a lookup, and works as net.connect lookup', async () => {
    const calls: string[] = [];
    const c = new DnsCache({ resolver: fakeResolver({ 'x.test': ['127.0.0.5'] }, calls) });
    expect((await c.resolveAsync('127.0.0.1')).address).toBe('127.0.0.1');
    const r = await new Promise<[string, number]>((ok) => c.lookup('x.test', {}, (_e, a, f) => ok([a, f])));
    expect(r).toEqual(['127.0.0.5', 4]);
    expect(calls).toEqual(['x.test']);
  });
});

describe('parseResolveOverride', () => {
  it('parses host:port:address, v4 and v6', () => {
    expect(parseResolveOverride('Example.test:80:127.0.0.2')).toEqual({ host: 'example.test', port: 80, address: '127.0.0.2' });
    expect(parseResolveOverride('a.test:443:[::1]')).toEqual({ host: 'a.test', port: 443, address: '::1' });
  });
  it('rejects malformed overrides with a typed error', () => {
    for (const bad of ['a.test:80', 'a.test:x:127.0.0.1', 'a.test:80:not-an-ip', 'a.test:70000:127.0.0.1']) {
      expect(() => parseResolveOverride(bad)).toThrowError(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
    }
  });
});
