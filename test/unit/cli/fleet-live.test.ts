// issue 17 (fleet dashboard): the fleet's merged intervals as the live outputs' feed — the shards'
// cumulative counts summed (each shard's latest, so one that missed an interval catches up),
// their health listed, timing on the fleet's interval grid, the merged point passed through; and
// for shards that publish no counts, one cumulative row built from the merged points.
import { describe, expect, it } from 'vitest';
import { FLEET_ALL_REQUESTS, FleetLiveFeed } from '../../../src/cli/fleet/fleet-live.js';
import type { RequestCounts } from '../../../src/metrics/live-interval.js';
import type { FleetInterval } from '../../../src/report/fleet-gate.js';
import { LiveState } from '../../../src/report/live-state.js';

const iv = (t: number, requests: number, errors: number, ms = 500): FleetInterval => ({
  t,
  point: { t, ms, requests, responses: requests - errors, errors, bytesIn: requests * 10, bytesOut: requests * 5, p50Us: 0, p99Us: 0 },
  requestPoints: {},
  shards: [0, 1],
  missing: [],
  failing: [],
  abort: undefined,
});

const counts = (requests: number, errors: number): RequestCounts[] => [{
  name: 'item', requests, responses: requests - errors, errors, bytesIn: 0, bytesOut: 0,
  status: { 200: requests - errors }, failedStatus: {}, errorCodes: errors > 0 ? { ERR_CONN_RESET: errors } : {},
}];

describe('FleetLiveFeed', () => {
  it('sums each shard\'s latest cumulative counts (a shard absent from an interval keeps its last), lists their health', () => {
    const feed = new FleetLiveFeed(500);
    const h = (u: number): { utilization: number; cpu: number } => ({ utilization: u, cpu: u });
    const a = feed.next({ ...iv(0, 30, 0), counts: { 0: counts(10, 0), 1: counts(20, 0) }, health: [h(0.1), h(0.2)] });
    expect(a.counts).toEqual([{ name: 'item', requests: 30, responses: 30, errors: 0, bytesIn: 0, bytesOut: 0, status: { 200: 30 }, failedStatus: {}, errorCodes: {} }]);
    expect(a.health).toEqual([h(0.1), h(0.2)]);
    // shard 1 late for interval 1: shard 0's new total plus shard 1's last
    const b = feed.next({ ...iv(1, 15, 1), shards: [0], missing: [1], counts: { 0: counts(25, 1) }, health: [h(0.3)] });
    expect(b.counts![0]).toMatchObject({ requests: 45, errors: 1, errorCodes: { ERR_CONN_RESET: 1 }, status: { 200: 44 } });
    // shard 1 back: its cumulative counts include what it did in interval 1
    const c = feed.next({ ...iv(2, 40, 1), counts: { 0: counts(40, 1), 1: counts(45, 0) } });
    expect(c.counts![0]).toMatchObject({ requests: 85, errors: 1 });
    expect(c.health).toEqual([]);
    // earlier intervals' counts are their own (the outputs may keep them)
    expect(a.counts![0]!.requests).toBe(30);
  });

  it('accumulates the merged points into one cumulative count row, on the fleet\'s interval grid', () => {
    const feed = new FleetLiveFeed(500);
    const a = feed.next(iv(0, 40, 0));
    const b = feed.next(iv(1, 60, 3));
    const c = feed.next(iv(2, 10, 1, 200));
    expect(a.counts).toEqual([{ name: FLEET_ALL_REQUESTS, requests: 40, responses: 40, errors: 0, bytesIn: 400, bytesOut: 200, status: {}, failedStatus: {}, errorCodes: {} }]);
    expect(b.counts![0]).toMatchObject({ requests: 100, responses: 97, errors: 3, errorCodes: { failed: 3 } });
    expect(c.counts![0]).toMatchObject({ requests: 110, errors: 4, errorCodes: { failed: 4 } });
    // an earlier interval's counts are not changed by later ones (the outputs keep them)
    expect(a.counts![0]!.requests).toBe(40);
    expect(b.counts![0]!.errorCodes).toEqual({ failed: 3 });
    expect([b.index, b.ms, b.elapsedMs, b.completed, b.errors]).toEqual([1, 500, 1000, 60, 3]);
    expect([c.ms, c.elapsedMs]).toEqual([200, 1200]);
    expect(c.health).toEqual([]);
    expect(b.point?.requests).toBe(60); // the interval's own merged point (its latencies), not cumulative
  });

  it('drives LiveState: rows per interval, failures by kind per interval, totals so far, no health', () => {
    const feed = new FleetLiveFeed(500);
    const state = new LiveState({ scenario: 'fleet j', phases: [] });
    state.add(feed.next(iv(0, 40, 0)));
    const row = state.add(feed.next(iv(1, 60, 3)));
    expect(row).toMatchObject({ t: 0.5, rps: 120, errors: { failed: 3 }, loop: null, cpu: null, target: null });
    expect(state.totals()).toEqual({ requests: 100, responses: 97, errors: 3 });
  });
});
