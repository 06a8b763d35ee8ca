import { describe, expect, it } from 'vitest';
import { mediaTypeMatches, mediaTypeOf, parseByteSize, resolveCrawlOptions } from '../../../src/crawl/crawl-options.js';

describe('parseByteSize', () => {
  it('reads sizes with binary units; a bare number is MB', () => {
    expect(parseByteSize('5mb')).toBe(5 * 1024 * 1024);
    expect(parseByteSize('5')).toBe(5 * 1024 * 1024);
    expect(parseByteSize('512KiB')).toBe(512 * 1024);
    expect(parseByteSize('1.5m')).toBe(1.5 * 1024 * 1024);
    expect(parseByteSize('100b')).toBe(100);
    expect(parseByteSize(' 2 GB ')).toBe(2 * 1024 ** 3);
  });
  it('rejects junk and zero', () => {
    for (const s of ['', 'lots', '5 parsecs', '-1mb', '0', '1e3mb']) expect(parseByteSize(s)).toBeUndefined();
  });
});

describe('media types', () => {
  it('strips parameters and case', () => {
    expect(mediaTypeOf('Text/HTML; charset=UTF-8')).toBe('text/html');
    expect(mediaTypeOf(undefined)).toBe('');
  });
  it('matches exact types and type/* patterns', () => {
    expect(mediaTypeMatches('text/html', ['text/html'])).toBe(true);
    expect(mediaTypeMatches('text/plain', ['text/*'])).toBe(true);
    expect(mediaTypeMatches('application/json', ['text/*', 'text/html'])).toBe(false);
  });
});

describe('resolveCrawlOptions', () => {
  it('fills the safe defaults', () => {
    const o = resolveCrawlOptions({ seeds: ['http://a.test/'] });
    expect(o).toMatchObject({
      probe: false, concurrency: 64, perHost: 2, delayMs: 0, robots: true, nofollow: false, scope: 'host',
      maxBodyBytes: 32 * 1024 * 1024, timeoutMs: 10_000, connectTimeoutMs: 5_000, hostErrorBudget: 10,
      maxPages: Infinity, maxDepth: Infinity, contentTypes: ['text/html', 'application/xhtml+xml'],
    });
    expect(resolveCrawlOptions({ urlsFile: 'x' }).probe).toBe(true);
  });
  it.each([
    [{}, 'ERR_USAGE'],
    [{ seeds: ['http://a/'], urlsFile: 'x' }, 'ERR_USAGE_BAD_OPTION'],
    [{ seeds: ['http://a/'], perHost: 0 }, 'ERR_USAGE_BAD_OPTION'],
    [{ seeds: ['http://a/'], concurrency: 1.5 }, 'ERR_USAGE_BAD_OPTION'],
    [{ seeds: ['http://a/'], delayMs: -1 }, 'ERR_USAGE_BAD_OPTION'],
    [{ seeds: ['http://a/'], timeoutMs: 0 }, 'ERR_USAGE_BAD_OPTION'],
    [{ seeds: ['http://a/'], scope: 'planet' as 'host' }, 'ERR_USAGE_BAD_OPTION'],
    [{ seeds: ['http://a/'], contentTypes: ['html'] }, 'ERR_USAGE_BAD_OPTION'],
    [{ seeds: ['http://a/'], userAgent: 'bad\r\nua' }, 'ERR_USAGE_BAD_OPTION'],
    [{ seeds: ['http://a/'], userAgent: 'caf\u00e9' }, 'ERR_USAGE_BAD_OPTION'],
  ])('%j → %s', (o, code) => {
    expect(() => resolveCrawlOptions(o)).toThrow(expect.objectContaining({ code }));
  });
});
