// issue 17 (fleet): follows one fleet job in Redis — every shard runs one beside its load, and
// `fastbench watch` is one on its own. It polls the job's keys (fleet-channel.ts) every `pollMs`,
// feeds the shards' intervals to the pure FleetGate (report/fleet-gate.ts), publishes the abort key
// when an abort-on-fail threshold fails on the merged fleet, notices shards that stop
// heartbeating, and ends once every shard has published its result or been lost. Then `finish`
// merges the published results with the same code as `fastbench merge` (report/merge.ts), so the
// fleet's final result is exactly the merge of the shards' result files.
//
// `intervals()` is the seam for live views: an async generator of merged per-interval snapshots
// (FleetInterval), in order. `fastbench watch` prints them; a dashboard can plot them.
//
// Shards are put on one time line as `fastbench merge` does: each shard's intervals are shifted by
// its start's distance, in whole intervals, from the start of the first shard in the stream (every
// follower reads the stream in the same order, so all pick the same reference). Shards started
// together (--start-at) all shift by 0.
//
// Liveness is judged on the follower's own clock: a shard is lost when its heartbeat value has not
// changed for `deadMs` (so machines' clocks need not agree), or when it never joined within
// 2 × deadMs of the first shard joining.
import { mergeRunResults } from '../../report/merge.js';
import { FleetGate, fleetVerdict, type FleetInterval, type FleetVerdict, type LostShard } from '../../report/fleet-gate.js';
import { parseRunResult } from '../../report/result-file.js';
import type { RunResult } from '../../metrics/run-result.js';
import type { FleetChannel, ShardMeta } from './fleet-channel.js';

export interface FollowerOptions {
  /** How often Redis is polled, ms. Default 200. */
  pollMs?: number;
  /** A shard whose heartbeat does not change for this long is lost; default max(3 intervals, 3 s). */
  deadMs?: number;
  /** How long an interval waits for the shards that have not reported it; default one interval. */
  graceMs?: number;
  /** Give up when no shard has joined within this long, ms (watch --wait). Default: wait forever. */
  joinTimeoutMs?: number;
  /** Stops following (Ctrl-C on watch). */
  signal?: AbortSignal;
}

export interface FleetOutcome {
  /** The shards' results merged as `fastbench merge` merges their files (absent when none published). */
  merged: RunResult | undefined;
  warnings: string[];
  verdict: FleetVerdict;
  lost: LostShard[];
  /** Shards expected (N of --shard i/N). */
  count: number;
  abort: string | undefined;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

interface ShardState {
  hb: string | undefined;
  hbChangedMs: number;
  lastT: number | undefined;
  requests: number;
  final: boolean;
  lost: boolean;
  /** Intervals this shard's t is shifted by on the fleet's time line (fixed at its first report). */
  offset: number | undefined;
}

export class FleetFollower {
  private gate: FleetGate | undefined;
  private meta: ShardMeta | undefined;
  private firstJoinMs: number | undefined;
  private readonly shards = new Map<number, ShardState>();
  private lastId = '0';
  /** The first reported shard's start (epoch ms): the fleet's time line starts there. */
  private refStartMs: number | undefined;
  /** The first closed interval on that line: lines and snapshots count from it. */
  private baseT: number | undefined;
  private abortReason: string | undefined;
  private abortPublished = false;
  private finished = false;
  private readonly pollMs: number;

  constructor(private readonly channel: FleetChannel, private readonly options: FollowerOptions = {}) {
    this.pollMs = options.pollMs ?? 200;
  }

  /** The fleet's abort reason, once set (by any follower). */
  get abort(): string | undefined {
    return this.abortReason;
  }

  get count(): number | undefined {
    return this.meta?.count;
  }

  get intervalMs(): number {
    return this.meta?.intervalMs ?? 1000;
  }

  private get deadMs(): number {
    return this.options.deadMs ?? Math.max(3 * this.intervalMs, 3000);
  }

  private state(shard: number, now: number): ShardState {
    let s = this.shards.get(shard);
    if (s === undefined) this.shards.set(shard, (s = { hb: undefined, hbChangedMs: now, lastT: undefined, requests: 0, final: false, lost: false, offset: undefined }));
    return s;
  }

  /** Shards expected to report interval t (fleet time line): not lost, and not finished before t. */
  private expected(t: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < (this.meta?.count ?? 0); i++) {
      const s = this.shards.get(i);
      if (s?.lost === true) continue;
      if (s?.final === true && (s.lastT ?? -1) + (s.offset ?? 0) < t) continue;
      out.push(i);
    }
    return out;
  }

