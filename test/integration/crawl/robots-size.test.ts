// robots.txt is read up to 500 KiB whatever --max-body says (RFC 9309 2.5): a robots.txt bigger
// than the page body cap still has its rules obeyed, rules after 500 KiB are ignored, and one
// too big to download whole is asked for again with a Range request.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostOf } from '../../../src/server/routes/reply.js';
import type { ServerRequest, ServerResponse } from '../../../src/server/types.js';
import { crawlToFile, pathOf, startSiteServer, tempDir, type TestServer } from './helpers.js';

const KIB = 1024;
let srv: TestServer;
const tmp = tempDir('fb-crawl-robots-size-');
/** Range headers seen on robots.txt requests, by host name. */
const ranges = new Map<string, string[]>();

/** A robots.txt of `size` bytes: Disallow /secret/ first, padding, then Disallow /late/. */
function bigRobots(size: number): string {
  const head = 'User-agent: *\nDisallow: /secret/\n';
  const tail = 'Disallow: /late/\n';
  const line = '# ' + 'x'.repeat(97) + '\n'; // 100 bytes
  const pad = size - head.length - tail.length;
  return head + line.repeat(Math.floor(pad / 100)) + '#'.repeat(pad % 100) + tail;
}

const ROBOTS: Record<string, number> = {
  // bigger than --max-body (64 KiB), rules all inside the first 500 KiB
  'big.robots.test': 200 * KIB,
  // /late/ starts past 500 KiB: ignored
  'long.robots.test': 700 * KIB,
  // too big to take whole (over 1 MiB): read through a Range request
  'huge.robots.test': 3 * 1024 * KIB,
  // same, from a server that ignores Range: the host is left alone
  'norange.robots.test': 3 * 1024 * KIB,
};

function handler(req: ServerRequest, res: ServerResponse): boolean {
  const host = (hostOf(req) ?? '').replace(/:\d+$/, '');
  if (ROBOTS[host] === undefined) return false;
  if (req.path === '/robots.txt') {
    const body = Buffer.from(bigRobots(ROBOTS[host]!));
    const i = req.headers.indexOf(Buffer.from('range'));
    const range = i < 0 ? undefined : req.headers.value(i);
    if (!ranges.has(host)) ranges.set(host, []);
    ranges.get(host)!.push(range ?? '');
    const m = range === undefined || host === 'norange.robots.test' ? null : /^bytes=0-(\d+)$/.exec(range);
    if (m !== null) {
      const end = Math.min(Number(m[1]), body.length - 1);
      res.send(206, body.subarray(0, end + 1), ['Content-Type', 'text/plain', 'Content-Range', `bytes 0-${end}/${body.length}`]);
    } else {
      res.send(200, body, ['Content-Type', 'text/plain']);
    }
    return true;
  }
  const links = req.path === '/' ? '<a href="/secret/a">s</a><a href="/late/b">l</a><a href="/open/c">o</a>' : '';
  res.send(200, `<html><title>${req.path}</title>${links}</html>`, ['Content-Type', 'text/html']);
  return true;
}

beforeAll(async () => {
  srv = await startSiteServer({ pages: 10, extra: handler });
});
afterAll(async () => {
  await srv?.close();
  tmp.cleanup();
});

async function crawlHost(name: string): Promise<{ requested: string[]; fetchedPaths: string[]; robotsTooLarge: number }> {
  const host = `${name}:${srv.port}`;
  srv.log.length = 0;
  const { records, summary } = await crawlToFile(join(tmp.dir, `${name}.jsonl`), {
    seeds: [`http://${host}/`],
    resolve: [`${host}:127.0.0.1`],
    maxBodyBytes: 64 * KIB,
  });
  return {
    requested: srv.log.filter((a) => a.path !== '/robots.txt').map((a) => a.path).sort(),
    fetchedPaths: records.filter((r) => r.error === null).map((r) => pathOf(r.url)).sort(),
    robotsTooLarge: summary.robotsTooLarge,
  };
}

describe('robots.txt larger than the body cap', () => {
  it('a 200 KiB robots.txt with --max-body 64kb: its Disallow is obeyed', async () => {
    const r = await crawlHost('big.robots.test');
    expect(r.requested).toEqual(['/', '/late/b', '/open/c']);
    expect(r.requested).not.toContain('/secret/a');
    expect(ranges.get('big.robots.test')).toEqual(['']); // taken whole, once
  });

  it('rules after the first 500 KiB are ignored', async () => {
    const r = await crawlHost('long.robots.test');
    expect(r.requested).toEqual(['/', '/late/b', '/open/c']);
  });

  it('a 3 MiB robots.txt is read through a Range request for its first 500 KiB', async () => {
    const r = await crawlHost('huge.robots.test');
    expect(r.requested).toEqual(['/', '/late/b', '/open/c']);
    expect(ranges.get('huge.robots.test')).toEqual(['', `bytes=0-${500 * KIB}`]);
    expect(r.robotsTooLarge).toBe(0);
  });

  it('a 3 MiB robots.txt from a server that ignores Range: nothing of the host is fetched', async () => {
    const r = await crawlHost('norange.robots.test');
    expect(r.requested).toEqual([]);
    expect(r.robotsTooLarge).toBe(1);
  });
});
