// A sharded run as users run one: 3 `fastbench run --shard i/3` processes (built dist/, via
// bin/fastbench.js) lined up with --start-at against one server, then `fastbench merge`. The merged
// result must hold exactly the single-run plan's requests, and its histograms must be exactly the
// sum of the shards' (decoded and added here with src/metrics, not by merge's own code path).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EncodedHistogram, mergeEncodedHistograms, decodeHistogram } from '../../../src/metrics/encoded-histogram.js';
import { checkRunResult } from '../../../src/report/result-file.js';
import { scheduledBefore } from '../../../src/scenario/index.js';
import type { FastbenchServer } from '../../../src/server/server.js';
import { runCli } from '../../helpers/cli.js';
import { scenario as parse, startBundled } from './helpers.js';

const CLOSED_REQUESTS = 301; // not a multiple of 3: the shares are 101, 100, 100

let url = '';
let server: FastbenchServer;
let dir = '';

const fastbench = (args: string[]) => runCli(args, { cwd: dir, timeoutMs: 15_000 });

beforeAll(async () => {
  ({ url, server } = await startBundled());
  dir = mkdtempSync(join(tmpdir(), 'fastbench-shards-'));
});

afterAll(async () => {
  await server?.close();
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

const yaml = (): string => `
name: sharded
target: ${url}
client: { connections: 6 }
load:
  - connections: 6
    requests: ${CLOSED_REQUESTS}
  - rate: 150
    duration: 1s
    connections: 6
requests:
  - name: plain
    path: /plaintext
`;

type Result = {
  summary: { requests: number; errors: number };
  phases: { details: Record<string, number | string | boolean> }[];
  histograms: { overall: { corrected: EncodedHistogram; service: EncodedHistogram }; requests: Record<string, { corrected: EncodedHistogram; service: EncodedHistogram }> };
  shard?: { index: number; count: number };
  startTime: string;
  parts: number;
};

const PERCENTILES = [0, 50, 75, 90, 99, 99.9, 100];

function expectSum(merged: EncodedHistogram, parts: EncodedHistogram[]): void {
  const sum = mergeEncodedHistograms(parts);
  const m = decodeHistogram(merged);
  expect(m.count).toBe(parts.reduce((n, p) => n + p.count, 0));
  expect(m.count).toBe(sum.count);
  for (const p of PERCENTILES) expect(m.percentile(p), `p${p}`).toBe(sum.percentile(p));
  expect(merged.min).toBe(Math.min(...parts.filter((p) => p.count > 0).map((p) => p.min)));
  expect(merged.max).toBe(Math.max(...parts.map((p) => p.max)));
}

describe('sharded run', () => {
  it('3 shards + merge = the single-run plan, histograms added exactly', async () => {
    const file = join(dir, 'sharded.yaml');
    writeFileSync(file, yaml());
    const plan = parse(yaml());
    const open = plan.phases[1]!;
    if (open.model !== 'open') throw new Error('open phase expected');
    const planned = CLOSED_REQUESTS + scheduledBefore(open, 1000);

    const startAt = new Date(Date.now() + 1500).toISOString();
    const runs = await Promise.all([0, 1, 2].map((i) =>
      fastbench(['run', file, '--shard', `${i}/3`, '--start-at', startAt, '--json', '--quiet', '--allow-invalid', '--format', 'json', '--out', join(dir, `shard-${i}`)])));
    const shards: Result[] = [];
    for (const [i, r] of runs.entries()) {
      expect(r.code, r.stderr).toBe(0);
      // --json: schema-valid, and the same bytes as the result.json written by --format json --out
      const doc = JSON.parse(r.stdout) as Result;
      expect(checkRunResult(doc)).toEqual([]);
      expect(readFileSync(join(dir, `shard-${i}`, 'result.json'), 'utf8')).toBe(r.stdout);
      expect(doc.shard).toEqual({ index: i, count: 3 });
      expect(Date.parse(doc.startTime)).toBeGreaterThanOrEqual(Date.parse(startAt) - 1);
      shards.push(doc);
    }
    // stop counts and connections divided exactly
    expect(shards.map((s) => s.phases[0]!.details.sent)).toEqual([101, 100, 100]);
    expect(shards.map((s) => s.phases[0]!.details.connections)).toEqual([2, 2, 2]);
    // each open arrival went to exactly one shard
    expect(shards.reduce((n, s) => n + Number(s.phases[1]!.details.scheduled), 0)).toBe(scheduledBefore(open, 1000));

    const out = join(dir, 'merged.json');
    const m = await fastbench(['merge', ...[0, 1, 2].map((i) => join(dir, `shard-${i}`, 'result.json')), '-o', out]);
    expect(m.code, m.stderr).toBe(0);
    const merged = JSON.parse(readFileSync(out, 'utf8')) as Result;
    expect(checkRunResult(merged)).toEqual([]);
    // Every planned request was sent, exactly once. (An arrival still waiting for a connection when
    // its phase ends is counted as missed, not sent: on a stalled machine only.)
    const missed = shards.reduce((n, s) => n + Number(s.phases[1]!.details.missed), 0);
    expect(merged.summary.requests + missed).toBe(planned);
    expect(merged.summary.errors).toBe(0);
    expect(merged.summary.requests).toBe(shards.reduce((n, s) => n + s.summary.requests, 0));
    expect(merged.shard).toBeUndefined();

    expectSum(merged.histograms.overall.corrected, shards.map((s) => s.histograms.overall.corrected));
    expectSum(merged.histograms.overall.service, shards.map((s) => s.histograms.overall.service));
    expectSum(merged.histograms.requests.plain!.corrected, shards.map((s) => s.histograms.requests.plain!.corrected));
    expect(merged.histograms.overall.corrected.count).toBe(planned - missed);
  });

  it('refuses a bad --shard or --start-at before sending anything', async () => {
    const file = join(dir, 'sharded.yaml');
    writeFileSync(file, yaml());
    for (const args of [['--shard', '3/3'], ['--shard', '1of3'], ['--shard', '0/7'], ['--start-at', 'tomorrow']]) {
      const r = await fastbench(['run', file, ...args, '--quiet']);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/error\[ERR_USAGE_BAD_OPTION\]/);
      expect(r.stdout).toBe('');
    }
  });
});
