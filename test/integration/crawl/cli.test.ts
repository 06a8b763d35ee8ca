// `fastbench crawl` as users run it (built CLI in a child process): usage errors print
// `error[CODE]: message` and exit 2 before anything is fetched; records go to stdout without -o;
// progress lines and the summary go to stderr; Ctrl-C stops cleanly and --resume carries on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../../helpers/cli.js';
import { expectedPaths, pathOf, readRecords, startSiteServer, tempDir, type TestServer } from './helpers.js';

const tmp = tempDir('fb-crawl-cli-');
let srv: TestServer;

beforeAll(async () => {
  srv = await startSiteServer({ pages: 40 });
});
afterAll(async () => {
  await srv.close();
  tmp.cleanup();
});

function cli(args: string[], onStderr?: (text: string, kill: (sig: NodeJS.Signals) => void) => void): Promise<CliRun> {
  return runCli(['crawl', ...args], { timeoutMs: 20_000, ...(onStderr !== undefined ? { onStderr: (text, child) => onStderr(text, (sig) => child.kill(sig)) } : {}) });
}

describe('fastbench crawl (CLI)', () => {
  // (The option checks themselves are unit-tested in test/unit/crawl/crawl-command.test.ts.)
  it.each([
    [[], 'ERR_USAGE'],
    [['http://x.test/', '--delay', '5'], 'ERR_USAGE_BAD_DURATION'],
    [['--urls', '/nonexistent/urls.txt'], 'ERR_USAGE_FILE'],
  ])('%j → error[%s], exit 2', async (args, code) => {
    const r = await cli(args as string[]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error\\[${code}\\]: `, 'm'));
    expect(r.stdout).toBe('');
  });

  it('--state on a pseudo-file system (/proc/x) fails with error[ERR_CRAWL_STATE], exit 2, instead of spinning', async () => {
    // Node's recursive mkdir loops forever on /proc/x; the child is SIGKILLed after 10 s if it does.
    const r = await runCli(['crawl', 'http://127.0.0.1:9/', '--state', '/proc/fastbench-no-such-dir/state', '-o', join(tmp.dir, 'proc.jsonl')], { timeoutMs: 10_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error\[ERR_CRAWL_STATE\]: cannot create \/proc\/fastbench-no-such-dir/m);
    expect(r.stdout).toBe('');
  });

  it('streams JSONL to stdout and a summary to stderr', async () => {
    const r = await cli([`${srv.url}/site/`, '--max-depth', '1']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { url: string; status: number });
    const want = expectedPaths(40, { robots: true, nofollow: false, maxDepth: 1 });
    expect(new Set(lines.map((l) => pathOf(l.url)))).toEqual(new Set(want.keys()));
    expect(r.stderr).toMatch(/^crawl done: \d+ pages in [\d.]+ s \([\d.]+ pages\/s\)/m);
    expect(r.stderr).toMatch(/^ {2}status {3}200: \d+/m);
    expect(r.stderr).toMatch(/^ {2}latency {2}p50 [\d.]+ ms, p90 [\d.]+ ms, p99/m);
  });

  it('prints a progress line per interval when stderr is not a terminal; --quiet prints nothing', async () => {
    const r = await cli([`${srv.url}/site/`, '-o', join(tmp.dir, 'p.jsonl'), '--delay', '20ms', '--max-pages', '15', '--progress-interval', '100ms']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^crawl: \d+ pages, queue \d+, in flight \d+, [\d.]+ pages\/s, \d+ errors$/m);
    const q = await cli([`${srv.url}/site/`, '-o', join(tmp.dir, 'q.jsonl'), '--max-pages', '5', '--quiet']);
    expect(q.code).toBe(0);
    expect(q.stderr).toBe('');
  });

  it('Ctrl-C stops cleanly (exit 130) and --resume finishes the crawl, each page once', async () => {
    const out = join(tmp.dir, 'int.jsonl');
    const state = join(tmp.dir, 'int-state');
    const args = [`${srv.url}/site/`, '-o', out, '--state', state, '--delay', '10ms', '--progress-interval', '50ms'];
    let sent = false;
    const r = await cli(args, (text, kill) => {
      if (!sent && /crawl: ([1-9]\d*) pages/.test(text)) {
        sent = true;
        kill('SIGINT');
      }
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/crawl stopped/);
    const partial = readRecords(out).length;
    const done = await cli([...args, '--resume', '--quiet']);
    expect(done.code, done.stderr).toBe(0);
    const paths = readRecords(out).map((x) => pathOf(x.url));
    expect(partial).toBeLessThan(paths.length);
    expect(paths.length).toBe(new Set(paths).size);
    const want = expectedPaths(40, { robots: true, nofollow: false });
    expect(new Set(paths.filter((p) => !p.startsWith('/site/private/')))).toEqual(new Set(want.keys()));
    expect(readFileSync(out, 'utf8').endsWith('\n')).toBe(true);
  });
});