  /** One poll: shards, heartbeats, results, abort key, then the new intervals. */
  private async poll(): Promise<FleetInterval[]> {
    const now = Date.now();
    if (this.meta === undefined) {
      const metas = await this.channel.metas();
      const first = [...metas.entries()].sort((a, b) => a[0] - b[0])[0];
      if (first === undefined) return [];
      this.meta = first[1];
      this.firstJoinMs = now;
      this.gate = new FleetGate(this.meta.thresholds, { intervalMs: this.meta.intervalMs, graceMs: this.options.graceMs ?? this.meta.intervalMs });
    }
    const [hbs, finals, abort] = await Promise.all([this.channel.heartbeats(), this.channel.finalShards(), this.channel.abortReason()]);
    for (const [shard, v] of hbs) {
      const s = this.state(shard, now);
      if (s.hb !== v) {
        s.hb = v;
        s.hbChangedMs = now;
      }
    }
    for (const shard of finals) this.state(shard, now).final = true;
    if (abort !== undefined) this.abortReason ??= abort;
    // intervals published before the results just seen are in the stream now: read them all
    for (;;) {
      const { reports, lastId } = await this.channel.readIntervals(this.lastId);
      this.lastId = lastId;
      for (const r of reports) {
        const s = this.state(r.shard, now);
        s.lastT = Math.max(s.lastT ?? -1, r.t);
        s.requests += r.point.requests;
        if (s.offset === undefined) {
          this.refStartMs ??= r.startMs;
          s.offset = r.startMs !== undefined && this.refStartMs !== undefined ? Math.round((r.startMs - this.refStartMs) / this.intervalMs) : 0;
        }
        this.gate!.report({ ...r, t: r.t + s.offset }, now);
      }
      if (reports.length < 500) break;
    }
    for (let i = 0; i < this.meta.count; i++) {
      const s = this.shards.get(i);
      if (s === undefined) {
        if (now - this.firstJoinMs! > 2 * this.deadMs) this.state(i, now).lost = true;
      } else if (!s.final && !s.lost && now - s.hbChangedMs > this.deadMs) {
        s.lost = true;
      }
    }
    this.finished = this.expectedAll().every((i) => this.shards.get(i)?.final === true || this.shards.get(i)?.lost === true);
    const closed = this.gate!.close((t) => this.expected(t), now, this.finished);
    const gateAbort = this.gate!.abort;
    if (gateAbort !== undefined && !this.abortPublished) {
      this.abortPublished = true;
      this.abortReason = await this.channel.abort(gateAbort);
    }
    if (closed.length > 0) this.baseT ??= closed[0]!.t;
    // counted from the fleet's first interval; one closed after the abort carries the fleet's reason, whoever set it
    return closed.map((iv) => {
      const t = iv.t - this.baseT!;
      return { ...iv, t, point: { ...iv.point, t }, abort: iv.abort ?? this.abortReason };
    });
  }

  private expectedAll(): number[] {
    return Array.from({ length: this.meta?.count ?? 0 }, (_, i) => i);
  }

  /** Merged per-interval snapshots until every shard has published its result or been lost. */
  async *intervals(): AsyncGenerator<FleetInterval> {
    const started = Date.now();
    for (;;) {
      const closed = await this.poll();
      yield* closed;
      if (this.finished) return;
      if (this.options.signal?.aborted === true) return;
      if (this.meta === undefined && this.options.joinTimeoutMs !== undefined && Date.now() - started > this.options.joinTimeoutMs) return;
      await sleep(this.pollMs, this.options.signal);
    }
  }

  /** Follows to the end (for callers that do not look at the intervals). */
  async follow(onInterval?: (iv: FleetInterval) => void): Promise<void> {
    for await (const iv of this.intervals()) onInterval?.(iv);
  }

  lostShards(): LostShard[] {
    return [...this.shards.entries()]
      .filter(([, s]) => s.lost && !s.final)
      .sort((a, b) => a[0] - b[0])
      .map(([shard, s]) => ({ shard, lastT: s.lastT, requests: s.requests }));
  }

  /** The shards' published results merged (as `fastbench merge` would), and the fleet's verdict. */
  async finish(allowInvalid = false): Promise<FleetOutcome> {
    const count = this.meta?.count ?? 0;
    const lost = this.lostShards();
    const finals = [...(await this.channel.finals()).entries()].sort((a, b) => a[0] - b[0]);
    if (finals.length === 0) {
      const reasons = count === 0 ? ['no shard joined the fleet'] : ['no shard published a result'];
      return { merged: undefined, warnings: [], verdict: { exit: 1, passed: false, reasons: [...reasons, ...lost.map((l) => `shard ${l.shard} of ${count} was lost`)] }, lost, count, abort: this.abortReason };
    }
    const parts = finals.map(([shard, json]) => parseRunResult(json, `shard ${shard}'s result in Redis`));
    const { result, warnings } = mergeRunResults(parts);
    const verdict = fleetVerdict(result, { abort: this.abortReason, lost, expected: count, allowInvalid });
    return { merged: result, warnings, verdict, lost, count, abort: this.abortReason };
  }
}

/** The seam for a live fleet view (a dashboard): merged per-interval snapshots, in order. */
export function fleetSnapshots(channel: FleetChannel, options: FollowerOptions = {}): AsyncGenerator<FleetInterval> {
  return new FleetFollower(channel, options).intervals();
}
