// RobotsFetcher's policy without a network: where robots.txt is, the ranged retry, what each
// outcome does to the host (rules, delay, retry, dead), sharing with a job, and the link check.
import { describe, expect, it } from 'vitest';
import type { Client } from '../../../src/client/client.js';
import type { Response } from '../../../src/client/response.js';
import { FastbenchError } from '../../../src/core/errors.js';
import { resolveCrawlOptions } from '../../../src/crawl/crawl-options.js';
import type { CrawlQueue, SharedRobots } from '../../../src/crawl/crawl-queue.js';
import { CrawlStats } from '../../../src/crawl/crawl-stats.js';
import { FetchSlot, SlotKind } from '../../../src/crawl/fetch-slot.js';
import { HostTable, RobotsState } from '../../../src/crawl/host-state.js';
import { ROBOTS_MAX_BYTES } from '../../../src/crawl/robots.js';
import { RobotsFetcher, schemeOf } from '../../../src/crawl/robots-fetcher.js';

function setup(opts: { shared?: SharedRobots | null; delayMs?: number } = {}) {
  const delays = new Map<string, number>();
  const shared: [string, SharedRobots][] = [];
  const queue = {
    setHostDelay: (h: string, d: number) => void delays.set(h, d),
    ...(opts.shared !== undefined
      ? { sharedRobots: (_h: string) => Promise.resolve(opts.shared ?? null), shareRobots: (h: string, a: SharedRobots) => void shared.push([h, a]) }
      : {}),
  } as unknown as CrawlQueue;
  const o = resolveCrawlOptions({ seeds: ['http://a.test/'], delayMs: opts.delayMs ?? 0, maxCrawlDelayMs: 5000, backoffBaseMs: 700 });
  const stats = new CrawlStats();
  const client = {} as Client;
  const f = new RobotsFetcher(o, client, true, queue, stats);
  const hosts = new HostTable(o.delayMs);
  return { f, queue, delays, shared, stats, hosts, client };
}

const res = (status: number, body = ''): Response => ({ status, body: Buffer.from(body) }) as unknown as Response;
const err = (code: string) => new FastbenchError(code);

describe('RobotsFetcher', () => {
  it('fetches /robots.txt with the scheme of the first URL, through the given client', () => {
    const { f, hosts, client } = setup();
    const h = hosts.get('a.test:8080');
    h.scheme = schemeOf('https://a.test:8080/x');
    expect(f.url(h)).toBe('https://a.test:8080/robots.txt');
    expect(schemeOf('http://a.test/')).toBe('http');
    expect(f.client).toBe(client);
  });

  it('counts hosts that want a fetch once each', () => {
    const { f, hosts } = setup();
    const a = hosts.get('a.test');
    f.want(a, true);
    f.want(a, true);
    f.want(hosts.get('b.test'), true);
    expect(f.wanted).toBe(2);
    f.want(a, false);
    expect(f.wanted).toBe(1);
  });

  it('retries a too-large body once as a Range request for the first 500 KiB', () => {
    const { f, hosts } = setup();
    const slot = new FetchSlot('ua');
    slot.begin(SlotKind.Robots, null, hosts.get('a.test'), 'http://a.test/robots.txt', 0);
    expect(f.retryRanged(slot, null)).toBe(false);
    expect(f.retryRanged(slot, err('ERR_TIMEOUT_BODY'))).toBe(false);
    expect(f.retryRanged(slot, err('ERR_HTTP_BODY_TOO_LARGE'))).toBe(true);
    expect(slot.rangeEnd).toBe(ROBOTS_MAX_BYTES);
    expect(f.retryRanged(slot, err('ERR_HTTP_BODY_TOO_LARGE'))).toBe(false);
  });

  it('applies the rules and Crawl-delay (capped, at least --delay) and shares lasting answers', () => {
    const { f, hosts, delays, shared, stats } = setup({ shared: null, delayMs: 100 });
    const h = hosts.get('a.test');
    expect(f.settle(h, res(200, 'User-agent: *\nDisallow: /private\nCrawl-delay: 60\n'), null, 1000, 2000)).toBeNull();
    expect(h.robotsState).toBe(RobotsState.Ready);
    expect(h.robots!.isAllowed('http://a.test/private/x')).toBe(false);
    expect(h.delayMs).toBe(5000);
    expect(delays.get('a.test')).toBe(5000);
    expect(h.wakeAt).toBe(6000);
    expect(stats.robotsFetched).toBe(1);
    expect(shared.map(([k, a]) => [k, a.status])).toEqual([['a.test', 200]]);
    // A 503 is not shared: each worker retries it.
    f.settle(hosts.get('b.test'), res(503), null, 0, 0);
    expect(shared).toHaveLength(1);
  });

  it('retries an unreachable robots.txt once after --backoff-base, then makes the host dead', () => {
    const { f, hosts } = setup();
    const h = hosts.get('a.test');
    expect(f.settle(h, res(0), err('ERR_CONN_REFUSED'), 0, 50)).toBeNull();
    expect(h.robotsState).toBe(RobotsState.Unknown);
    expect(h.wakeAt).toBe(750);
    expect(f.wanted).toBe(1);
    expect(f.settle(h, res(0), err('ERR_CONN_REFUSED'), 0, 800)).toBe('ERR_CONN_REFUSED');
    expect(f.settle(hosts.get('b.test'), res(0), err('ERR_DNS_NOT_FOUND'), 0, 0)).toBe('ERR_DNS_NOT_FOUND');
  });

  it('disallows everything when the file is too large even ranged', () => {
    const { f, hosts, stats } = setup();
    const h = hosts.get('a.test');
    expect(f.settle(h, res(200), err('ERR_HTTP_BODY_TOO_LARGE'), 0, 0)).toBeNull();
    expect(h.robots!.isAllowed('http://a.test/')).toBe(false);
    expect(stats.robotsTooLarge).toBe(1);
  });

  it('asks a shared frontier once; a shared answer makes the host ready without a fetch', async () => {
    const { f, hosts, stats } = setup({ shared: { status: 200, body: Buffer.from('User-agent: *\nDisallow: /\n') } });
    const h = hosts.get('a.test');
    expect(f.shouldAskShared(h)).toBe(true);
    const p = f.askShared(h);
    expect(h.robotsState).toBe(RobotsState.Fetching);
    await p;
    expect(f.shouldAskShared(h)).toBe(false);
    expect(h.robotsState).toBe(RobotsState.Ready);
    expect(stats.robotsShared).toBe(1);
    const none = setup({ shared: null });
    const g = none.hosts.get('b.test');
    await none.f.askShared(g);
    expect(g.robotsState).toBe(RobotsState.Unknown);
    expect(none.f.wanted).toBe(1);
  });

  it('drops links a known robots.txt disallows, and counts them', () => {
    const { f, hosts, stats } = setup();
    const page = hosts.get('a.test');
    f.settle(page, res(200, 'User-agent: *\nDisallow: /no\n'), null, 0, 0);
    expect(f.knownDisallowed('http://a.test/no/1', page, hosts)).toBe(true);
    expect(f.knownDisallowed('http://a.test/yes', page, hosts)).toBe(false);
    expect(f.knownDisallowed('http://unknown.test/no', page, hosts)).toBe(false);
    expect(stats.robotsSkippedLinks).toBe(1);
  });
});
