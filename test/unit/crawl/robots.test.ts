import { describe, expect, it } from 'vitest';
import { productToken, Robots, ROBOTS_MAX_BYTES } from '../../../src/crawl/robots.js';

const UA = 'FastBench/0.1 (+https://example.invalid/bot)';

function allowed(txt: string, target: string, ua = UA): boolean {
  return Robots.parse(txt, ua).isAllowed(target);
}

describe('robots.txt groups', () => {
  const txt = [
    'User-agent: *',
    'Disallow: /star',
    '',
    'User-agent: fastbench',
    'User-agent: otherbot',
    'Disallow: /mine',
    'Crawl-delay: 2.5',
    '',
    'user-AGENT: FASTBENCH/2.0',
    'disallow: /also-mine',
    '',
    'User-agent: fastbenchextra',
    'Disallow: /',
  ].join('\n');

  it('matches our product token case-insensitively, combines its groups, ignores *', () => {
    const r = Robots.parse(txt, UA);
    expect(r.isAllowed('/mine/x')).toBe(false);
    expect(r.isAllowed('/also-mine')).toBe(false);
    expect(r.isAllowed('/star')).toBe(true);
    expect(r.isAllowed('/other')).toBe(true);
    expect(r.crawlDelay).toBe(2.5);
    expect(r.crawlDelayMs).toBe(2500);
  });
  it('several user-agent lines share a group', () => {
    expect(allowed(txt, '/mine', 'otherbot/1')).toBe(false);
    expect(allowed(txt, '/also-mine', 'otherbot/1')).toBe(true);
  });
  it('falls back to * groups, and allows all without any match', () => {
    expect(allowed(txt, '/star', 'somebot')).toBe(false);
    expect(allowed(txt, '/mine', 'somebot')).toBe(true);
    expect(allowed('User-agent: a\nDisallow: /\n', '/x', 'b')).toBe(true);
    expect(Robots.parse('User-agent: a\nDisallow: /\n', 'b').crawlDelay).toBeUndefined();
  });
  it('a user-agent line after rules starts a new group; rules before any group are ignored', () => {
    const t = 'Disallow: /orphan\nUser-agent: x\nDisallow: /a\nUser-agent: fastbench\nDisallow: /b\n';
    const r = Robots.parse(t, UA);
    expect(r.isAllowed('/orphan')).toBe(true);
    expect(r.isAllowed('/a')).toBe(true);
    expect(r.isAllowed('/b')).toBe(false);
  });
  it('product token extraction', () => {
    expect(productToken('Googlebot/2.1 (+http://www.google.com/bot.html)')).toBe('googlebot');
    expect(productToken('  my_bot-x 1.0')).toBe('my_bot-x');
    expect(productToken('123')).toBe('');
  });
});

describe('robots.txt rule matching', () => {
  it('longest match wins, allow wins ties', () => {
    const t = 'User-agent: *\nDisallow: /folder/\nAllow: /folder/page\nDisallow: /folder/page.html\nAllow: /tie\nDisallow: /tie\n';
    expect(allowed(t, '/folder/x')).toBe(false);
    expect(allowed(t, '/folder/page')).toBe(true);
    expect(allowed(t, '/folder/page2')).toBe(true);
    expect(allowed(t, '/folder/page.html')).toBe(false);
    expect(allowed(t, '/tie/x')).toBe(true);
    expect(allowed(t, '/elsewhere')).toBe(true);
  });
  it('* and $ wildcards', () => {
    const t = 'User-agent: *\nDisallow: /*.php$\nDisallow: /fish*\nDisallow: /*/private/\nAllow: /*.php$x\nDisallow: /a$b\n';
    expect(allowed(t, '/index.php')).toBe(false);
    expect(allowed(t, '/dir/index.php')).toBe(false);
    expect(allowed(t, '/index.php?x=1')).toBe(true);
    expect(allowed(t, '/index.php5')).toBe(true);
    expect(allowed(t, '/fish')).toBe(false);
    expect(allowed(t, '/fishheads/yummy.html')).toBe(false);
    expect(allowed(t, '/Fish')).toBe(true); // case-sensitive
    expect(allowed(t, '/u/private/x')).toBe(false);
    expect(allowed(t, '/private/x')).toBe(true);
    expect(allowed(t, '/a$b')).toBe(false); // $ in the middle is literal
  });
  it('Google-style examples with allow/disallow precedence', () => {
    const t = 'User-agent: *\nAllow: /page\nDisallow: /*.html\n';
    expect(allowed(t, '/page.html')).toBe(false); // /*.html is longer
    const t2 = 'User-agent: *\nAllow: /$\nDisallow: /\n';
    expect(allowed(t2, '/')).toBe(true);
    expect(allowed(t2, '/page.htm')).toBe(false);
  });
  it('matches the query too, and takes absolute URLs', () => {
    const t = 'User-agent: *\nDisallow: /search?q=\nDisallow: /*?sessionid\n';
    expect(allowed(t, '/search?q=x')).toBe(false);
    expect(allowed(t, '/search')).toBe(true);
    expect(allowed(t, 'https://example.com/search?q=1#frag')).toBe(false);
    expect(allowed(t, 'https://example.com/a?sessionid=1')).toBe(false);
    expect(allowed(t, 'https://example.com')).toBe(true);
    expect(allowed(t, 'https://example.com?sessionid=1')).toBe(false);
  });
  it('percent-encoding is compared normalised on both sides', () => {
    const t = 'User-agent: *\nDisallow: /foo/bar/\u30c4\nDisallow: /%7Ejoe/\nDisallow: /a%2fb\nDisallow: /%62%61%7A\n';
    expect(allowed(t, '/foo/bar/%E3%83%84')).toBe(false);
    expect(allowed(t, '/foo/bar/%e3%83%84')).toBe(false);
    expect(allowed(t, '/~joe/x')).toBe(false);
    expect(allowed(t, '/%7ejoe/x')).toBe(false);
    expect(allowed(t, '/a%2Fb')).toBe(false);
    expect(allowed(t, '/a/b')).toBe(true); // an encoded slash is not a slash
    expect(allowed(t, '/baz')).toBe(false);
  });
  it('empty rules match nothing; /robots.txt is always allowed; missing leading / is tolerated', () => {
    expect(allowed('User-agent: *\nDisallow:\n', '/x')).toBe(true);
    expect(allowed('User-agent: *\nDisallow: /\n', '/robots.txt')).toBe(true);
    expect(allowed('User-agent: *\nDisallow: /\n', '/x')).toBe(false);
    expect(allowed('User-agent: *\nDisallow: private\n', '/private/x')).toBe(false);
  });
  it('comments, CR / CRLF line ends, spacing, BOM and misspellings', () => {
    const t = '\ufeffUser-Agent : *   # everyone\r\nDISALLOW:/a # no a\rdissallow: /b\n  Allow  :  /a/ok  \n';
    expect(allowed(t, '/a')).toBe(false);
    expect(allowed(t, '/b')).toBe(false);
    expect(allowed(t, '/a/ok')).toBe(true);
    expect(allowed('User-agent: *\nDisallow: /#comment\n', '/x')).toBe(false);
    expect(allowed('useragent: *\nDisallow /nocolon\nDisallow: /x\n', '/nocolon')).toBe(true);
  });
  it('sitemaps are collected wherever they are', () => {
    const t = 'Sitemap: https://example.com/s1.xml\nUser-agent: *\nSitemap: https://example.com/s2.xml\nDisallow: /x\nSitemap: relative.xml\n';
    const r = Robots.parse(t, UA);
    expect(r.sitemaps).toEqual(['https://example.com/s1.xml', 'https://example.com/s2.xml']);
    expect(r.isAllowed('/x')).toBe(false); // sitemap lines do not end the group's agent list
  });
  it('crawl-delay: first valid value; bad values ignored', () => {
    expect(Robots.parse('User-agent: *\nCrawl-delay: abc\nCrawl-delay: 3\nCrawl-delay: 9\n', UA).crawlDelay).toBe(3);
    expect(Robots.parse('User-agent: *\nCrawl-delay: -1\n', UA).crawlDelay).toBeUndefined();
  });
  it('accepts bytes', () => {
    expect(Robots.parse(Buffer.from('User-agent: *\nDisallow: /b\n'), UA).isAllowed('/b')).toBe(false);
  });
});

