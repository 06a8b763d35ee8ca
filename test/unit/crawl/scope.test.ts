import { describe, expect, it } from 'vitest';
import { compilePattern, originOf, registrableDomain, Scope } from '../../../src/crawl/scope.js';
import { compileWildcard } from '../../../src/crawl/wildcard.js';

describe('registrableDomain', () => {
  const cases: Array<[string, string]> = [
    ['example.com', 'example.com'],
    ['www.example.com', 'example.com'],
    ['a.b.c.example.com', 'example.com'],
    ['WWW.Example.COM.', 'example.com'],
    ['www.bbc.co.uk', 'bbc.co.uk'],
    ['news.bbc.co.uk', 'bbc.co.uk'],
    ['shop.example.com.au', 'example.com.au'],
    ['www.u-tokyo.ac.jp', 'u-tokyo.ac.jp'],
    ['co.uk', 'co.uk'],
    ['www.example.de', 'example.de'],
    ['a.example.io', 'example.io'],
    ['localhost', 'localhost'],
    ['127.0.0.1', '127.0.0.1'],
    ['[::1]', '[::1]'],
    // documented miss: private suffixes are not known
    ['alice.github.io', 'github.io'],
  ];
  for (const [host, want] of cases) {
    it(`${host} → ${want}`, () => expect(registrableDomain(host)).toBe(want));
  }
});

describe('Scope modes', () => {
  const seeds = ['https://www.example.com/start', 'http://127.0.0.1:8080/'];
  it('host: the seed\'s origin (scheme, host name and port)', () => {
    const s = new Scope({ mode: 'host', seeds });
    expect(s.allows('https://www.example.com/x')).toBe(true);
    expect(s.allows('https://WWW.Example.com:443/x')).toBe(true);
    expect(s.allows('https://www.example.com./x')).toBe(true);
    expect(s.allows('http://www.example.com:8080/x')).toBe(false); // another port: another site
    expect(s.allows('http://www.example.com/x')).toBe(false); // another scheme
    expect(s.allows('https://blog.example.com/x')).toBe(false);
    expect(s.allows('https://example.com/x')).toBe(false);
    expect(s.allows('http://127.0.0.1:8080/a')).toBe(true);
    expect(s.allows('http://127.0.0.1:9/a')).toBe(false);
    expect(s.allows('https://u:p@www.example.com/')).toBe(true);
    expect(originOf('http://[::1]:80/x')).toBe('http://[::1]');
    expect(originOf('http://[::1]:8080/x')).toBe('http://[::1]:8080');
  });
  it('domain: any port or scheme of the registrable domain', () => {
    const s = new Scope({ mode: 'domain', seeds });
    expect(s.allows('http://www.example.com:8080/x')).toBe(true);
    expect(s.allows('http://127.0.0.1:9/a')).toBe(true);
  });
  it('domain: same registrable domain', () => {
    const s = new Scope({ mode: 'domain', seeds });
    expect(s.allows('https://blog.example.com/x')).toBe(true);
    expect(s.allows('https://example.com/x')).toBe(true);
    expect(s.allows('https://example.org/x')).toBe(false);
    expect(s.allows('https://notexample.com/x')).toBe(false);
    expect(s.allows('http://127.0.0.2/')).toBe(false);
  });
  it('any: everything', () => {
    const s = new Scope({ mode: 'any', seeds: [] });
    expect(s.allows('https://anything.test/')).toBe(true);
  });
  it('addSeed widens the scope; bad seeds and modes throw', () => {
    const s = new Scope({ mode: 'host', seeds: ['http://a.test/'] });
    expect(s.allows('http://b.test/')).toBe(false);
    s.addSeed('http://b.test/');
    expect(s.allows('http://b.test/')).toBe(true);
    expect(() => s.addSeed('nope')).toThrow(/seed/);
    expect(() => new Scope({ mode: 'planet' as 'any', seeds: [] })).toThrow(/--scope/);
  });
});

