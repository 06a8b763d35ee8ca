// LinkPolicy: which links of a page are queued (scope, depth, --sitemaps-only, probe mode, a
// redirect target instead of links, robots.txt already known).
import { describe, expect, it } from 'vitest';
import type { CrawlQueue } from '../../../src/crawl/crawl-queue.js';
import { resolveCrawlOptions } from '../../../src/crawl/crawl-options.js';
import { CrawlStats } from '../../../src/crawl/crawl-stats.js';
import { HostTable, RobotsState } from '../../../src/crawl/host-state.js';
import { LinkPolicy, type LinkPolicyOptions } from '../../../src/crawl/link-policy.js';
import { newRecord } from '../../../src/crawl/page-reader.js';
import { RobotsFetcher } from '../../../src/crawl/robots-fetcher.js';
import { Robots } from '../../../src/crawl/robots.js';
import { Scope } from '../../../src/crawl/scope.js';
import type { Client } from '../../../src/client/client.js';

function setup(o: Partial<LinkPolicyOptions> = {}) {
  const opts = { probe: false, scope: 'host', robots: true, maxDepth: 2, sitemapsOnly: false, ...o };
  const stats = new CrawlStats();
  const robots = new RobotsFetcher(resolveCrawlOptions({ seeds: ['http://a.test/'] }), {} as Client, true, {} as CrawlQueue, stats);
  const hosts = new HostTable(0);
  const scope = new Scope({ mode: 'host', seeds: ['http://a.test/'] });
  return { policy: new LinkPolicy(opts, scope, robots, hosts), hosts, stats, scope };
}

const entry = (depth: number) => ({ url: 'http://a.test/', depth, host: 'a.test' });
const links = ['http://a.test/1', 'http://b.test/1', 'http://a.test/private/x'];

describe('LinkPolicy', () => {
  it('keeps in-scope links a known robots.txt allows, counting the disallowed', () => {
    const { policy, hosts, stats } = setup();
    const h = hosts.get('a.test');
    h.robots = Robots.fromResponse(200, Buffer.from('User-agent: *\nDisallow: /private\n'), 'fastbench');
    h.robotsState = RobotsState.Ready;
    expect(policy.follow(entry(0), newRecord('http://a.test/', 'http://a.test/', 0, 0), links, h)).toEqual(['http://a.test/1']);
    expect(stats.robotsSkippedLinks).toBe(1);
  });

  it('follows nothing past --max-depth, with --sitemaps-only, or in probe mode', () => {
    const rec = newRecord('http://a.test/', 'http://a.test/', 0, 0);
    const h = new HostTable(0).get('a.test');
    expect(setup().policy.follow(entry(2), rec, links, h)).toBeNull();
    expect(setup({ sitemapsOnly: true }).policy.follow(entry(0), rec, links, h)).toBeNull();
    expect(setup({ probe: true }).policy.follow(entry(0), rec, links, h)).toBeNull();
  });

  it("a seed's redirect target is followed (and in scope) instead of links, even with --sitemaps-only", () => {
    const { policy, hosts, scope } = setup({ sitemapsOnly: true });
    const rec = newRecord('http://a.test/', 'http://a.test/', 0, 0);
    rec.location = 'http://www.a.test/';
    expect(scope.allows('http://www.a.test/')).toBe(false);
    expect(policy.follow(entry(0), rec, links, hosts.get('a.test'))).toEqual(['http://www.a.test/']);
    expect(scope.allows('http://www.a.test/x')).toBe(true);
  });
});
