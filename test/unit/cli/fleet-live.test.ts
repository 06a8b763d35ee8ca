// issue 17 (fleet dashboard): the fleet's merged intervals as the live outputs' feed — counts
// cumulative across intervals (the live outputs read them as running totals), timing on the
// fleet's interval grid, the merged point passed through, no health.
import { describe, expect, it } from 'vitest';
import { FLEET_ALL_REQUESTS, FleetLiveFeed } from '../../../src/cli/fleet/fleet-live.js';
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

describe('FleetLiveFeed', () => {
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
