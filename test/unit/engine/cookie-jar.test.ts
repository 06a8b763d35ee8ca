// issue 15: a virtual user's cookie jar — RFC 6265 rules through tough-cookie, the iteration
// reset, seeds, and when the scenario's users have jars at all.
import { describe, expect, it } from 'vitest';
import { Response } from '../../../src/client/response.js';
import { UserCookies, cookieJarsEnabled } from '../../../src/engine/cookie-jar.js';
import { parseScenario } from '../../../src/scenario/index.js';

/** A Response whose headers are these Set-Cookie fields (offsets into one buffer, as the parser leaves them). */
function withSetCookies(values: string[]): Response {
  const res = new Response();
  const text = values.map((v) => `Set-Cookie: ${v}\r\n`).join('');
  const buf = Buffer.from(text, 'latin1');
  res.headers.buf = buf;
  let at = 0;
  for (const v of values) {
    const nameEnd = at + 'Set-Cookie'.length;
    const valueStart = nameEnd + 2;
    res.headers.push(at, nameEnd, valueStart, valueStart + Buffer.byteLength(v, 'latin1'));
    at = valueStart + Buffer.byteLength(v, 'latin1') + 2;
  }
  return res;
}

describe('UserCookies', () => {
  it('sends back what a response set, to matching paths only', () => {
    const c = new UserCookies(undefined, []);
    c.store(withSetCookies(['sid=abc; Path=/', 'cart=1; Path=/shop']), 'http://shop.test/login');
    expect(c.header('http://shop.test/')).toBe('sid=abc');
    expect(c.header('http://shop.test/shop/items')).toBe('cart=1; sid=abc');
    expect(c.header('http://other.test/')).toBe('');
  });

  it('honours Secure (https only off loopback), HttpOnly (sent: we are not a browser script) and expiry', () => {
    const c = new UserCookies(undefined, []);
    c.store(withSetCookies(['s=1; Secure; Path=/', 'h=2; HttpOnly; Path=/', 'gone=3; Max-Age=0; Path=/']), 'https://shop.test/');
    expect(c.header('http://shop.test/')).toBe('h=2');
    expect(c.header('https://shop.test/')).toBe('s=1; h=2');
    c.store(withSetCookies(['h=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/']), 'https://shop.test/');
    expect(c.header('https://shop.test/')).toBe('s=1');
  });

  it('applies Domain rules: a parent domain reaches subdomains, a foreign domain is ignored', () => {
    const c = new UserCookies(undefined, []);
    c.store(withSetCookies(['d=1; Domain=shop.test; Path=/', 'evil=1; Domain=bank.test; Path=/']), 'http://www.shop.test/');
    expect(c.header('http://api.shop.test/')).toBe('d=1');
    expect(c.header('http://bank.test/')).toBe('');
  });

  it('starts over at each iteration (seeded again), unless kept', () => {
    const seeds = { mode: 'iteration' as const, values: [['lang', 'en']] as [string, string][] };
    const c = new UserCookies(seeds, ['http://127.0.0.1:8080']);
    expect(c.header('http://127.0.0.1:8080/')).toBe('lang=en');
    c.store(withSetCookies(['sid=1; Path=/']), 'http://127.0.0.1:8080/login');
    expect(c.header('http://127.0.0.1:8080/')).toBe('lang=en; sid=1');
    c.beginIteration();
    expect(c.header('http://127.0.0.1:8080/')).toBe('lang=en');

    const kept = new UserCookies({ mode: 'keep', values: [] }, ['http://127.0.0.1:8080']);
    kept.store(withSetCookies(['sid=1; Path=/']), 'http://127.0.0.1:8080/login');
    kept.beginIteration();
    expect(kept.header('http://127.0.0.1:8080/')).toBe('sid=1');
  });

  it('ignores a malformed Set-Cookie, as browsers do', () => {
    const c = new UserCookies(undefined, []);
    c.store(withSetCookies(['=novalue', 'ok=1; Path=/']), 'http://shop.test/');
    expect(c.header('http://shop.test/')).toBe('ok=1');
  });
});

describe('cookieJarsEnabled', () => {
  const load = (yaml: string) => parseScenario(`target: http://127.0.0.1:9\nload: [{ iterations: 1 }]\n${yaml}`, '/tmp/j.yaml', { processEnv: {} });

  it('gives the single-request hot path no jar unless asked', () => {
    expect(cookieJarsEnabled(load('requests: [{ path: /a }]\n'))).toBe(false);
    expect(cookieJarsEnabled(load('flows: [{ steps: [{ path: /a }] }]\n'))).toBe(false);
    expect(cookieJarsEnabled(load('cookies: iteration\nrequests: [{ path: /a }]\n'))).toBe(true);
  });

  it('turns jars on for multi-step flows (sessions), and off with cookies: off', () => {
    expect(cookieJarsEnabled(load('flows: [{ steps: [{ path: /a }, { path: /b }] }]\n'))).toBe(true);
    expect(cookieJarsEnabled(load('cookies: off\nflows: [{ steps: [{ path: /a }, { path: /b }] }]\n'))).toBe(false);
  });
});
