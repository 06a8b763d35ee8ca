import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UrlSource, probeLineUrl } from '../../../src/crawl/url-source.js';

describe('probeLineUrl', () => {
  it('turns bare hosts into http://host/ and normalises URLs', () => {
    expect(probeLineUrl('example.com')).toBe('http://example.com/');
    expect(probeLineUrl('  Example.COM:8080 ')).toBe('http://example.com:8080/');
    expect(probeLineUrl('10.0.0.1:80')).toBe('http://10.0.0.1/');
    expect(probeLineUrl('[::1]:8443')).toBe('http://[::1]:8443/');
    expect(probeLineUrl('HTTPS://a.test/x/../y#f')).toBe('https://a.test/y');
  });
  it('skips blanks and comments, rejects what is not a host or an http(s) URL', () => {
    expect(probeLineUrl('')).toBeUndefined();
    expect(probeLineUrl('   # note')).toBeUndefined();
    for (const l of ['mailto:x@y.test', 'ftp://a.test/', 'a b.test', 'http://', 'x.test/path']) expect(probeLineUrl(l)).toBeNull();
  });
});

describe('UrlSource', () => {
  it('streams usable URLs in batches and counts the rest', async () => {
    const lines = ['# list', 'a.test', 'http://b.test/x', 'not a host', '', 'c.test:81', 'mailto:z@z.test', 'http://d.test/'];
    const src = UrlSource.fromStream(Readable.from([lines.join('\r\n') + '\r\n']));
    expect(await src.read(2)).toEqual(['http://a.test/', 'http://b.test/x']);
    expect(src.done).toBe(false);
    expect(await src.read(10)).toEqual(['http://c.test:81/', 'http://d.test/']);
    expect(src.done).toBe(true);
    expect(src.invalid).toBe(2);
    expect(await src.read(10)).toEqual([]);
  });
  it('reads a big list without holding it (one batch at a time)', async () => {
    async function* gen(): AsyncGenerator<string> {
      for (let i = 0; i < 200_000; i++) yield `h${i}.test\n`;
    }
    const src = UrlSource.fromStream(Readable.from(gen()));
    let n = 0;
    for (;;) {
      const b = await src.read(5000);
      if (b.length === 0) break;
      n += b.length;
    }
    expect(n).toBe(200_000);
  });
});
