import { describe, expect, it } from 'vitest';
import { Request } from '../../../src/client/request.js';

describe('Request', () => {
  it('parses absolute URLs into scheme, host and path', () => {
    const r = new Request().setURL('https://user:pw@Example.test:8443/a/b?c=1#frag');
    expect(r.scheme).toBe('https');
    expect(r.host).toBe('Example.test:8443');
    expect(r.hostname).toBe('Example.test');
    expect(r.port).toBe(8443);
    expect(r.path).toBe('/a/b?c=1');
    expect(r.url).toBe('https://Example.test:8443/a/b?c=1');
  });

  it('drops default ports from Host, keeps IPv6 brackets, and defaults the path', () => {
    expect(new Request().setURL('http://h:80').host).toBe('h');
    expect(new Request().setURL('http://h:80').path).toBe('/');
    expect(new Request().setURL('https://h:443/x').host).toBe('h');
    const v6 = new Request().setURL('http://[::1]:8080?q');
    expect(v6.host).toBe('[::1]:8080');
    expect(v6.hostname).toBe('::1');
    expect(v6.port).toBe(8080);
    expect(v6.path).toBe('/?q');
    expect(new Request().setURL('http://[::1]/').port).toBe(80);
  });

  it('keeps the path exactly as given (no normalisation)', () => {
    expect(new Request().setURL('http://h/a/../b/%2e?x=%20').path).toBe('/a/../b/%2e?x=%20');
    expect(new Request().setURL('/only/a/path').path).toBe('/only/a/path');
  });

  it('rejects what is not an http(s) URL', () => {
    expect(() => new Request().setURL('ftp://h/')).toThrow(/invalid URL/);
    expect(() => new Request().setURL('http://h:99999/')).toThrow(/invalid host/);
    expect(() => new Request().setURL('relative')).toThrow(/invalid URL/);
  });

  it('serializes once and returns the same Buffer until something changes', () => {
    const r = new Request({ url: '/p', headers: [['X-A', '1']] });
    const a = r.prepare('h:1');
    expect(a.toString()).toBe('GET /p HTTP/1.1\r\nHost: h:1\r\nX-A: 1\r\n\r\n');
    expect(r.prepare('h:1')).toBe(a);
    r.setHeader('x-a', '2');
    const b = r.prepare('h:1');
    expect(b).not.toBe(a);
    expect(b.toString()).toBe('GET /p HTTP/1.1\r\nHost: h:1\r\nx-a: 2\r\n\r\n');
    r.body = 'héllo';
    r.method = 'POST';
    expect(r.prepare('h:1').toString('latin1')).toBe('POST /p HTTP/1.1\r\nHost: h:1\r\nx-a: 2\r\nContent-Length: 6\r\n\r\nh\xc3\xa9llo');
  });

  it('uses its own Host over the client default', () => {
    const r = new Request().setURL('http://own.test/x');
    expect(r.prepare('default').toString()).toContain('Host: own.test\r\n');
  });

  it('adds, reads and deletes headers case-insensitively, keeping order', () => {
    const r = new Request();
    r.addHeader('A', '1').addHeader('B', '2').addHeader('a', '3');
    expect(r.headers).toEqual(['A', '1', 'B', '2', 'a', '3']);
    expect(r.header('a')).toBe('1');
    r.deleteHeader('A');
    expect(r.headers).toEqual(['B', '2']);
    expect(() => r.addHeader('Bad Name', 'x')).toThrow();
    expect(() => r.addHeader('X', 'a\r\nInjected: 1')).toThrow();
  });

  it('knows idempotency by method, overridable', () => {
    const r = new Request();
    expect(r.idempotent).toBe(true);
    r.method = 'POST';
    expect(r.idempotent).toBe(false);
    r.idempotent = true;
    expect(r.idempotent).toBe(true);
    r.method = 'HEAD';
    expect(r.isHead).toBe(true);
  });

  it('sends raw bytes as given', () => {
    const bytes = Buffer.from('GET /raw HTTP/1.1\r\nHost: x\r\n\r\n');
    const r = new Request().setRaw(bytes);
    expect(r.prepare('other')).toBe(bytes);
    r.path = '/changed';
    expect(r.prepare('other').toString()).toContain('GET /changed');
  });

  it('is pooled and reset on release', () => {
    const r = Request.acquire();
    r.setURL('http://h/x');
    r.method = 'DELETE';
    Request.release(r);
    const again = Request.acquire();
    expect(again).toBe(r);
    expect(again.method).toBe('GET');
    expect(again.path).toBe('/');
    expect(again.host).toBe('');
  });
});
