// issue 17 (fleet): one shard's part in `run --fleet redis://host:6379/JOB`. It joins the job before
// any traffic (Redis unreachable: ERR_FLEET_REDIS, exit 2), heartbeats, publishes each closed
// interval (its workers' points merged, HDR histograms in the encoded form, with the live feed's
// cumulative counts per request and workers' health for a watcher's dashboard), and follows the whole
// fleet beside its own load (fleet-follower.ts): when the merged fleet fails an abort-on-fail
// threshold — judged here or by any other shard or watcher, all publish the same abort key — the
// load stops, within the next poll (200 ms) of the abort being set. The shard's own process does
// not judge abort-on-fail thresholds on its slice alone (RunOptions.localAbort = false).
//
// At the end the shard publishes its result (the same JSON as its result.json), waits until every
// shard has published or been lost, merges them as `fastbench merge` does and takes the fleet's
// verdict as its exit code: every shard of a failing fleet exits 1.
import { hostname } from 'node:os';
import { FastbenchError } from '../../core/errors.js';
import type { LiveInterval } from '../../metrics/live-interval.js';
import { Series, type SeriesPoint } from '../../metrics/series.js';
import { renderJson } from '../../report/json-report.js';
import type { RunResult } from '../../metrics/run-result.js';
import type { Scenario } from '../../scenario/index.js';
import { FleetChannel, type ShardLive } from './fleet-channel.js';
import { FleetFollower, type FleetOutcome } from './fleet-follower.js';

/** Prints one line (stderr, through the run's progress). */
export type FleetLog = (line: string) => void;

export class FleetShard {
  private readonly follower: FleetFollower;
  private following: Promise<void> | undefined;
  private followError: FastbenchError | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private publishError: FastbenchError | undefined;
  private published: Promise<unknown> = Promise.resolve();
  private stopped: string | undefined;
  private closed = false;
  private startMs: number | undefined;
  /** The live feed's latest interval (RunOptions.onLive comes just before onInterval for the same ticks). */
  private live: ShardLive | undefined;

  private constructor(private readonly channel: FleetChannel, readonly shard: number, readonly count: number, private readonly intervalMs: number) {
    this.follower = new FleetFollower(channel);
  }

  /** Connects and joins the job; every failure here is before any traffic. */
  static async join(url: string, shard: { index: number; count: number }, scenario: Scenario): Promise<FleetShard> {
    const channel = await FleetChannel.connect(url);
    try {
      await channel.join(shard.index, {
        count: shard.count,
        intervalMs: scenario.intervalMs ?? 1000,
        thresholds: [...scenario.thresholds],
        scenario: scenario.name,
        host: hostname(),
        pid: process.pid,
      });
    } catch (e) {
      channel.close();
      throw channel.failure(e);
    }
    return new FleetShard(channel, shard.index, shard.count, scenario.intervalMs ?? 1000);
  }

  get job(): string {
    return this.channel.target.job;
  }

  /** Why the fleet stopped this shard, if it did. */
  get abortedBy(): string | undefined {
    return this.stopped;
  }

  /** Starts the heartbeat and the fleet follower; `stop` ends this shard's load (once). */
  start(stop: (reason: string) => void, log: FleetLog): void {
    const every = Math.min(500, this.intervalMs);
    this.heartbeatTimer = setInterval(() => {
      this.channel.heartbeat(this.shard, ++this.seq).catch((e: unknown) => this.noteError(e, log));
    }, every);
    this.heartbeatTimer.unref();
    const check = (): void => {
      const reason = this.follower.abort;
      if (reason === undefined || this.stopped !== undefined) return;
      this.stopped = reason;
      log(`fleet ${this.job}: stopping: ${reason} failed on the merged fleet`);
      stop(reason);
    };
    this.following = this.follower.follow(() => check()).then(check, (e: unknown) => {
      this.followError = this.channel.failure(e);
    });
    // the follower also sees an abort set by someone else between intervals
    const poll = setInterval(check, 100);
    poll.unref();
    void this.following.finally(() => clearInterval(poll));
  }

  /** The run's live feed for the interval about to be published: its counts and health go with it. */
  noteLive(i: LiveInterval): void {
    this.live = { counts: i.counts, health: i.health };
  }

  /** One closed interval of this shard (its workers' points): published, fire and forget. */
  onInterval(points: readonly SeriesPoint[], requestPoints: Record<string, SeriesPoint[]>, log: FleetLog): void {
    if (points.length === 0) return;
    const point = Series.mergePoints(points);
    const rp: Record<string, SeriesPoint> = {};
    for (const [name, ps] of Object.entries(requestPoints)) if (ps.length > 0) rp[name] = Series.mergePoints(ps);
    const t = point.t;
    // the measured start as this clock sees it: now, less the intervals closed so far
    this.startMs ??= Date.now() - (t * this.intervalMs + point.ms);
    const startMs = this.startMs;
    const live = this.live;
    this.live = undefined;
    this.published = this.published
      .then(() => this.channel.publishInterval(this.shard, t, startMs, point, rp, live))
      .then(() => this.channel.heartbeat(this.shard, ++this.seq))
      .catch((e: unknown) => this.noteError(e, log));
  }

  private noteError(e: unknown, log: FleetLog): void {
    if (this.publishError !== undefined) return;
    this.publishError = this.channel.failure(e);
    log(`warning: fleet ${this.job}: ${this.publishError.format()}`);
  }

  /**
   * Publishes this shard's (partial) result without waiting for the fleet: a shard stopped by a
   * signal still counts in the merge instead of being lost. Bounded by `timeoutMs`.
   */
  async publishOnly(result: RunResult, timeoutMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.published.then(() => this.channel.publishFinal(this.shard, renderJson(result))),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
    } catch {
      // the fleet will report this shard lost
    } finally {
      clearTimeout(timer);
      this.close();
    }
  }

  /**
   * Publishes this shard's final result and waits for the fleet's: every shard published or lost.
   * Returns the fleet's outcome, or the Redis failure that kept it from being known.
   */
  async finish(result: RunResult, allowInvalid: boolean): Promise<FleetOutcome | FastbenchError> {
    try {
      await this.published;
      await this.channel.publishFinal(this.shard, renderJson(result));
      await this.following;
      if (this.followError !== undefined) return this.followError;
      return await this.follower.finish(allowInvalid);
    } catch (e) {
      return this.channel.failure(e);
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    this.channel.close();
  }
}

/** The lines a shard or the watcher prints about the fleet's outcome. */
export function fleetOutcomeLines(job: string, o: FleetOutcome): string[] {
  const lines: string[] = [];
  for (const w of o.warnings) lines.push(`warning: ${w}`);
  for (const l of o.lost) {
    lines.push(`error[ERR_FLEET_SHARD_LOST]: fleet ${job}: shard ${l.shard} of ${o.count} stopped heartbeating${l.lastT !== undefined ? ` after interval ${l.lastT}` : ' before its first interval'}; its ${l.requests} requests so far are in the live fleet view, not in the merged result (no result of it)`);
  }
  const merged = o.merged;
  const n = o.count - o.lost.length;
  const what = merged !== undefined
    ? `${n} of ${o.count} shard results merged: ${merged.overall.requests} requests, ${merged.overall.errors} errors`
    : 'no shard result to merge';
  lines.push(`fleet ${job} verdict: ${o.verdict.passed ? 'PASS' : 'FAIL'} (exit ${o.verdict.exit}); ${what}${o.verdict.reasons.length > 0 ? `; ${o.verdict.reasons.join('; ')}` : ''}`);
  return lines;
}
