// The proxy handshakes byte by byte: what is sent, what each answer leads to, split reads.
import { describe, expect, it } from 'vitest';
import { parseProxyUrl } from '../../../src/client/proxy.js';
import { ProxyTunnel, ipv6Bytes } from '../../../src/client/proxy-tunnel.js';

const feedAll = (t: ProxyTunnel, bytes: Buffer): (Buffer | null)[] => [...bytes].map((b) => t.feed(Buffer.from([b])));

describe('HTTP CONNECT', () => {
  it('asks for host:port with Host and Basic credentials; a 200 split over reads opens the tunnel', () => {
    const t = new ProxyTunnel(parseProxyUrl('http://bob:s3cret@p:3128'), 'api.test', 8443);
    expect(t.hello().toString()).toBe(`CONNECT api.test:8443 HTTP/1.1\r\nHost: api.test:8443\r\nProxy-Authorization: Basic ${Buffer.from('bob:s3cret').toString('base64')}\r\n\r\n`);
    feedAll(t, Buffer.from('HTTP/1.1 200 Connection established\r\nX: y\r\n\r'));
    expect(t.done).toBe(false);
    t.feed(Buffer.from('\n'));
    expect(t.done).toBe(true);
    expect(t.rest.length).toBe(0);
  });

  it('brackets IPv6 targets; 407 → ERR_PROXY_AUTH, 403/502 → ERR_PROXY_CONNECT, not HTTP → ERR_PROXY_PROTOCOL', () => {
    expect(new ProxyTunnel(parseProxyUrl('http://p:1'), '::1', 80).hello().toString()).toMatch(/^CONNECT \[::1\]:80 HTTP\/1.1\r\nHost: \[::1\]:80\r\n\r\n$/);
    const answer = (head: string): unknown => {
      try {
        new ProxyTunnel(parseProxyUrl('http://p:1'), 'a', 1).feed(Buffer.from(head));
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(answer('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n')).toMatchObject({ code: 'ERR_PROXY_AUTH', message: expect.stringContaining('no credentials were given') });
    expect(answer('HTTP/1.0 403 Forbidden\r\n\r\n')).toMatchObject({ code: 'ERR_PROXY_CONNECT', message: expect.stringContaining('403 Forbidden') });
    expect(answer('HTTP/1.1 502 Bad Gateway\r\n\r\n')).toMatchObject({ code: 'ERR_PROXY_CONNECT' });
    expect(answer('SSH-2.0-OpenSSH\r\n\r\n')).toMatchObject({ code: 'ERR_PROXY_PROTOCOL' });
  });
});

describe('SOCKS5', () => {
  it('no auth, CONNECT by name (socks5h), a reply with a domain address split over reads', () => {
    const t = new ProxyTunnel(parseProxyUrl('socks5h://p:1080'), 'example.test', 443);
    expect([...t.hello()]).toEqual([5, 1, 0]);
    const req = t.feed(Buffer.from([5, 0]))!;
    expect([...req]).toEqual([5, 1, 0, 3, 12, ...Buffer.from('example.test'), 1, 187]);
    const reply = Buffer.from([5, 0, 0, 3, 4, ...Buffer.from('abcd'), 0, 80]);
    const outs = feedAll(t, reply);
    expect(outs.every((o) => o === null)).toBe(true);
    expect(t.done).toBe(true);
  });

  it('user/password (RFC 1929), CONNECT by IPv4 and IPv6 address', () => {
    const t = new ProxyTunnel(parseProxyUrl('socks5://ann:pw@p:1'), '10.1.2.3', 8080);
    expect([...t.hello()]).toEqual([5, 2, 0, 2]);
    expect([...t.feed(Buffer.from([5, 2]))!]).toEqual([1, 3, ...Buffer.from('ann'), 2, ...Buffer.from('pw')]);
    expect([...t.feed(Buffer.from([1, 0]))!]).toEqual([5, 1, 0, 1, 10, 1, 2, 3, 0x1f, 0x90]);
    t.feed(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]));
    expect(t.done).toBe(true);
    const six = new ProxyTunnel(parseProxyUrl('socks5://p:1'), '2001:db8::1', 80);
    six.hello();
    expect([...six.feed(Buffer.from([5, 0]))!]).toEqual([5, 1, 0, 4, ...ipv6Bytes('2001:db8::1'), 0, 80]);
  });

  it('refusals: no acceptable method / bad password → ERR_PROXY_AUTH; reply code → ERR_SOCKS_CONNECT naming it; not SOCKS5 → ERR_PROXY_PROTOCOL', () => {
    const catchOf = (f: () => unknown): unknown => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    expect(catchOf(() => new ProxyTunnel(parseProxyUrl('socks5://p:1'), 'a', 1).feed(Buffer.from([5, 0xff])))).toMatchObject({ code: 'ERR_PROXY_AUTH' });
    const auth = new ProxyTunnel(parseProxyUrl('socks5://u:bad@p:1'), 'a', 1);
    auth.feed(Buffer.from([5, 2]));
    expect(catchOf(() => auth.feed(Buffer.from([1, 1])))).toMatchObject({ code: 'ERR_PROXY_AUTH' });
    const conn = new ProxyTunnel(parseProxyUrl('socks5h://p:1'), 'a', 1);
    conn.feed(Buffer.from([5, 0]));
    expect(catchOf(() => conn.feed(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])))).toMatchObject({ code: 'ERR_SOCKS_CONNECT', message: expect.stringContaining('replied 5 (connection refused)') });
    expect(catchOf(() => new ProxyTunnel(parseProxyUrl('socks5://p:1'), 'a', 1).feed(Buffer.from('HTTP/1.1 400 Bad')))).toMatchObject({ code: 'ERR_PROXY_PROTOCOL' });
  });

  it('ipv6Bytes expands ::, and an embedded IPv4 tail', () => {
    expect(ipv6Bytes('::1').toString('hex')).toBe('00000000000000000000000000000001');
    expect(ipv6Bytes('2001:db8::8:1').toString('hex')).toBe('20010db8000000000000000000080001');
    expect(ipv6Bytes('::ffff:127.0.0.1').toString('hex')).toBe('00000000000000000000ffff7f000001');
    expect(ipv6Bytes('1:2:3:4:5:6:7:8').toString('hex')).toBe('00010002000300040005000600070008');
  });
});
