// `fastbench crawl --http2` / `--http1.1`: the crawler's client speaks the protocol asked for.
// The bundled server (which tells h2c from HTTP/1.1 by the preface) serves the synthetic /site/;
// its dispatcher notes the HTTP version of every request it sees.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type FastbenchServer } from '../../../src/server/server.js';
import { createDefaultApp } from '../../../src/server/routes/index.js';
import type { RequestDispatcher } from '../../../src/server/types.js';
import { runCli } from '../../helpers/cli.js';
import { expectedPaths, pathOf } from './helpers.js';

const PAGES = 40;
let server: FastbenchServer;
let url = '';
const versions: string[] = [];

beforeAll(async () => {
  const app = createDefaultApp({ sitePages: PAGES, siteSeed: 1, siteCrawlDelay: 0, stats: () => ({}) });
  const dispatcher: RequestDispatcher = {
    dispatch(req, res) {
      versions.push(req.httpVersion);
      app.dispatch(req, res);
    },
  };
  server = createServer({ host: '127.0.0.1', port: 0, dispatcher, quiet: true });
  url = (await server.listen()).url;
});
afterAll(async () => {
  await server.close(100);
});

async function crawl(flag: string): Promise<{ paths: Map<string, number>; versions: Set<string> }> {
  versions.length = 0;
  const r = await runCli(['crawl', flag, '--per-host', '4', `${url}/site/`, '--max-depth', '1'], { timeoutMs: 30_000 });
  expect(r.code, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { url: string; status: number; error: string | null });
  expect(lines.every((l) => l.error === null)).toBe(true);
  return { paths: new Map(lines.map((l) => [pathOf(l.url), l.status])), versions: new Set(versions) };
}

describe('crawl --http2 / --http1.1', () => {
  const want = expectedPaths(PAGES, { robots: true, nofollow: false, maxDepth: 1 });

  it('--http2 crawls /site/ over h2c: the same pages and statuses, every request (robots.txt too) HTTP/2', async () => {
    const c = await crawl('--http2');
    expect(c.paths).toEqual(want);
    expect(c.versions).toEqual(new Set(['2']));
  });

  it('--http1.1 crawls the same pages over HTTP/1.1', async () => {
    const c = await crawl('--http1.1');
    expect(c.paths).toEqual(want);
    expect(c.versions).toEqual(new Set(['1.1']));
  });

  it('--http2 with --http1.1 is a usage error (exit 2, nothing fetched)', async () => {
    versions.length = 0;
    const r = await runCli(['crawl', '--http2', '--http1.1', `${url}/site/`], { timeoutMs: 20_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error\[ERR_USAGE_BAD_OPTION\]: --http2 and --http1.1/m);
    expect(versions).toEqual([]);
  });
});
