// kill -9 a real `fastbench crawl --state DIR` (a child process, built CLI from dist/) mid-way,
// resume it with --resume, and check the output holds every expected page exactly once — the
// crash-safety promise of the journal (journal.ts), end to end through the crawl loop.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsvLine } from '../../../src/crawl/output-writer.js';
import { FASTBENCH_BIN } from '../../helpers/cli.js';
import { expectedPaths, pathOf, readRecords, startSiteServer, tempDir, type TestServer } from './helpers.js';

const PAGES = 300;

let srv: TestServer;
const tmp = tempDir('fb-crawl-resume-');

beforeAll(async () => {
  srv = await startSiteServer({ pages: PAGES });
});
afterAll(async () => {
  await srv?.close();
  tmp.cleanup();
});

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the CLI; with killWhenBytes, SIGKILLs it once `watch` holds at least that many bytes. */
function crawl(args: string[], watch?: string, killWhenBytes?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FASTBENCH_BIN, 'crawl', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    let poll: NodeJS.Timeout | undefined;
    if (watch !== undefined && killWhenBytes !== undefined) {
      poll = setInterval(() => {
        if (existsSync(watch) && statSync(watch).size >= killWhenBytes) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 5);
    }
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      clearTimeout(guard);
      resolve({ code, signal, stderr });
    });
  });
}

describe('resume after kill -9', () => {
  it('a deep crawl killed twice and resumed writes every page exactly once', async () => {
    const out = join(tmp.dir, 'deep.jsonl');
    const state = join(tmp.dir, 'deep-state');
    const args = [`${srv.url}/site/`, '-o', out, '--state', state, '--delay', '2ms', '--per-host', '2', '--quiet'];
    const first = await crawl(args, out, 20_000);
    expect(first.signal).toBe('SIGKILL');
    const sizeAfterKill = statSync(out).size;
    const wantCount = expectedPaths(PAGES, { robots: true, nofollow: false }).size;
    expect(readFileSync(out, 'utf8').split('\n').length).toBeLessThan(wantCount); // killed mid-way
    const second = await crawl([...args, '--resume'], out, sizeAfterKill + 40_000);
    expect(second.signal, second.stderr).toBe('SIGKILL');
    const third = await crawl([...args, '--resume']);
    expect(third.code, third.stderr).toBe(0);

    const want = expectedPaths(PAGES, { robots: true, nofollow: false });
    const seen = new Map<string, number>();
    for (const r of readRecords(out)) {
      const p = pathOf(r.url);
      seen.set(p, (seen.get(p) ?? 0) + 1);
    }
    const twice = [...seen].filter(([, n]) => n > 1);
    expect(twice).toEqual([]);
    expect(new Set(seen.keys())).toEqual(new Set(want.keys()));
  });

  it('a probe run (CSV) killed and resumed skips what was done and loses nothing', async () => {
    const urls = join(tmp.dir, 'urls.txt');
    const port = srv.port;
    const lines: string[] = [];
    for (let i = 0; i < 600; i++) lines.push(`http://r${i % 3}.resume.test:${port}/site/p/${i % PAGES}?n=${i}`);
    writeFileSync(urls, lines.join('\n') + '\n');
    const out = join(tmp.dir, 'probe.csv');
    const state = join(tmp.dir, 'probe-state');
    const resolve = [0, 1, 2].flatMap((i) => ['--resolve', `r${i}.resume.test:${port}:127.0.0.1`]);
    const args = ['--urls', urls, '-o', out, '--format', 'csv', '--state', state, '--delay', '3ms', '--quiet', ...resolve];
    const first = await crawl(args, out, 30_000);
    expect(first.signal).toBe('SIGKILL');
    const done = await crawl([...args, '--resume']);
    expect(done.code, done.stderr).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows[0]!.startsWith('url,')).toBe(true);
    const got = rows.slice(1).map((l) => parseCsvLine(l)[0]!);
    expect(got.length).toBe(600);
    expect(new Set(got).size).toBe(600);
  });

  it('--resume without the seed: the state directory remembers it', async () => {
    const out = join(tmp.dir, 'noseed.jsonl');
    const state = join(tmp.dir, 'noseed-state');
    const first = await crawl([`${srv.url}/site/`, '-o', out, '--state', state, '--delay', '2ms', '--quiet'], out, 20_000);
    expect(first.signal).toBe('SIGKILL');
    // Before: "error[ERR_USAGE]: nothing to crawl" unless the seed was given again.
    const second = await crawl(['-o', out, '--state', state, '--delay', '2ms', '--resume', '--quiet']);
    expect(second.code, second.stderr).toBe(0);
    const want = expectedPaths(PAGES, { robots: true, nofollow: false });
    const paths = readRecords(out).map((r) => pathOf(r.url));
    expect(paths.length).toBe(new Set(paths).size);
    expect(new Set(paths)).toEqual(new Set(want.keys()));
    // A directory that holds no crawl says so, and what to do.
    const none = await crawl(['-o', out, '--state', join(tmp.dir, 'no-such-state'), '--resume', '--quiet']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error\[ERR_CRAWL_STATE\]: .*give the seed URLs or --urls FILE again/m);
  });

  it('refuses a second crawl on a state directory in use or already used', async () => {
    const out = join(tmp.dir, 'x.jsonl');
    const state = join(tmp.dir, 'deep-state');
    const r = await crawl([`${srv.url}/site/`, '-o', out, '--state', state, '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error\[ERR_CRAWL_STATE\]: .*--resume/m);
  });
});
