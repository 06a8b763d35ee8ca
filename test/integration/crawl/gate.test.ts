// A crawl as a CI gate (built CLI in a child process): --threshold and a crawl scenario's
// thresholds are judged on the crawl, a failed one exits 1, and the report files are the run's
// (JUnit with one test per threshold, result.json, the HTML report with latency by host).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import { readRecords, startSiteServer, tempDir, type TestServer } from './helpers.js';

const tmp = tempDir('fb-crawl-gate-');
let srv: TestServer;

beforeAll(async () => {
  srv = await startSiteServer({ pages: 40 });
});
afterAll(async () => {
  await srv.close();
  tmp.cleanup();
});

describe('fastbench crawl --threshold', () => {
  it('a failing threshold exits 1 and writes JUnit with one test per threshold', async () => {
    const dir = join(tmp.dir, 'fail');
    const out = join(tmp.dir, 'fail.jsonl');
    const r = await runCli(['crawl', `${srv.url}/site/`, '-o', out, '--threshold', 'p99<60s', '--threshold', 'status:5xx=0', '--threshold', 'status:404=0', '--report-dir', dir], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(1);
    const records = readRecords(out);
    const notFound = records.filter((x) => x.status === 404).length;
    expect(notFound).toBeGreaterThan(0); // the synthetic site has broken links
    expect(r.stderr).toMatch(/^PASS {2}overall {2}p99 < 60s/m);
    expect(r.stderr).toMatch(/^PASS {2}overall {2}status:5xx <= 0/m);
    expect(r.stderr).toMatch(new RegExp(`^FAIL {2}overall {2}status:404 <= 0 {2}\\(actual ${notFound}\\)`, 'm'));
    const junit = readFileSync(join(dir, 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(3);
    expect(junit.match(/<failure /g)).toHaveLength(1);
    expect(junit).toContain('tests="3" failures="1"');
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as { thresholds: { passed: boolean; actual: number }[]; overall: { requests: number; errors: number }; requests: { name: string }[] };
    expect(result.thresholds.map((t) => t.passed)).toEqual([true, true, false]);
    expect(result.thresholds[2]!.actual).toBe(notFound);
    expect(result.overall.requests).toBe(records.filter((x) => x.error !== 'ERR_CRAWL_ROBOTS_DISALLOWED').length);
    expect(result.overall.errors).toBe(notFound);
    expect(result.requests.map((q) => q.name)).toEqual([`127.0.0.1:${srv.port}`]);
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain(`127.0.0.1:${srv.port}`);
  });

  it('passing thresholds exit 0; a crawl scenario carries seeds, settings and thresholds', async () => {
    const file = join(tmp.dir, 'gate.yaml');
    writeFileSync(file, [
      'name: site-gate',
      'crawl:',
      `  seeds: [${srv.url}/site/]`,
      '  maxDepth: 1',
      '  perHost: 4',
      'thresholds:',
      '  - errors < 100%',
      `  - { check: "status:5xx = 0", request: "127.0.0.1:${srv.port}" }`,
      '',
    ].join('\n'));
    const dir = join(tmp.dir, 'pass');
    const r = await runCli(['crawl', '--scenario', file, '-o', join(tmp.dir, 'pass.jsonl'), '--report-dir', dir, '--report-format', 'junit,json'], { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^PASS {2}127\\.0\\.0\\.1:${srv.port} {2}status:5xx <= 0`, 'm'));
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as { scenario: string; thresholds: unknown[] };
    expect(result.scenario).toBe('site-gate');
    expect(result.thresholds).toHaveLength(2);
    expect(readRecords(join(tmp.dir, 'pass.jsonl')).every((x) => x.depth <= 1)).toBe(true);
  });

  it('a bad threshold is a usage error (exit 2, nothing fetched), with file:line:col in a scenario', async () => {
    srv.log.length = 0;
    const r = await runCli(['crawl', `${srv.url}/site/`, '--threshold', 'status:5xx=3'], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^error\[ERR_USAGE_BAD_OPTION\]: --threshold: .*"=" is for "= 0"/m);
    const file = join(tmp.dir, 'bad.yaml');
    writeFileSync(file, `crawl:\n  seeds: [${srv.url}/site/]\n  perHots: 2\nthresholds:\n  - p99 < 5ms over 10s windows\n`);
    const b = await runCli(['crawl', '--scenario', file], { timeoutMs: 20_000 });
    expect(b.code, b.stderr).toBe(2);
    expect(b.stderr).toContain('ERR_SCENARIO_UNKNOWN_KEY');
    expect(b.stderr).toMatch(/bad\.yaml:3:3/);
    expect(b.stderr).toMatch(/bad\.yaml:5:5/);
    expect(srv.log).toEqual([]);
  });
});
