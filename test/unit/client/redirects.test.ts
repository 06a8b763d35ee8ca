import { describe, expect, it } from 'vitest';
import { headersForHop, isRedirect, redirectMethod, redirectTarget } from '../../../src/client/redirects.js';

describe('redirect rules', () => {
  it('knows the redirect statuses', () => {
    expect([301, 302, 303, 307, 308].every(isRedirect)).toBe(true);
    expect([200, 300, 304, 305, 399].some(isRedirect)).toBe(false);
  });
  it('rewrites methods as browsers and fasthttp do', () => {
    expect(redirectMethod(303, 'POST')).toEqual({ method: 'GET', keepBody: false });
    expect(redirectMethod(303, 'HEAD')).toEqual({ method: 'HEAD', keepBody: false });
    expect(redirectMethod(302, 'POST')).toEqual({ method: 'GET', keepBody: false });
    expect(redirectMethod(301, 'PUT')).toEqual({ method: 'PUT', keepBody: false });
    expect(redirectMethod(307, 'POST')).toEqual({ method: 'POST', keepBody: true });
    expect(redirectMethod(308, 'PUT')).toEqual({ method: 'PUT', keepBody: true });
  });
  it('resolves Location against the current URL and refuses non-http schemes', () => {
    const base = new URL('http://a.test:8080/x/y?q=1');
    expect(redirectTarget(base, '../z#frag')!.href).toBe('http://a.test:8080/z');
    expect(redirectTarget(base, '//b.test/p')!.href).toBe('http://b.test/p');
    expect(redirectTarget(base, 'https://c.test/')!.href).toBe('https://c.test/');
    expect(redirectTarget(base, 'ftp://c.test/')).toBeNull();
    expect(redirectTarget(base, undefined)).toBeNull();
    expect(redirectTarget(base, 'http://[bad')).toBeNull();
  });
  it('never carries credentials to another origin', () => {
    const h: [string, string][] = [['Authorization', 'Bearer x'], ['Cookie', 'a=1'], ['X-Keep', '1'], ['Host', 'a.test'], ['Content-Type', 'text/plain']];
    const a = new URL('http://a.test/');
    expect(headersForHop(h, a, new URL('http://a.test/2'), true)).toEqual([['Authorization', 'Bearer x'], ['Cookie', 'a=1'], ['X-Keep', '1'], ['Content-Type', 'text/plain']]);
    expect(headersForHop(h, a, new URL('http://b.test/'), false)).toEqual([['X-Keep', '1']]);
  });
});
