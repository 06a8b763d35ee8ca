// --adaptive against a server that slows down under load: while it is overloaded (each response
// takes 60 ms per request it has in flight) the crawler backs off to about one request in flight;
// once it is fast again the crawler grows back to --per-host. Measured on the server's own count
// of requests in flight at each arrival (not on time); the baseline without --adaptive keeps 4.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerRequest, ServerResponse } from '../../../src/server/types.js';
import { crawlToFile, startSiteServer, tempDir, type TestServer } from './helpers.js';

const tmp = tempDir('fb-crawl-adaptive-');
let srv: TestServer;
const SLOW = 40;
const TOTAL = 100;
let arrivals: number[] = [];
let inFlight = 0;

beforeAll(async () => {
  srv = await startSiteServer({
    pages: 5,
    extra: (req: ServerRequest, res: ServerResponse) => {
      if (!req.path.startsWith('/load/')) return false;
      const n = arrivals.length;
      inFlight++;
      arrivals.push(inFlight);
      setTimeout(() => {
        inFlight--;
        res.send(200, '<html><title>x</title></html>', ['Content-Type', 'text/html']);
      }, n < SLOW ? 60 * inFlight : 1);
      return true;
    },
  });
});
afterAll(async () => {
  await srv.close();
  tmp.cleanup();
});

function urls(): string {
  const f = join(tmp.dir, 'load.txt');
  writeFileSync(f, Array.from({ length: TOTAL }, (_, i) => `${srv.url}/load/${i}`).join('\n') + '\n');
  return f;
}

const maxOf = (from: number, to: number): number => Math.max(...arrivals.slice(from, to));

describe('--adaptive', () => {
  it('backs off while the host is slow under load and recovers when it is fast again', async () => {
    arrivals = [];
    const { records, summary } = await crawlToFile(join(tmp.dir, 'a.jsonl'), { urlsFile: urls(), perHost: 4, concurrency: 8, adaptiveTargetMs: 100, backoffMaxMs: 400 });
    expect(records).toHaveLength(TOTAL);
    expect(arrivals).toHaveLength(TOTAL);
    expect(maxOf(0, 10)).toBeLessThanOrEqual(2); // slow start
    expect(maxOf(20, SLOW)).toBeLessThanOrEqual(2); // backed off while slow
    expect(maxOf(TOTAL - 30, TOTAL)).toBe(4); // recovered up to --per-host
    // The settled value the summary shows: back near --per-host (one late answer on a loaded
    // machine may have taken one step off it just before the end).
    expect(summary.adaptive).toEqual([{ host: `127.0.0.1:${srv.port}`, concurrency: expect.any(Number), delayMs: expect.any(Number) }]);
    expect(summary.adaptive![0]!.concurrency).toBeGreaterThanOrEqual(3);
    expect(summary.adaptive![0]!.concurrency).toBeLessThanOrEqual(4);
  });

  it('without it, the slow host gets --per-host requests at once', async () => {
    arrivals = [];
    await crawlToFile(join(tmp.dir, 'b.jsonl'), { urlsFile: urls(), perHost: 4, concurrency: 8 });
    expect(maxOf(0, SLOW)).toBe(4);
  });
});
