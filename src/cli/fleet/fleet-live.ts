// issue 17 (fleet dashboard): `fastbench watch … --dashboard` feeds the fleet's merged intervals to
// the same live outputs as a single run (cli/live-outputs.ts). This turns one merged FleetInterval
// into the LiveInterval the outputs read.
//
// Each shard publishes, with every interval, its merged point (counts + encoded HDR) and its live
// feed's cumulative counts per request and its workers' health (fleet-shard.ts). The fleet's
// cumulative counts are the sum of every shard's LATEST counts — a shard whose point missed an
// interval (late past the grace) catches up with its next one, since its counts are cumulative.
// Health is the reporting shards' workers', listed. Shards that publish no counts (an older
// fastbench) are counted from their points instead, as one all-requests row (failures under the
// kind "failed"). The watcher knows no scenario phases: no target-rate line (FLEET_LIVE_NOTE).
import { mergeRequestCounts, type LiveInterval, type RequestCounts } from '../../metrics/live-interval.js';
import type { FleetInterval } from '../../report/fleet-gate.js';

/** The name of the count row built from points (shards that publish no counts). */
export const FLEET_ALL_REQUESTS = 'all requests (fleet)';

/** Shown on the fleet's dashboard page. */
export const FLEET_LIVE_NOTE =
  'Fleet view: every shard\'s intervals merged (HDR histograms added), counts summed, each shard\'s generator health listed. ' +
  'The open model\'s target-rate line is not drawn (the watcher does not have the scenario\'s phases).';

const emptyCounts = (name: string): RequestCounts => ({ name, requests: 0, responses: 0, errors: 0, bytesIn: 0, bytesOut: 0, status: {}, failedStatus: {}, errorCodes: {} });

/** Accumulates a fleet's merged intervals into live intervals (cumulative counts). */
export class FleetLiveFeed {
  /** Each shard's latest cumulative counts. */
  private readonly latest = new Map<number, RequestCounts[]>();
  /** Requests of the shards' points that came without counts. */
  private readonly fromPoints = emptyCounts(FLEET_ALL_REQUESTS);

  constructor(private readonly intervalMs: number) {}

  /** The next merged interval (in order, as FleetFollower.intervals() yields them). */
  next(iv: FleetInterval): LiveInterval {
    const p = iv.point;
    for (const [shard, counts] of Object.entries(iv.counts ?? {})) this.latest.set(Number(shard), counts);
    if (iv.counts === undefined) {
      // no shard of this interval published counts: count its merged point
      const c = this.fromPoints;
      c.requests += p.requests;
      c.responses += p.responses;
      c.errors += p.errors;
      c.bytesIn += p.bytesIn;
      c.bytesOut += p.bytesOut;
      if (c.errors > 0) c.errorCodes = { failed: c.errors };
    }
    const lists = [...this.latest.values()];
    if (this.fromPoints.requests > 0) lists.push([{ ...this.fromPoints, errorCodes: { ...this.fromPoints.errorCodes } }]);
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
      counts: lists.length > 0 ? mergeRequestCounts(lists) : undefined,
      health: iv.health ?? [],
    };
  }
}
