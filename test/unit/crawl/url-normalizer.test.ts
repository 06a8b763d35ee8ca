import { describe, expect, it } from 'vitest';
import {
  documentBase,
  hostOf,
  normalizePercentEncoding,
  normalizeUrl,
  resolveLink,
  tryNormalizeUrl,
} from '../../../src/crawl/url-normalizer.js';
import { FastbenchError } from '../../../src/core/errors.js';

describe('normalizeUrl', () => {
  const cases: Array<[string, string]> = [
    // scheme and host case
    ['HTTP://EXAMPLE.COM/', 'http://example.com/'],
    ['https://Example.Com/Path/To', 'https://example.com/Path/To'],
    // default ports
    ['http://example.com:80/a', 'http://example.com/a'],
    ['https://example.com:443/a', 'https://example.com/a'],
    ['http://example.com:443/a', 'http://example.com:443/a'],
    ['https://example.com:80/a', 'https://example.com:80/a'],
    ['http://example.com:08080/', 'http://example.com:8080/'],
    // empty path
    ['http://example.com', 'http://example.com/'],
    ['http://example.com?x=1', 'http://example.com/?x=1'],
    // dot segments
    ['http://example.com/a/./b/../c', 'http://example.com/a/c'],
    ['http://example.com/../../a', 'http://example.com/a'],
    ['http://example.com/a/%2e%2E/b', 'http://example.com/b'],
    ['http://example.com/a/b/..', 'http://example.com/a/'],
    // fragments
    ['http://example.com/a#top', 'http://example.com/a'],
    ['http://example.com/a?q=1#x?y', 'http://example.com/a?q=1'],
    ['http://example.com/#', 'http://example.com/'],
    // percent-encoding: uppercase hex, decode unreserved, keep reserved encoded
    ['http://example.com/%7euser', 'http://example.com/~user'],
    ['http://example.com/%41%42%2d%5F', 'http://example.com/AB-_'],
    ['http://example.com/a%2fb', 'http://example.com/a%2Fb'],
    ['http://example.com/a%3Fb%23c', 'http://example.com/a%3Fb%23c'],
    ['http://example.com/%e2%82%ac', 'http://example.com/%E2%82%AC'],
    ['http://example.com/?q=%7e%2b%20', 'http://example.com/?q=~%2B%20'],
    ['http://example.com/100%', 'http://example.com/100%'],
    ['http://example.com/%zz', 'http://example.com/%zz'],
    // raw characters the parser encodes
    ['http://example.com/a b', 'http://example.com/a%20b'],
    ['http://example.com/caf\u00e9', 'http://example.com/caf%C3%A9'],
    ['http://example.com/?q=caf\u00e9', 'http://example.com/?q=caf%C3%A9'],
    // IDN and host forms
    ['http://M\u00dcNCHEN.de/', 'http://xn--mnchen-3ya.de/'],
    ['http://b\u00fccher.example/', 'http://xn--bcher-kva.example/'],
    ['http://example.com./a', 'http://example.com/a'],
    ['http://[::FFFF:1.2.3.4]:80/', 'http://[::ffff:102:304]/'],
    ['http://0x7f.1/', 'http://127.0.0.1/'],
    // empty query
    ['http://example.com/a?', 'http://example.com/a'],
    ['http://example.com/a?#f', 'http://example.com/a'],
    // userinfo is kept
    ['http://u:p@Example.com/', 'http://u:p@example.com/'],
    // backslashes count as slashes in special schemes
    ['http://example.com\\a\\b', 'http://example.com/a/b'],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} → ${want}`, () => {
      expect(normalizeUrl(input)).toBe(want);
      // idempotent
      expect(normalizeUrl(want)).toBe(want);
    });
  }

  it('sorts the query when asked, stable for repeated names, keeping encodings', () => {
    expect(normalizeUrl('http://x/p?b=2&a=1&b=1&c', { sortQuery: true })).toBe('http://x/p?a=1&b=2&b=1&c');
    expect(normalizeUrl('http://x/p?z=a%20b&y=%7e', { sortQuery: true })).toBe('http://x/p?y=~&z=a%20b');
    expect(normalizeUrl('http://x/p?&&b&a&', { sortQuery: true })).toBe('http://x/p?a&b');
    expect(normalizeUrl('http://x/p?b=2&a=1')).toBe('http://x/p?b=2&a=1');
  });

  it('keeps an empty query when asked', () => {
    expect(normalizeUrl('http://x/a?', { keepEmptyQuery: true })).toBe('http://x/a?');
    expect(normalizeUrl('http://x/a?#f', { keepEmptyQuery: true })).toBe('http://x/a?');
    expect(normalizeUrl('http://x/a#f?', { keepEmptyQuery: true })).toBe('http://x/a');
    expect(normalizeUrl('http://x/a', { keepEmptyQuery: true })).toBe('http://x/a');
  });

  it('rejects non-http(s) and unparseable input', () => {
    for (const bad of ['ftp://example.com/', 'mailto:a@b.c', 'javascript:alert(1)', 'data:text/html,x', 'file:///etc/passwd', '/relative', 'http://', 'not a url', 'http://exa mple.com/']) {
      expect(tryNormalizeUrl(bad)).toBeNull();
      expect(() => normalizeUrl(bad)).toThrow(FastbenchError);
    }
    try {
      normalizeUrl('ftp://x/');
    } catch (e) {
      expect((e as FastbenchError).code).toBe('ERR_USAGE_BAD_URL');
    }
  });

  it('accepts URL objects', () => {
    expect(tryNormalizeUrl(new URL('HTTP://A.B:80/%7e#x'))).toBe('http://a.b/~');
  });
});

describe('resolveLink', () => {
  const page = 'http://example.com/dir/page.html?x=1';
  const cases: Array<[string, string | null]> = [
    ['other.html', 'http://example.com/dir/other.html'],
    ['../up.html', 'http://example.com/up.html'],
    ['/abs', 'http://example.com/abs'],
    ['//cdn.example.org/x', 'http://cdn.example.org/x'],
    ['?y=2', 'http://example.com/dir/page.html?y=2'],
    ['#frag', 'http://example.com/dir/page.html?x=1'],
    ['', 'http://example.com/dir/page.html?x=1'],
    ['  spaced.html \n', 'http://example.com/dir/spaced.html'],
    ['a\tb\nc.html', 'http://example.com/dir/abc.html'],
    ['HTTPS://Other.COM:443', 'https://other.com/'],
    ['mailto:x@y.z', null],
    ['javascript:void(0)', null],
    ['tel:+123', null],
    ['data:text/plain,hi', null],
    ['http://[bad', null],
  ];
  for (const [href, want] of cases) {
    it(`${JSON.stringify(href)} → ${want}`, () => {
      expect(resolveLink(page, href)).toBe(want);
    });
  }

  it('honours a document <base>', () => {
    const base = documentBase(page, 'https://static.example.com/assets/');
    expect(resolveLink(base, 'img/a.png')).toBe('https://static.example.com/assets/img/a.png');
    expect(resolveLink(documentBase(page, '/root/'), 'x')).toBe('http://example.com/root/x');
    expect(resolveLink(documentBase(page, '../'), 'x')).toBe('http://example.com/x');
    // unusable bases are ignored
    expect(documentBase(page, 'javascript:0')).toBe(page);
    expect(documentBase(page, '  ')).toBe(page);
    expect(documentBase(page, 'http://[bad')).toBe(page);
    expect(documentBase(page, undefined)).toBe(page);
  });

  it('sorts the query when asked', () => {
    expect(resolveLink(page, '?b=1&a=2', { sortQuery: true })).toBe('http://example.com/dir/page.html?a=2&b=1');
  });
});

describe('normalizePercentEncoding', () => {
  it('is the identity on plain ASCII', () => {
    const s = '/a/b?c=d&e=f';
    expect(normalizePercentEncoding(s)).toBe(s);
  });
  it('decodes unreserved, uppercases the rest, encodes raw specials', () => {
    expect(normalizePercentEncoding('/%7e%2f%2A*$')).toBe('/~%2F%2A*$');
    expect(normalizePercentEncoding('/\u30c4')).toBe('/%E3%83%84');
    expect(normalizePercentEncoding('/a b"<>`{}')).toBe('/a%20b%22%3C%3E%60%7B%7D');
    expect(normalizePercentEncoding('/%')).toBe('/%');
    expect(normalizePercentEncoding('/%4')).toBe('/%4');
    expect(normalizePercentEncoding('/\ud83d\ude00')).toBe('/%F0%9F%98%80');
    expect(normalizePercentEncoding('/\ud800x')).toBe('/%EF%BF%BDx');
  });
});

describe('hostOf', () => {
  it('returns host[:port] of a normalised URL', () => {
    expect(hostOf('http://example.com/a')).toBe('example.com');
    expect(hostOf('https://example.com:8443/a')).toBe('example.com:8443');
    expect(hostOf('http://u:p@example.com/a@b')).toBe('example.com');
    expect(hostOf('http://[::1]:8080/')).toBe('[::1]:8080');
  });
});
