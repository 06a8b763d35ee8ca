import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../../src/server/routes/query-string.js';
import { exchange } from '../../../fixtures/server/fake-exchange.js';
import { app } from '../../../fixtures/server/default-app.js';

describe('echo routes', () => {
  const a = app();

  it('/anything echoes the request as parsed', () => {
    const res = exchange(a, {
      method: 'POST',
      target: '/anything/x/y?a=1&b=two%20words&a=3&flag',
      headers: [['Host', 'example.test'], ['X-Mixed-Case', 'v1'], ['x-mixed-case', 'v2'], ['Content-Type', 'application/json']],
      trailers: [['X-Checksum', 'abc']],
      body: '{"k":[1,2]}',
      httpVersion: '1.1',
      remoteAddress: '10.0.0.9',
    });
    expect(res.status).toBe(200);
    expect(res.header('content-type')).toBe('application/json');
    expect(res.json()).toEqual({
      method: 'POST',
      url: '/anything/x/y?a=1&b=two%20words&a=3&flag',
      httpVersion: '1.1',
      protocol: 'HTTP/1.1',
      path: '/anything/x/y',
      query: { a: ['1', '3'], b: 'two words', flag: '' },
      headers: [['Host', 'example.test'], ['X-Mixed-Case', 'v1'], ['x-mixed-case', 'v2'], ['Content-Type', 'application/json']],
      trailers: [['X-Checksum', 'abc']],
      body: '{"k":[1,2]}',
      json: { k: [1, 2] },
      remoteAddress: '10.0.0.9',
    });
  });

  it('gives non-UTF-8 bodies in base64 and json null for non-JSON', () => {
    const bin = Buffer.from([0xff, 0xfe, 0x00, 0x41]);
    const doc = exchange(a, { method: 'PUT', target: '/anything', body: bin }).json();
    expect(doc.body).toBeUndefined();
    expect(Buffer.from(doc.bodyBase64, 'base64')).toEqual(bin);
    expect(doc.json).toBeNull();
    const text = exchange(a, { method: 'PUT', target: '/anything', body: 'héllo {' }).json();
    expect(text).toMatchObject({ body: 'héllo {', json: null });
    expect(text.bodyBase64).toBeUndefined();
    expect(exchange(a, '/anything').json()).toMatchObject({ body: '', json: null });
  });

  it('shows UTF-8 header values as text and other octets byte for byte', () => {
    const doc = exchange(a, {
      target: '/anything',
      headers: [['X-Utf8', Buffer.from('café', 'utf8')], ['X-Latin1', Buffer.from([0x63, 0x61, 0x66, 0xe9])]],
    }).json();
    expect(doc.headers).toEqual([['X-Utf8', 'café'], ['X-Latin1', 'caf\u00e9']]);
  });

  it('answers every method on /anything and the wildcard', () => {
    for (const m of ['GET', 'DELETE', 'PATCH', 'OPTIONS', 'REPORT']) {
      expect(exchange(a, { method: m, target: '/anything/z' }).json().method).toBe(m);
    }
  });

  it('/get, /post, /put, /patch, /delete echo one method each', () => {
    expect(exchange(a, '/get').json().path).toBe('/get');
    expect(exchange(a, { method: 'POST', target: '/post', body: '1' }).json().json).toBe(1);
    expect(exchange(a, { method: 'PUT', target: '/put' }).status).toBe(200);
    expect(exchange(a, { method: 'PATCH', target: '/patch' }).status).toBe(200);
    expect(exchange(a, { method: 'DELETE', target: '/delete' }).status).toBe(200);
    const res = exchange(a, { method: 'POST', target: '/get' });
    expect(res.status).toBe(405);
    expect(res.header('Allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('echoAll makes every path echo', () => {
    const e = app({ echoAll: true });
    for (const target of ['/', '/json', '/status/500', '/no/such/path?x=1']) {
      const res = exchange(e, { method: 'POST', target, body: 'b' });
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ url: target, method: 'POST', body: 'b' });
    }
  });

  it('/headers lists the headers in wire order and case', () => {
    const res = exchange(a, { target: '/headers', headers: [['host', 'h'], ['ACCEPT', '*/*']] });
    expect(res.json()).toEqual({ headers: [['host', 'h'], ['ACCEPT', '*/*']] });
  });

  it('/cookies parses every Cookie header, first value of a name winning', () => {
    const res = exchange(a, { target: '/cookies', headers: [['Host', 'h'], ['Cookie', 'a=1; b="two"'], ['cookie', 'c=3;a=9']] });
    expect(res.json()).toEqual({ cookies: { a: '1', b: 'two', c: '3' } });
    expect(exchange(a, '/cookies').json()).toEqual({ cookies: {} });
  });

  it('/cookies/set sets each pair and redirects to /cookies', () => {
    const res = exchange(a, '/cookies/set?k=v&sess=a%20b&k=w');
    expect(res.status).toBe(302);
    expect(res.header('location')).toBe('/cookies');
    expect(res.headerAll('set-cookie')).toEqual(['k=w; Path=/', 'sess=a%20b; Path=/']);
  });

  it('/cookies/set refuses names that are not tokens', () => {
    expect(exchange(a, '/cookies/set?a%20b=1').status).toBe(400);
  });

  it('/cookies/delete expires the named cookies', () => {
    const res = exchange(a, '/cookies/delete?k');
    expect(res.status).toBe(302);
    expect(res.header('set-cookie')).toMatch(/^k=; Expires=Thu, 01 Jan 1970 .*Max-Age=0/);
  });
});

describe('parseQuery', () => {
  it('decodes, keeps order and collects repeats', () => {
    expect(parseQuery('')).toEqual({});
    expect(parseQuery('a=1&&b&a=2&a=3&c=x+y&%41=%zz')).toEqual({ a: ['1', '2', '3'], b: '', c: 'x y', A: '%zz' });
    expect(Object.getPrototypeOf(parseQuery('__proto__=1'))).toBeNull();
  });
});

describe('echo formatting', () => {
  it('prints one header pair per line', () => {
    const text = exchange(app(), { target: '/anything', headers: [['Host', 'h'], ['X-A', '1']] }).text;
    expect(text).toContain('  "headers": [\n    ["Host","h"],\n    ["X-A","1"]\n  ],\n');
    expect(text).toContain('  "trailers": [],\n');
    expect(text.endsWith('}\n')).toBe(true);
  });
});
