// A crawl through several proxies: two real tinyproxies and one dead proxy address. The dead one
// is benched after its strikes and left out; the live ones carry the crawl (their logs show the
// CONNECTs); per-proxy health is in the summary (and in the CLI's summary lines).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type RunningProxy, TINYPROXY, startTinyproxy } from '../../fixtures/client/proxies.js';
import { runCli } from '../../helpers/cli.js';
import { crawlToFile, startSiteServer, tempDir, type TestServer } from './helpers.js';

const skip = existsSync(TINYPROXY) ? '' : `${TINYPROXY} is not installed`;
if (skip !== '') console.log(`crawl proxy tests skipped: ${skip}`);

let srv: TestServer;
const proxies: RunningProxy[] = [];
const tmp = tempDir('fb-crawl-proxies-');

beforeAll(async () => {
  srv = await startSiteServer({ pages: 60 });
  if (skip !== '') return;
  for (let i = 0; i < 2; i++) proxies.push((await startTinyproxy())!);
});
afterAll(async () => {
  for (const p of proxies) await p.stop();
  await srv.close();
  tmp.cleanup();
});

describe.skipIf(skip !== '')('crawl with rotated proxies', () => {
  it('rotates over the live proxies, benches the dead one (its fetches retried through the others), and reports each proxy', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { records, summary } = await crawlToFile(join(tmp.dir, 'rot.jsonl'), {
      seeds: [`${srv.url}/site/`],
      maxPages: 40,
      concurrency: 2,
      perHost: 2,
      hostErrorBudget: 1000,
      proxies: [proxies[0]!.url, dead, proxies[1]!.url],
      proxyStrikes: 2,
      proxyCooldownMs: 600_000,
    });
    const health = summary.proxies!;
    expect(health.map((h) => h.proxy)).toEqual([proxies[0]!.url, dead, proxies[1]!.url].map((u) => `${u}`));
    const [a, d, b] = health as [(typeof health)[0], (typeof health)[0], (typeof health)[0]];
    // The dead proxy: every request through it failed, it was benched, and then left alone.
    expect(d.failures).toBe(d.requests);
    expect(d.failures).toBeGreaterThanOrEqual(2);
    expect(d.benched).toBe(1);
    expect(d.requests).toBeLessThanOrEqual(2 + 2); // strikes + what was in flight when it was benched
    // The live ones carried the rest, really through the proxies.
    expect(a.requests).toBeGreaterThan(5);
    expect(b.requests).toBeGreaterThan(5);
    expect(a.failures + b.failures).toBe(0);
    expect(a.requests + b.requests + d.requests).toBe(summary.requests);
    const port = new URL(srv.url).port;
    expect(proxies[0]!.log()).toContain(`CONNECT 127.0.0.1:${port}`);
    expect(proxies[1]!.log()).toContain(`CONNECT 127.0.0.1:${port}`);
    // What failed through the dead proxy was fetched again through a live one: no page lost.
    expect(summary.errorsByCode).toEqual({});
    expect(records).toHaveLength(40);
    expect(records.every((r) => r.error === null)).toBe(true);
  });

  it('--proxy-rotate host keeps a host on one proxy', async () => {
    const before = proxies.map((p) => p.log().split('CONNECT').length);
    const { summary } = await crawlToFile(join(tmp.dir, 'host.jsonl'), {
      seeds: [`${srv.url}/site/`],
      maxPages: 15,
      concurrency: 2,
      proxies: [proxies[0]!.url, proxies[1]!.url],
      proxyRotate: 'host',
    });
    const used = summary.proxies!.filter((h) => h.requests > 0);
    expect(used).toHaveLength(1);
    expect(used[0]!.requests).toBe(summary.requests);
    const grew = proxies.map((p, i) => p.log().split('CONNECT').length > before[i]!);
    expect(grew.filter(Boolean)).toHaveLength(1);
  });

  it('the CLI takes -x repeatedly and prints each proxy\'s health', async () => {
    const r = await runCli(['crawl', `${srv.url}/site/`, '--max-pages', '10', '-x', proxies[0]!.url, '-x', proxies[1]!.url, '-o', join(tmp.dir, 'cli.jsonl')], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`proxy +http://127\\.0\\.0\\.1:${proxies[0]!.port}: \\d+ requests, 0 failed, 0 blocked \\(403/429\\), benched 0x`));
    expect(r.stderr).toMatch(new RegExp(`proxy +http://127\\.0\\.0\\.1:${proxies[1]!.port}: \\d+ requests`));
  });
});