describe('robots.txt size limit', () => {
  it('parses only the first 500 KiB and drops the line cut by the limit', () => {
    const filler = '# ' + 'x'.repeat(1000) + '\n';
    let body = 'User-agent: *\nDisallow: /\n';
    while (body.length + filler.length <= ROBOTS_MAX_BYTES - 10) body += filler;
    const pad = ROBOTS_MAX_BYTES - 10 - body.length;
    body += '#' + 'y'.repeat(pad - 2) + '\n';
    expect(body.length).toBe(ROBOTS_MAX_BYTES - 10);
    // this line straddles the limit: kept, its first 10 bytes would read "Allow: /ea"
    body += 'Allow: /early-but-cut\nAllow: /late\n';
    const r = Robots.parse(Buffer.from(body), UA);
    expect(r.isAllowed('/early-but-cut')).toBe(false);
    expect(r.isAllowed('/late')).toBe(false); // past the limit
    expect(r.rules.length).toBe(1);
    // strings are measured in UTF-8 bytes too
    expect(Robots.parse(body, UA).rules.length).toBe(1);
    const untruncated = body.slice(0, ROBOTS_MAX_BYTES - 10) + 'Allow: /e\n'; // exactly 500 KiB
    expect(Robots.parse(untruncated, UA).isAllowed('/early-but-cut')).toBe(true);
  });
});

describe('robots.txt fetch status', () => {
  const body = 'User-agent: *\nDisallow: /x\n';
  it('2xx parses', () => {
    const r = Robots.fromResponse(200, body, UA);
    expect(r.source).toBe('parsed');
    expect(r.isAllowed('/x')).toBe(false);
    expect(r.isAllowed('/y')).toBe(true);
  });
  it('4xx allows all (unavailable), 3xx after redirects too', () => {
    for (const s of [400, 401, 403, 404, 410, 451, 301]) {
      const r = Robots.fromResponse(s, body, UA);
      expect(r.source).toBe('allow-all');
      expect(r.isAllowed('/x')).toBe(true);
    }
  });
  it('5xx, 429 and unreachable disallow all', () => {
    for (const r of [Robots.fromResponse(500, body, UA), Robots.fromResponse(503, undefined, UA), Robots.fromResponse(429, body, UA), Robots.unreachable()]) {
      expect(r.source).toBe('disallow-all');
      expect(r.isAllowed('/')).toBe(false);
      expect(r.isAllowed('/anything')).toBe(false);
    }
  });
});

describe('robots.txt matching at scale', () => {
  it('handles many rules', () => {
    let t = 'User-agent: *\n';
    for (let i = 0; i < 2000; i++) t += `Disallow: /p${i}/*.html$\nAllow: /p${i}/public\n`;
    const r = Robots.parse(t, UA);
    expect(r.isAllowed('/p1999/a.html')).toBe(false);
    expect(r.isAllowed('/p1999/public/a.html')).toBe(false); // disallow pattern is longer
    expect(r.isAllowed('/p1999/public/a.htm')).toBe(true);
    expect(r.isAllowed('/q/a.html')).toBe(true);
  });
});
