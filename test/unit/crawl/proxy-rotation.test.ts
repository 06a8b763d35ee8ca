// The rotation's policy with stand-in clients: round robin, benching after strikes (transport
// failures and 403/429 answers), the cooldown, host stickiness, retries avoiding the failed one.
import { describe, expect, it } from 'vitest';
import type { Client } from '../../../src/client/client.js';
import { FastbenchError } from '../../../src/core/errors.js';
import { ProxyRotation, type RotationOptions } from '../../../src/crawl/proxy-rotation.js';

const P = ['http://127.0.0.1:3001', 'http://127.0.0.1:3002', 'socks5h://u:pw@127.0.0.1:3003'];
const refused = (): FastbenchError => new FastbenchError('ERR_CONN_REFUSED');

function rotation(o: Partial<RotationOptions> = {}): { r: ProxyRotation; made: string[] } {
  const made: string[] = [];
  const r = new ProxyRotation({ proxies: P, proxyRotate: 'request', proxyStrikes: 2, proxyCooldownMs: 1000, ...o }, (p, robots) => {
    made.push(`${p}${robots ? ' robots' : ''}`);
    return { close: () => Promise.resolve() } as unknown as Client;
  });
  return { r, made };
}

describe('ProxyRotation', () => {
  it('goes round the proxies, one per request', () => {
    const { r } = rotation();
    expect([0, 0, 0, 0, 0, 0].map(() => r.pick('a', 0))).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('benches a proxy after its strikes in a row, for the cooldown; a success clears strikes', () => {
    const { r } = rotation();
    expect(r.note(1, 0, refused(), 0)).toBe(true);
    r.note(1, 200, null, 0); // success: strikes back to 0
    r.note(1, 0, refused(), 0);
    expect(r.isBenched(1, 0)).toBe(false);
    r.note(1, 0, refused(), 10);
    expect(r.isBenched(1, 10)).toBe(true);
    expect([0, 0, 0, 0].map(() => r.pick('a', 20))).toEqual([0, 2, 0, 2]);
    expect(r.isBenched(1, 1010)).toBe(false);
    expect(r.health()[1]).toEqual({ proxy: 'http://127.0.0.1:3002', requests: 4, failures: 3, blocked: 0, benched: 1 });
    expect(r.health()[2]!.proxy).toBe('socks5h://u@127.0.0.1:3003'); // no password in reports
  });

  it('403 and 429 answers count as blocked and bench too (but are not retried elsewhere)', () => {
    const { r } = rotation();
    expect(r.note(0, 403, null, 0)).toBe(false);
    expect(r.note(0, 429, null, 0)).toBe(false);
    expect(r.isBenched(0, 0)).toBe(true);
    expect(r.health()[0]).toMatchObject({ requests: 2, failures: 0, blocked: 2, benched: 1 });
    // A 404 or a codec error is the site's, not the proxy's: no strike.
    r.note(2, 404, null, 0);
    r.note(2, 0, new FastbenchError('ERR_HTTP_BAD_STATUS_LINE'), 0);
    r.note(2, 404, null, 0);
    expect(r.isBenched(2, 0)).toBe(false);
  });

  it('with every proxy benched, the one whose bench ends first is used', () => {
    const { r } = rotation({ proxyStrikes: 1 });
    r.note(0, 0, refused(), 30);
    r.note(1, 0, refused(), 10);
    r.note(2, 0, refused(), 20);
    expect(r.pick('a', 40)).toBe(1);
  });

  it('host mode keeps a host on one proxy until it is benched; a retry avoids the failed one', () => {
    const { r } = rotation({ proxyRotate: 'host' });
    const a = r.pick('a.test', 0);
    const b = r.pick('b.test', 0);
    expect(b).not.toBe(a);
    expect([1, 2, 3].map(() => r.pick('a.test', 0))).toEqual([a, a, a]);
    const other = r.pick('a.test', 0, a);
    expect(other).not.toBe(a);
    expect(r.pick('a.test', 0)).toBe(other); // the host moved
  });

  it('makes each proxy\'s clients lazily, pages and robots apart', () => {
    const { r, made } = rotation();
    r.client(2, false);
    r.client(2, false);
    r.client(2, true);
    expect(made).toEqual([`${P[2]}`, `${P[2]} robots`]);
  });
});
