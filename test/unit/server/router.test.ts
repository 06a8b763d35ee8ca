import { describe, expect, it } from 'vitest';
import { ANY_METHOD, Router } from '../../../src/server/router.js';
import type { Handler, RouteParams } from '../../../src/server/types.js';
import { exchange } from '../../fixtures/server/fake-exchange.js';

/** A handler that answers with its name and the params it got. */
function named(name: string): Handler {
  return (_req, res, params) => res.send(200, JSON.stringify({ name, params }));
}

function answer(router: Router, method: string, target: string): { status: number; name?: string; params?: RouteParams; allow?: string } {
  const res = exchange(router, { method, target });
  if (res.status !== 200) return { status: res.status, allow: res.header('allow') };
  const { name, params } = res.json<{ name: string; params: RouteParams }>();
  return { status: 200, name, params };
}

describe('Router: static routes', () => {
  const r = new Router()
    .get('/', named('root'))
    .get('/plaintext', named('plain'))
    .post('/plaintext', named('plain-post'))
    .all('/any', named('any'));

  it('matches exact paths, case-sensitively, with the trailing slash significant', () => {
    expect(answer(r, 'GET', '/')).toMatchObject({ status: 200, name: 'root', params: {} });
    expect(answer(r, 'GET', '/plaintext?x=1')).toMatchObject({ name: 'plain' });
    expect(answer(r, 'POST', '/plaintext')).toMatchObject({ name: 'plain-post' });
    expect(answer(r, 'GET', '/Plaintext').status).toBe(404);
    expect(answer(r, 'GET', '/plaintext/').status).toBe(404);
  });

  it('serves HEAD with the GET handler', () => {
    expect(answer(r, 'HEAD', '/plaintext')).toMatchObject({ status: 200, name: 'plain' });
  });

  it('answers 404 for unknown paths, with a body', () => {
    const res = exchange(r, '/nope');
    expect(res.status).toBe(404);
    expect(res.text).toContain('Not Found');
  });

  it('answers 405 with Allow listing the methods when only the method differs', () => {
    const res = exchange(r, { method: 'DELETE', target: '/plaintext' });
    expect(res.status).toBe(405);
    expect(res.header('Allow')).toBe('GET, HEAD, POST, OPTIONS');
  });

  it('answers OPTIONS with 204 and Allow', () => {
    const res = exchange(r, { method: 'OPTIONS', target: '/' });
    expect(res.status).toBe(204);
    expect(res.header('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('routes every method to an all() handler', () => {
    for (const m of ['GET', 'HEAD', 'PUT', 'PATCH', 'OPTIONS', 'PROPFIND']) expect(answer(r, m, '/any').name).toBe('any');
  });

  it('prefers an explicit HEAD handler over GET', () => {
    const h = new Router().get('/x', named('get')).on('HEAD', '/x', named('head'));
    expect(answer(h, 'HEAD', '/x').name).toBe('head');
    const h2 = new Router().on('HEAD', '/x', named('head')).get('/x', named('get'));
    expect(answer(h2, 'HEAD', '/x').name).toBe('head');
  });

  it('passes one shared empty params object to static routes', () => {
    const seen: RouteParams[] = [];
    const s = new Router().get('/a', (_q, res, p) => { seen.push(p); res.send(200); });
    exchange(s, '/a');
    exchange(s, '/a');
    expect(seen[0]).toBe(seen[1]);
    expect(Object.isFrozen(seen[0])).toBe(true);
  });
});

describe('Router: params, constraints and wildcards', () => {
  const r = new Router()
    .all('/status/:code<int>', named('status'))
    .get('/users/:id<int;min(1)>', named('user-by-id'))
    .get('/users/:name<alpha>', named('user-by-name'))
    .get('/users/me', named('me'))
    .get('/files/:dir/:file', named('file'))
    .get('/price/:p<float>', named('price'))
    .get('/flag/:on<bool>', named('flag'))
    .get('/id/:g<guid>', named('guid'))
    .get('/code/:c<len(3);regex([a-z]+)>', named('code'))
    .get('/pct/:n<range(0,100)>', named('pct'))
    .get('/short/:s<maxLen(3)>', named('short'))
    .all('/anything/*', named('anything'))
    .get('/static/*path', named('static'));

  it('parses int params as numbers', () => {
    expect(answer(r, 'GET', '/status/418')).toMatchObject({ name: 'status', params: { code: 418 } });
    expect(answer(r, 'POST', '/status/-5')).toMatchObject({ params: { code: -5 } });
  });

  it('falls through to 404 when a constraint fails', () => {
    expect(answer(r, 'GET', '/status/abc').status).toBe(404);
    expect(answer(r, 'GET', '/status/1.5').status).toBe(404);
    expect(answer(r, 'GET', '/status/').status).toBe(404);
    expect(answer(r, 'GET', '/status/200/x').status).toBe(404);
  });

  it('prefers static segments, then constrained params, then plain ones', () => {
    expect(answer(r, 'GET', '/users/me').name).toBe('me');
    expect(answer(r, 'GET', '/users/7')).toMatchObject({ name: 'user-by-id', params: { id: 7 } });
    expect(answer(r, 'GET', '/users/bob')).toMatchObject({ name: 'user-by-name', params: { name: 'bob' } });
    expect(answer(r, 'GET', '/users/0').status).toBe(404);
    expect(answer(r, 'GET', '/users/bob1').status).toBe(404);
  });

  it('keeps several params, as raw text', () => {
    expect(answer(r, 'GET', '/files/a%20b/c.txt')).toMatchObject({ params: { dir: 'a%20b', file: 'c.txt' } });
  });

  it('checks float, bool, guid, len, regex, range and maxLen constraints', () => {
    expect(answer(r, 'GET', '/price/2.50')).toMatchObject({ params: { p: 2.5 } });
    expect(answer(r, 'GET', '/price/x').status).toBe(404);
    expect(answer(r, 'GET', '/flag/true')).toMatchObject({ params: { on: 'true' } });
    expect(answer(r, 'GET', '/flag/yes').status).toBe(404);
    expect(answer(r, 'GET', '/id/123e4567-e89b-12d3-a456-426614174000').name).toBe('guid');
    expect(answer(r, 'GET', '/id/123e4567').status).toBe(404);
    expect(answer(r, 'GET', '/code/abc').name).toBe('code');
    expect(answer(r, 'GET', '/code/abcd').status).toBe(404);
    expect(answer(r, 'GET', '/code/ab1').status).toBe(404);
    expect(answer(r, 'GET', '/pct/100').name).toBe('pct');
    expect(answer(r, 'GET', '/pct/101').status).toBe(404);
    expect(answer(r, 'GET', '/short/abc').name).toBe('short');
    expect(answer(r, 'GET', '/short/abcd').status).toBe(404);
  });

  it('gives the wildcard the rest of the path, possibly empty', () => {
    expect(answer(r, 'PUT', '/anything/a/b/c')).toMatchObject({ name: 'anything', params: { '*': 'a/b/c' } });
    expect(answer(r, 'GET', '/anything/')).toMatchObject({ name: 'anything', params: { '*': '' } });
    expect(answer(r, 'GET', '/anything').status).toBe(404);
    expect(answer(r, 'GET', '/static/css/site.css')).toMatchObject({ params: { path: 'css/site.css' } });
  });

  it('answers 405 with Allow for dynamic routes too', () => {
    const res = exchange(r, { method: 'POST', target: '/users/7' });
    expect(res.status).toBe(405);
    expect(res.header('Allow')).toBe('GET, HEAD, OPTIONS');
    expect(answer(r, 'HEAD', '/users/7').name).toBe('user-by-id');
  });

  it('unions Allow over every route that matches the path', () => {
    const u = new Router().get('/x/:id<int>', named('get')).post('/x/:name', named('post'));
    expect(answer(u, 'POST', '/x/5').name).toBe('post');
    const res = exchange(u, { method: 'DELETE', target: '/x/5' });
    expect(res.status).toBe(405);
    expect(res.header('allow')!.split(', ').sort()).toEqual(['GET', 'HEAD', 'OPTIONS', 'POST']);
  });

  it('backtracks out of a static branch that fails deeper', () => {
    const b = new Router().get('/a/b/c', named('abc')).get('/a/:x/d', named('axd'));
    expect(answer(b, 'GET', '/a/b/d')).toMatchObject({ name: 'axd', params: { x: 'b' } });
  });

  it('falls back to a dynamic route when the static path lacks the method', () => {
    const b = new Router().post('/x/1', named('static-post')).get('/x/:id<int>', named('dyn-get'));
    expect(answer(b, 'GET', '/x/1').name).toBe('dyn-get');
    expect(answer(b, 'POST', '/x/1').name).toBe('static-post');
    const res = exchange(b, { method: 'PUT', target: '/x/1' });
    expect(res.status).toBe(405);
  });

  it('uses a custom notFound handler', () => {
    const n = new Router({ notFound: named('fallback') }).get('/a', named('a'));
    expect(answer(n, 'GET', '/zzz').name).toBe('fallback');
  });

  it('match() reports status, params, Allow and pattern', () => {
    expect(r.match('GET', '/status/200')).toMatchObject({ status: 200, params: { code: 200 }, pattern: '/status/:code<int>' });
    expect(r.match('DELETE', '/users/me')).toMatchObject({ status: 405, allow: 'GET, HEAD, OPTIONS' });
    expect(r.match('GET', '/missing')).toMatchObject({ status: 404, pattern: undefined });
    expect(r.match(ANY_METHOD, 'no-slash').status).toBe(404);
  });
});

describe('Router: registration errors', () => {
  const h: Handler = (_q, res) => res.send(200);
  it('rejects malformed patterns', () => {
    expect(() => new Router().get('x', h)).toThrow(/must start/);
    expect(() => new Router().get('/a/*/b', h)).toThrow(/last segment/);
    expect(() => new Router().get('/a/:id<nope>', h)).toThrow(/unknown constraint/);
    expect(() => new Router().get('/a/:id<int', h)).toThrow(/unclosed/);
    expect(() => new Router().get('/a/:id/:id', h)).toThrow(/duplicate/);
    expect(() => new Router().get('/a/:id<min(x)>', h)).toThrow(/min\(\)/);
    expect(() => new Router().get('/a/:id<regex(()>', h)).toThrow(/regex/);
  });

  it('rejects the same shape with other param names', () => {
    expect(() => new Router().get('/a/:id', h).get('/a/:name', h)).toThrow(/conflicts/);
    expect(() => new Router().get('/a/*', h).get('/a/*rest', h)).toThrow(/conflicts/);
  });

  it('adds methods to an existing pattern', () => {
    const r = new Router().get('/a/:id', named('get')).post('/a/:id', named('post'));
    expect(answer(r, 'POST', '/a/1').name).toBe('post');
    expect(r.match('PUT', '/a/1').allow).toBe('GET, HEAD, POST, OPTIONS');
  });
});
