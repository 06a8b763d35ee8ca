import { describe, expect, it } from 'vitest';
import { canonicalFromLinkHeaders, contentFingerprint, xRobotsTag } from '../../../src/crawl/page-signals.js';

describe('page signals', () => {
  it('finds rel=canonical in Link headers, resolved and normalised', () => {
    expect(canonicalFromLinkHeaders(['</a/./b>; rel="canonical"'], 'http://x.test/p/q')).toBe('http://x.test/a/b');
    expect(canonicalFromLinkHeaders(['<http://x.test/n>; rel=next, <../c>; rel="alternate canonical"'], 'http://x.test/p/q')).toBe('http://x.test/c');
    expect(canonicalFromLinkHeaders(['<http://x.test/n>; rel=next', '<HTTP://X.TEST:80/z>;REL=canonical'], 'http://x.test/')).toBe('http://x.test/z');
    expect(canonicalFromLinkHeaders(['<http://x.test/n>; rel=preload'], 'http://x.test/')).toBeUndefined();
    expect(canonicalFromLinkHeaders([], 'http://x.test/')).toBeUndefined();
  });
  it('reads X-Robots-Tag directives, for everyone or for our product token', () => {
    expect(xRobotsTag(['noindex, nofollow'], 'fastbench')).toEqual({ noindex: true, nofollow: true });
    expect(xRobotsTag(['none'], 'fastbench')).toEqual({ noindex: true, nofollow: true });
    expect(xRobotsTag(['noarchive', 'unavailable_after: 25 Jun 2010 15:00:00 PST'], 'fastbench')).toEqual({ noindex: false, nofollow: false });
    expect(xRobotsTag(['googlebot: noindex', 'FastBench: nofollow'], 'fastbench')).toEqual({ noindex: false, nofollow: true });
    expect(xRobotsTag(['otherbot: noindex, nofollow'], 'fastbench')).toEqual({ noindex: false, nofollow: false });
  });
  it('fingerprints bodies up to whitespace', () => {
    const a = contentFingerprint(Buffer.from('<p>Hello   world</p>\n<p>x</p>\n'));
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(contentFingerprint(Buffer.from('  <p>Hello world</p>\r\n\r\n\t<p>x</p>'))).toBe(a);
    expect(contentFingerprint(Buffer.from('<p>Hello world</p><p>x</p>'))).not.toBe(a);
    expect(contentFingerprint(Buffer.from('<p>Hello world</p> <p>y</p>'))).not.toBe(a);
  });
});
