// issue 17 (fleet dashboard): `fastbench watch … --dashboard` feeds the fleet's merged intervals to
// the same live outputs as a single run (cli/live-outputs.ts). This turns one merged FleetInterval
// into the LiveInterval the outputs read.
//
// What the shards publish per interval is their merged point (counts + encoded HDR) and the points
// of threshold-named requests — not per-request status/error-code counts, nor their workers'
// health. So the live fleet view carries ONE cumulative count row for all requests together (its
// failures under the kind "failed"), and no health; the page says so (FLEET_LIVE_NOTE). The final
// report, built from the shards' merged results, has everything per request.
import type { LiveInterval, RequestCounts } from '../../metrics/live-interval.js';
import type { FleetInterval } from '../../report/fleet-gate.js';

/** The name of the one count row of the live fleet view. */
export const FLEET_ALL_REQUESTS = 'all requests (fleet)';

/** Shown on the fleet's dashboard page. */
export const FLEET_LIVE_NOTE =
  'Fleet view: the shards publish merged points per interval, so the live counts are for all requests together ' +
  '(failures by kind and per-request counts appear in the final report) and generator health is not shown ' +
  '(shards do not publish it).';

/** Accumulates a fleet's merged intervals into live intervals (cumulative counts). */
export class FleetLiveFeed {
  private readonly total: RequestCounts = { name: FLEET_ALL_REQUESTS, requests: 0, responses: 0, errors: 0, bytesIn: 0, bytesOut: 0, status: {}, failedStatus: {}, errorCodes: {} };

  constructor(private readonly intervalMs: number) {}

  /** The next merged interval (in order, as FleetFollower.intervals() yields them). */
  next(iv: FleetInterval): LiveInterval {
    const p = iv.point;
    const c = this.total;
    c.requests += p.requests;
    c.responses += p.responses;
    c.errors += p.errors;
    c.bytesIn += p.bytesIn;
    c.bytesOut += p.bytesOut;
    if (c.errors > 0) c.errorCodes = { failed: c.errors };
    return {
      index: iv.t,
      ms: p.ms,
      elapsedMs: iv.t * this.intervalMs + p.ms,
      phase: 0,
      phaseName: 'fleet',
      warmup: false,
      completed: p.requests,
      errors: p.errors,
      point: p,
      counts: [{ ...c, status: {}, failedStatus: {}, errorCodes: { ...c.errorCodes } }],
      health: [],
    };
  }
}