describe('include / exclude patterns', () => {
  it('globs on the path (leading /) are anchored and * crosses slashes', () => {
    const m = compilePattern('/blog/*');
    expect(m('http://x/blog/a/b', '/blog/a/b')).toBe(true);
    expect(m('http://x/blog', '/blog')).toBe(false);
    expect(m('http://x/en/blog/a', '/en/blog/a')).toBe(false);
    const q = compilePattern('/search?q=*');
    expect(q('http://x/search?q=1', '/search?q=1')).toBe(true);
    expect(q('http://x/searchXq=1', '/searchXq=1')).toBe(false); // ? is literal
    expect(compilePattern('/exact$')('http://x/exact', '/exact')).toBe(true);
    expect(compilePattern('/exact')('http://x/exact/more', '/exact/more')).toBe(false);
  });
  it('globs without a leading / match the full URL', () => {
    const m = compilePattern('https://*.example.com/*');
    expect(m('https://a.example.com/x', '/x')).toBe(true);
    expect(m('http://a.example.com/x', '/x')).toBe(false);
    expect(compilePattern('*.pdf')('http://x/a/b.pdf', '/a/b.pdf')).toBe(true);
    expect(compilePattern('*.pdf')('http://x/a/b.pdf?x', '/a/b.pdf?x')).toBe(false);
  });
  it('re: regexes are searched in the full URL', () => {
    const m = compilePattern('re:/tag/\\d+$');
    expect(m('http://x/tag/12', '/tag/12')).toBe(true);
    expect(m('http://x/tag/ab', '/tag/ab')).toBe(false);
    expect(compilePattern('re/i:LOGOUT')('http://x/a/logout?x', '/a/logout?x')).toBe(true);
    expect(compilePattern('re:LOGOUT')('http://x/a/logout?x', '/a/logout?x')).toBe(false);
    expect(() => compilePattern('re:(unclosed')).toThrow(/pattern/);
    expect(() => compilePattern('re/g:a')).toThrow(/flags/);
    // a path glob that looks like /slashes/ stays a glob
    expect(compilePattern('/docs/')('http://x/docs/', '/docs/')).toBe(true);
    expect(compilePattern('/docs/')('http://x/a/docs/b', '/a/docs/b')).toBe(false);
  });
  it('include narrows, exclude wins', () => {
    const s = new Scope({
      mode: 'host',
      seeds: ['http://site.test/'],
      include: ['/docs/*', '/blog/*'],
      exclude: ['*.pdf', 're:/private/'],
    });
    expect(s.allows('http://site.test/docs/a')).toBe(true);
    expect(s.allows('http://site.test/blog/b?page=2')).toBe(true);
    expect(s.allows('http://site.test/shop/c')).toBe(false);
    expect(s.allows('http://site.test/docs/manual.pdf')).toBe(false);
    expect(s.allows('http://site.test/docs/private/x')).toBe(false);
    expect(s.allows('http://other.test/docs/a')).toBe(false);
  });
});

describe('compileWildcard', () => {
  it('prefix and anchored modes', () => {
    expect(compileWildcard('/a', false)('/abc')).toBe(true);
    expect(compileWildcard('/a', true)('/abc')).toBe(false);
    expect(compileWildcard('/a*c', false)('/abxcz')).toBe(true);
    expect(compileWildcard('/a*c', true)('/abxcz')).toBe(false);
    expect(compileWildcard('/a*c', true)('/abcxc')).toBe(true);
    expect(compileWildcard('/a*b*c', true)('/ac')).toBe(false);
    expect(compileWildcard('/a*b*c', true)('/abc')).toBe(true);
    expect(compileWildcard('*', true)('')).toBe(true);
    expect(compileWildcard('/x**y', false)('/x1y')).toBe(true);
    expect(compileWildcard('/ab*ba', true)('/aba')).toBe(false); // segments may not overlap
  });
  it('stays fast on inputs that make backtracking regexes explode', () => {
    const m = compileWildcard('/*a*a*a*a*a*a*a*b', true);
    const text = '/' + 'a'.repeat(50_000);
    expect(m(text)).toBe(false);
  });
});
