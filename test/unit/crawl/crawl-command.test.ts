// The CLI's flag handling, in-process: every bad value is a usage error (exit class 2) naming
// the flag, before anything is created or fetched.
import { Command } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { crawlOptionsFromFlags, registerCrawlCommand, type CrawlFlags } from '../../../src/cli/crawl-command.js';
import { openCrawl } from '../../../src/crawl/crawl-session.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-crawl-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parses argv with the real command definition and returns what the action would get. */
function flags(argv: string[]): { seeds: string[]; flags: CrawlFlags } {
  const program = new Command().exitOverride();
  registerCrawlCommand(program);
  const cmd = program.commands.find((c) => c.name() === 'crawl')!;
  let got: { seeds: string[]; flags: CrawlFlags } | undefined;
  cmd.action((seeds: string[], f: CrawlFlags) => {
    got = { seeds, flags: f };
  });
  program.parse(['node', 'fastbench', 'crawl', ...argv]);
  return got!;
}

describe('crawl command flags', () => {
  it('maps flags to session options (durations, sizes, repeatables, --no-robots)', () => {
    const resolveFile = join(dir, 'resolve.txt');
    writeFileSync(resolveFile, '# hosts\nb.test:80:127.0.0.2\n\nc.test:80:127.0.0.3\n');
    const { seeds, flags: f } = flags([
      'http://a.test/', '--delay', '100ms', '--max-body', '2mb', '--per-host', '4', '--no-robots', '--include', '/a/*', '--include', '/b/*',
      '--resolve', 'a.test:80:127.0.0.1', '--resolve-file', resolveFile, '--content-type', 'text/*', '--max-depth', '0', '--timeout', '2s', '--connect-timeout', '500ms', '--links', '--nofollow',
    ]);
    const o = crawlOptionsFromFlags(seeds, f);
    expect(o).toMatchObject({
      seeds: ['http://a.test/'], delayMs: 100, maxBodyBytes: 2 * 1024 * 1024, perHost: 4, robots: false, include: ['/a/*', '/b/*'],
      resolve: ['a.test:80:127.0.0.1', 'b.test:80:127.0.0.2', 'c.test:80:127.0.0.3'], contentTypes: ['text/*'], maxDepth: 0,
      timeoutMs: 2000, connectTimeoutMs: 500, includeLinks: true, nofollow: true,
    });
    expect(crawlOptionsFromFlags(...Object.values(flags(['http://a.test/', '--max-crawl-delay', '2s'])) as [string[], CrawlFlags]).maxCrawlDelayMs).toBe(2000);
    expect(crawlOptionsFromFlags(...Object.values(flags(['http://a.test/', '--max-crawl-delay', '0s'])) as [string[], CrawlFlags]).maxCrawlDelayMs).toBe(0);
    expect(crawlOptionsFromFlags(...Object.values(flags(['http://a.test/', '--sitemaps', '--dedupe', 'canonical'])) as [string[], CrawlFlags])).toMatchObject({ sitemaps: true, dedupe: 'canonical' });
    expect(crawlOptionsFromFlags(...Object.values(flags(['http://a.test/', '--sitemaps-only'])) as [string[], CrawlFlags])).toMatchObject({ sitemapsOnly: true });
    const d = crawlOptionsFromFlags(...Object.values(flags(['http://a.test/'])) as [string[], CrawlFlags]);
    expect(d).toMatchObject({ robots: true, delayMs: 0, maxBodyBytes: 32 * 1024 * 1024, format: 'jsonl', scope: 'host' });
    expect(d.maxPages).toBeUndefined();
    expect(d).toMatchObject({ maxQueue: 5_000_000, maxHostQueue: 1_000_000 });
    const b = crawlOptionsFromFlags(...Object.values(flags(['http://a.test/', '--max-queue', '1000', '--max-host-queue', '10', '--restart'])) as [string[], CrawlFlags]);
    expect(b).toMatchObject({ maxQueue: 1000, maxHostQueue: 10, restart: true });
  });

  it.each([
    [['--delay', '5'], 'ERR_USAGE_BAD_DURATION'],
    [['--timeout', '0s'], 'ERR_USAGE_BAD_DURATION'],
    [['--max-crawl-delay', 'soon'], 'ERR_USAGE_BAD_DURATION'],
    [['--per-host', '0'], 'ERR_USAGE_BAD_OPTION'],
    [['--concurrency', 'many'], 'ERR_USAGE_BAD_OPTION'],
    [['--max-pages', '-3'], 'ERR_USAGE_BAD_OPTION'],
    [['--max-body', 'lots'], 'ERR_USAGE_BAD_OPTION'],
    [['--max-queue', '0'], 'ERR_USAGE_BAD_OPTION'],
    [['--max-host-queue', 'lots'], 'ERR_USAGE_BAD_OPTION'],
    [['--resolve-file', '/nonexistent/resolve.txt'], 'ERR_USAGE_FILE'],
  ])('%j → %s', (argv, code) => {
    const { seeds, flags: f } = flags(['http://a.test/', ...argv]);
    expect(() => crawlOptionsFromFlags(seeds, f)).toThrow(expect.objectContaining({ code }));
  });

  it.each([
    [['--scope', 'planet'], 'ERR_USAGE_BAD_OPTION'],
    [['--format', 'xml'], 'ERR_USAGE_BAD_OPTION'],
    [['--resume'], 'ERR_USAGE_BAD_OPTION'],
    [['--state', 'd'], 'ERR_USAGE_BAD_OPTION'],
    [['--state', 'd', '-o', 'x', '--frontier', 'redis://127.0.0.1:1/j', '--resume'], 'ERR_USAGE_BAD_OPTION'],
    [['--restart'], 'ERR_USAGE_BAD_OPTION'],
    [['--frontier', 'redis://127.0.0.1:1/'], 'ERR_USAGE_BAD_OPTION'],
    [['--include', 're:('], 'ERR_USAGE_BAD_OPTION'],
    [['--resolve', 'a.test:80:nowhere'], 'ERR_USAGE_BAD_OPTION'],
    [['--user-agent', ''], 'ERR_USAGE_BAD_OPTION'],
    [['--dedupe', 'url'], 'ERR_USAGE_BAD_OPTION'],
  ])('%j → %s before anything starts', async (argv, code) => {
    const { seeds, flags: f } = flags(['http://a.test/', ...argv]);
    await expect(openCrawl(crawlOptionsFromFlags(seeds, f))).rejects.toMatchObject({ code });
  });

  it('rejects bad seeds with ERR_USAGE_BAD_URL and no seeds with ERR_USAGE', async () => {
    await expect(openCrawl({ seeds: ['ftp://a.test/'] })).rejects.toMatchObject({ code: 'ERR_USAGE_BAD_URL' });
    await expect(openCrawl({})).rejects.toMatchObject({ code: 'ERR_USAGE' });
  });
});
