// Proxy URLs, NO_PROXY matching and the environment variables, read as curl reads them.
import { describe, expect, it } from 'vitest';
import { NoProxy, ProxyRule, parseProxyUrl, proxyRule } from '../../../src/client/proxy.js';

describe('parseProxyUrl', () => {
  it('reads the three schemes, credentials (percent-decoded), and defaults as curl (no scheme: http; no port: 1080)', () => {
    expect(parseProxyUrl('http://u%40x:p%3Aw@proxy.test:3128')).toEqual({ kind: 'http', host: 'proxy.test', port: 3128, user: 'u@x', password: 'p:w', label: 'http://u%40x@proxy.test:3128' });
    expect(parseProxyUrl('proxy.test')).toMatchObject({ kind: 'http', port: 1080, user: undefined, password: undefined });
    expect(parseProxyUrl('SOCKS5H://[::1]:9050')).toMatchObject({ kind: 'socks5h', host: '::1', port: 9050, label: 'socks5h://[::1]:9050' });
    expect(parseProxyUrl('socks5://only-user@h:1')).toMatchObject({ user: 'only-user', password: '' });
  });

  it('refuses other schemes, paths and garbage with ERR_CONFIG', () => {
    for (const bad of ['https://p:443', 'socks4://p:1080', 'http://p:3128/path', 'http://', 'http://[zz']) {
      expect(() => parseProxyUrl(bad, '--proxy')).toThrow(expect.objectContaining({ code: 'ERR_CONFIG', message: expect.stringContaining('--proxy') }));
    }
  });
});

describe('NoProxy', () => {
  it('matches names and their subdomains, with or without a leading dot, case-insensitively', () => {
    const n = new NoProxy('example.com, .Internal.test');
    expect(n.matches('example.com', 80)).toBe(true);
    expect(n.matches('www.EXAMPLE.com', 443)).toBe(true);
    expect(n.matches('badexample.com', 80)).toBe(false);
    expect(n.matches('a.internal.test', 80)).toBe(true);
    expect(n.matches('internal.test', 80)).toBe(true);
  });

  it('matches a port when one is given, IPs, CIDR blocks and IPv6; * matches all', () => {
    const n = new NoProxy('api.test:8443 10.0.0.0/8,127.0.0.1,[::1]:8080');
    expect(n.matches('api.test', 8443)).toBe(true);
    expect(n.matches('api.test', 443)).toBe(false);
    expect(n.matches('10.200.3.4', 80)).toBe(true);
    expect(n.matches('11.0.0.1', 80)).toBe(false);
    expect(n.matches('127.0.0.1', 1)).toBe(true);
    expect(n.matches('127.0.0.2', 1)).toBe(false);
    expect(n.matches('::1', 8080)).toBe(true);
    expect(n.matches('[::1]', 8081)).toBe(false);
    expect(new NoProxy('*').matches('anything', 1)).toBe(true);
  });

  it('a name entry never matches an IP literal; loopback is not excluded by itself (as curl)', () => {
    const n = new NoProxy('localhost');
    expect(n.matches('127.0.0.1', 80)).toBe(false);
    expect(new NoProxy('').matches('127.0.0.1', 80)).toBe(false);
  });
});

describe('ProxyRule (curl\'s environment)', () => {
  it('http:// reads only lower-case http_proxy; https:// reads https_proxy then HTTPS_PROXY; all_proxy is the fallback', () => {
    const up = new ProxyRule({ env: { HTTP_PROXY: 'http://up:1' } });
    expect(up.forOrigin('http', 'a.test', 80)).toBeUndefined();
    const r = new ProxyRule({ env: { http_proxy: 'http://h:1', HTTPS_PROXY: 'http://s:2', ALL_PROXY: 'socks5h://all:3' } });
    expect(r.forOrigin('http', 'a.test', 80)?.host).toBe('h');
    expect(r.forOrigin('https', 'a.test', 443)?.host).toBe('s');
    expect(new ProxyRule({ env: { https_proxy: 'http://low:1', HTTPS_PROXY: 'http://up:2' } }).forOrigin('https', 'a', 443)?.host).toBe('low');
    expect(new ProxyRule({ env: { all_proxy: 'socks5h://all:3' } }).forOrigin('http', 'a', 80)).toMatchObject({ kind: 'socks5h', host: 'all' });
  });

  it('an explicit proxy wins over the environment; NO_PROXY (or the explicit list) still applies to it', () => {
    const r = new ProxyRule({ url: 'http://explicit:8', env: { http_proxy: 'http://env:1', NO_PROXY: 'skip.test' } });
    expect(r.forOrigin('http', 'a.test', 80)?.host).toBe('explicit');
    expect(r.forOrigin('https', 'a.test', 443)?.host).toBe('explicit');
    expect(r.forOrigin('http', 'skip.test', 80)).toBeUndefined();
    const own = new ProxyRule({ url: 'http://explicit:8', noProxy: 'other.test', env: { no_proxy: 'skip.test' } });
    expect(own.forOrigin('http', 'skip.test', 80)?.host).toBe('explicit');
    expect(own.forOrigin('http', 'other.test', 80)).toBeUndefined();
    expect(new ProxyRule({ env: { no_proxy: 'a', NO_PROXY: 'b' } }).noProxy?.text).toBe('a');
  });

  it('proxyRule() is undefined when nothing could give a proxy (no per-pool work then)', () => {
    expect(proxyRule(undefined)).toBeUndefined();
    expect(proxyRule({ env: {} })).toBeUndefined();
    expect(proxyRule({ url: 'http://p:1', noProxy: '*' })).toBeUndefined();
    expect(proxyRule({ env: { https_proxy: 'http://p:1' } })).toBeDefined();
  });
});
