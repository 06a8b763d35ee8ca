// issue 17 (fleet): the follower on a stand-in for the Redis channel — shards put on one time line
// by their starts (a shard that started 3 intervals late pairs its interval 0 with the others'
// interval 3), a shard whose heartbeat stops is lost, and the abort key is published once.
import { describe, expect, it } from 'vitest';
import type { FleetChannel, ShardMeta } from '../../../src/cli/fleet/fleet-channel.js';
import { FleetFollower } from '../../../src/cli/fleet/fleet-follower.js';
import { encodeHistogram } from '../../../src/metrics/encoded-histogram.js';
import { LatencyHistogram } from '../../../src/metrics/histogram.js';
import type { SeriesPoint } from '../../../src/metrics/series.js';
import type { FleetReport } from '../../../src/report/fleet-gate.js';
import { parseThreshold } from '../../../src/scenario/thresholds.js';
import type { Threshold } from '../../../src/scenario/scenario.js';

function point(t: number, n: number, errors = 0): SeriesPoint {
  const h = LatencyHistogram.create();
  for (let i = 0; i < n; i++) h.record(1000);
  return { t, ms: 500, requests: n, responses: n - errors, errors, bytesIn: 0, bytesOut: 0, p50Us: 1000, p99Us: 1000, corrected: encodeHistogram(h) };
}

/** What the follower reads and writes, kept in memory. */
class FakeChannel {
  metas = new Map<number, ShardMeta>();
  hb = new Map<number, string>();
  finalsMap = new Map<number, string>();
  stream: FleetReport[] = [];
  abortKey: string | undefined;
  abortCalls = 0;
  readonly api = {
    metas: async () => this.metas,
    heartbeats: async () => new Map(this.hb),
    finalShards: async () => [...this.finalsMap.keys()],
    finals: async () => this.finalsMap,
    abortReason: async () => this.abortKey,
    abort: async (reason: string) => {
      this.abortCalls++;
      this.abortKey ??= reason;
      return this.abortKey;
    },
    readIntervals: async (lastId: string) => {
      const from = Number(lastId);
      const reports = this.stream.slice(from);
      return { reports, lastId: String(this.stream.length) };
    },
  };
}

function threshold(text: string): Threshold {
  const parsed = parseThreshold(text);
  if ('error' in parsed) throw new Error(parsed.error);
  return { text, ...parsed, request: undefined, abortOnFail: true, pos: { file: 's.yaml', line: 1, column: 1 } } as Threshold;
}

const meta = (count: number, thresholds: Threshold[] = []): ShardMeta => ({ count, intervalMs: 500, thresholds, scenario: 's', host: 'h', pid: 1 });

describe('FleetFollower', () => {
  it('lines shards up by their starts: a shard started 3 intervals late pairs its 0 with the others\' 3', async () => {
    const ch = new FakeChannel();
    ch.metas.set(0, meta(2));
    ch.metas.set(1, meta(2));
    ch.hb.set(0, 'a').set(1, 'a');
    const start = 1_000_000;
    for (let t = 0; t < 5; t++) ch.stream.push({ shard: 0, t, point: point(t, 10), startMs: start });
    for (let t = 0; t < 2; t++) ch.stream.push({ shard: 1, t, point: point(t, 1), startMs: start + 1500 + 20 });
    ch.finalsMap.set(0, '{}').set(1, '{}');
    const f = new FleetFollower(ch.api as unknown as FleetChannel, { pollMs: 1 });
    const got = [];
    for await (const iv of f.intervals()) got.push([iv.t, iv.point.requests, iv.shards.join('+')]);
    expect(got).toEqual([[0, 10, '0'], [1, 10, '0'], [2, 10, '0'], [3, 11, '0+1'], [4, 11, '0+1']]);
  });

  it('reports a shard whose heartbeat stops as lost, with what it had published, and ends', async () => {
    const ch = new FakeChannel();
    ch.metas.set(0, meta(2));
    ch.metas.set(1, meta(2));
    ch.hb.set(0, 'a').set(1, 'a');
    ch.stream.push({ shard: 0, t: 0, point: point(0, 10), startMs: 0 }, { shard: 1, t: 0, point: point(0, 7), startMs: 0 });
    ch.finalsMap.set(0, '{}');
    const f = new FleetFollower(ch.api as unknown as FleetChannel, { pollMs: 5, deadMs: 50 });
    const seen = [];
    for await (const iv of f.intervals()) seen.push(iv.shards.join('+'));
    expect(seen).toEqual(['0+1']);
    expect(f.lostShards()).toEqual([{ shard: 1, lastT: 0, requests: 7 }]);
  });

  it('publishes the abort key once when the merged fleet fails an abortOnFail threshold', async () => {
    const ch = new FakeChannel();
    ch.metas.set(0, meta(2, [threshold('errors < 10%')]));
    ch.metas.set(1, meta(2, [threshold('errors < 10%')]));
    ch.hb.set(0, 'a').set(1, 'a');
    // shard 0 alone is at 5 % errors; with shard 1 the fleet is at 15 %
    ch.stream.push({ shard: 0, t: 0, point: point(0, 100, 5), startMs: 0 }, { shard: 1, t: 0, point: point(0, 100, 25), startMs: 0 });
    ch.stream.push({ shard: 0, t: 1, point: point(1, 100, 0), startMs: 0 }, { shard: 1, t: 1, point: point(1, 100, 0), startMs: 0 });
    ch.finalsMap.set(0, '{}').set(1, '{}');
    const f = new FleetFollower(ch.api as unknown as FleetChannel, { pollMs: 1 });
    const aborts = [];
    for await (const iv of f.intervals()) aborts.push(iv.abort);
    expect(aborts).toEqual(['overall: errors < 10%', 'overall: errors < 10%']);
    expect(ch.abortKey).toBe('overall: errors < 10%');
    expect(ch.abortCalls).toBe(1);
    expect(f.abort).toBe('overall: errors < 10%');
  });
});
