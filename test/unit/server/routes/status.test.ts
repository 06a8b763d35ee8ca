import { describe, expect, it } from 'vitest';
import { exchange } from '../../../fixtures/server/fake-exchange.js';
import { app } from '../../../fixtures/server/default-app.js';

describe('/status/:code', () => {
  const a = app();

  it('answers the code asked for, on any method', () => {
    for (const code of [200, 201, 404, 418, 500, 599]) {
      const res = exchange(a, { method: code % 2 ? 'POST' : 'GET', target: `/status/${code}` });
      expect(res.status).toBe(code);
      expect(res.text).toMatch(new RegExp(`^${code} `));
    }
  });

  it('sends no body for 204 and 304', () => {
    for (const code of [204, 304]) {
      const res = exchange(a, `/status/${code}`);
      expect(res.status).toBe(code);
      expect(res.bodyLength).toBe(0);
    }
  });

  it('adds the headers each code calls for', () => {
    expect(exchange(a, '/status/301').header('location')).toBe('/get');
    expect(exchange(a, '/status/307').header('location')).toBe('/get');
    expect(exchange(a, '/status/304').header('location')).toBeUndefined();
    expect(exchange(a, '/status/401').header('www-authenticate')).toMatch(/^Basic/);
    expect(exchange(a, '/status/407').header('proxy-authenticate')).toMatch(/^Basic/);
    expect(exchange(a, '/status/405').header('allow')).toBe('GET, HEAD');
    expect(exchange(a, '/status/503').header('retry-after')).toBe('1');
    expect(exchange(a, '/status/429').header('retry-after')).toBe('1');
  });

  it('answers 1xx requests with 200 and a note', () => {
    const res = exchange(a, '/status/103');
    expect(res.status).toBe(200);
    expect(res.header('x-fastbench-requested-status')).toBe('103');
    expect(res.text).toMatch(/1xx/);
  });

  it('refuses codes outside 100-599 with 400 and non-numbers with 404', () => {
    expect(exchange(a, '/status/99').status).toBe(400);
    expect(exchange(a, '/status/600').status).toBe(400);
    expect(exchange(a, '/status/-1').status).toBe(400);
    expect(exchange(a, '/status/abc').status).toBe(404);
  });
});

describe('redirects', () => {
  const a = app();

  it('/redirect/:n walks down to /get with 302s', () => {
    const hops: string[] = [];
    let target = '/redirect/3';
    for (;;) {
      const res = exchange(a, target);
      if (res.status !== 302) break;
      target = res.header('location')!;
      hops.push(target);
    }
    expect(hops).toEqual(['/redirect/2', '/redirect/1', '/get']);
    expect(exchange(a, target).json().path).toBe('/get');
  });

  it('/redirect/:n?absolute=true uses the Host header', () => {
    const res = exchange(a, { target: '/redirect/2?absolute=true', headers: [['Host', 'h.test:8080']] });
    expect(res.header('location')).toBe('http://h.test:8080/redirect/1?absolute=true');
    const last = exchange(a, { target: '/redirect/1?absolute=true', headers: [['Host', 'h.test:8080']] });
    expect(last.header('location')).toBe('http://h.test:8080/get');
    const tls = exchange(app({ secure: true }), { target: '/redirect/1?absolute=true', headers: [['Host', 'h']] });
    expect(tls.header('location')).toBe('https://h/get');
  });

  it('/redirect/:n refuses n outside 1-100', () => {
    expect(exchange(a, '/redirect/0').status).toBe(400);
    expect(exchange(a, '/redirect/101').status).toBe(400);
    expect(exchange(a, '/redirect/100').status).toBe(302);
  });

  it('/redirect-to sends one redirect with the given status', () => {
    const res = exchange(a, '/redirect-to?url=http%3A%2F%2Fexample.test%2Fx%3Fy%3D1');
    expect(res.status).toBe(302);
    expect(res.header('location')).toBe('http://example.test/x?y=1');
    expect(exchange(a, '/redirect-to?url=/a&status=307').status).toBe(307);
    expect(exchange(a, '/redirect-to?url=/a&status_code=301').status).toBe(301);
  });

  it('/redirect-to percent-encodes what may not appear in a header', () => {
    const res = exchange(a, '/redirect-to?url=/a%0D%0ASet-Cookie:%20x=1%20%C3%A9');
    expect(res.header('location')).toBe('/a%0D%0ASet-Cookie:%20x=1%20%C3%A9');
    expect(res.headerAll('set-cookie')).toEqual([]);
  });

  it('/redirect-to refuses a missing url or a non-3xx status', () => {
    expect(exchange(a, '/redirect-to').status).toBe(400);
    expect(exchange(a, '/redirect-to?url=/a&status=200').status).toBe(400);
    expect(exchange(a, '/redirect-to?url=/a&status=x').status).toBe(400);
  });
});
