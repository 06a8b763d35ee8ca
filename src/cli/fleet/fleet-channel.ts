// issue 17 (fleet): the Redis side of `run --fleet redis://host:6379/JOB` and `fastbench watch`.
// One job's keys, all under the hash tag fastbench:{JOB}:fleet: (one Cluster slot), each expiring a
// day after its last write:
//   meta    hash  shard → JSON { count, intervalMs, thresholds, scenario, host, pid }  (joined)
//   hb      hash  shard → "<epoch ms>-<seq>"   (heartbeat: readers watch it change, on their own clock)
//   iv      stream entries { s: shard, t: interval, st: its measured start (epoch ms), d: JSON { point, requestPoints, counts, health } }
//           (counts: the shard's cumulative counts per request, health: its workers' — for live views)
//   final   hash  shard → the shard's result JSON, exactly as its result.json (renderJson)
//   abort   string: the label of the abort-on-fail threshold that stopped the fleet (SET NX)
// Points carry their HDR histograms in the encoded form (compressed base64 + exact min/max), so
// the stream is lossless and compact: a few hundred bytes per shard per interval.
import type { Redis } from 'ioredis';
import { FastbenchError } from '../../core/errors.js';
import type { RequestCounts, WorkerHealth } from '../../metrics/live-interval.js';
import type { SeriesPoint } from '../../metrics/series.js';
import { connectRedis, describeRedisError } from '../../crawl/redis-frontier.js';
import type { FleetReport } from '../../report/fleet-gate.js';
import type { Threshold } from '../../scenario/index.js';

export interface FleetTarget {
  host: string;
  port: number;
  username: string | undefined;
  password: string | undefined;
  db: number;
  job: string;
  /** host:port, for messages. */
  address: string;
}

/** `redis://[user:pass@]host[:port]/JOB[?db=N]`; a bad one is a usage error naming `flag`. */
export function parseFleetUrl(url: string, flag = '--fleet'): FleetTarget {
  const bad = (why: string): FastbenchError =>
    new FastbenchError('ERR_USAGE_BAD_OPTION', `${flag} ${JSON.stringify(url)}: ${why} (expected redis://host:6379/JOB-ID)`);
  if (!URL.canParse(url)) throw bad('not a URL');
  const u = new URL(url);
  if (u.protocol !== 'redis:') throw bad('only redis:// is supported');
  const job = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, ''));
  if (job === '' || /[\s{}]/.test(job)) throw bad('give a job id as the path, without spaces or braces');
  const db = Number(u.searchParams.get('db') ?? '0');
  if (!Number.isInteger(db) || db < 0) throw bad('db must be a non-negative integer');
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = u.port === '' ? 6379 : Number(u.port);
  return {
    host,
    port,
    username: u.username === '' ? undefined : decodeURIComponent(u.username),
    password: u.password === '' ? undefined : decodeURIComponent(u.password),
    db,
    job,
    address: `${host.includes(':') ? `[${host}]` : host}:${port}`,
  };
}

/** What a shard says about itself when it joins. */
/** What a shard adds to an interval for live fleet views: its live feed's counts and health. */
export interface ShardLive {
  counts: RequestCounts[] | undefined;
  health: WorkerHealth[];
}

export interface ShardMeta {
  count: number;
  intervalMs: number;
  thresholds: Threshold[];
  scenario: string;
  host: string;
  pid: number;
}

const TTL_S = 86_400;

export class FleetChannel {
  private readonly prefix: string;

  /** `lastError`: the connection's last error event (kept for messages; a "connection is closed" hides it). */
  private constructor(private readonly redis: Redis, readonly target: FleetTarget, private readonly lastError: { e: unknown }) {
    this.prefix = `fastbench:{${target.job}}:fleet:`;
  }

  /** Connects, or fails with ERR_FLEET_REDIS (before anything is sent). */
  static async connect(url: string, flag = '--fleet'): Promise<FleetChannel> {
    const t = parseFleetUrl(url, flag);
    const { redis, lastError } = await connectRedis(t, (e, last) => new FastbenchError('ERR_FLEET_REDIS', `cannot connect to Redis at ${t.address}: ${describeRedisError(e, last)}`, { cause: e }));
    return new FleetChannel(redis, t, lastError);
  }

  /** A Redis failure as the one error the fleet reports. */
  failure(e: unknown): FastbenchError {
    if (e instanceof FastbenchError) return e;
    return new FastbenchError('ERR_FLEET_REDIS', `Redis at ${this.target.address}: ${describeRedisError(e, this.lastError.e)}`, { cause: e });
  }

  private key(name: string): string {
    return this.prefix + name;
  }

  private async touch(...names: string[]): Promise<void> {
    await Promise.all(names.map((n) => this.redis.expire(this.key(n), TTL_S)));
  }

  async join(shard: number, meta: ShardMeta): Promise<void> {
    await this.redis.hset(this.key('meta'), String(shard), JSON.stringify(meta));
    await this.heartbeat(shard, 0);
    await this.touch('meta', 'hb');
  }

  async heartbeat(shard: number, seq: number): Promise<void> {
    await this.redis.hset(this.key('hb'), String(shard), `${Date.now()}-${seq}`);
  }

  async publishInterval(shard: number, t: number, startMs: number, point: SeriesPoint, requestPoints: Record<string, SeriesPoint>, live?: ShardLive): Promise<void> {
    const d = JSON.stringify({
      point,
      ...(Object.keys(requestPoints).length > 0 ? { requestPoints } : {}),
      ...(live?.counts !== undefined ? { counts: live.counts } : {}),
      ...(live !== undefined && live.health.length > 0 ? { health: live.health } : {}),
    });
    await this.redis.xadd(this.key('iv'), '*', 's', String(shard), 't', String(t), 'st', String(startMs), 'd', d);
    await this.touch('iv');
  }

  async publishFinal(shard: number, resultJson: string): Promise<void> {
    await this.redis.hset(this.key('final'), String(shard), resultJson);
    await this.touch('final', 'hb', 'meta');
  }

  /** Sets the fleet's abort reason unless one is set; returns the one that holds. */
  async abort(reason: string): Promise<string> {
    const ok = await this.redis.set(this.key('abort'), reason, 'EX', TTL_S, 'NX');
    return ok === 'OK' ? reason : ((await this.abortReason()) ?? reason);
  }

  async abortReason(): Promise<string | undefined> {
    return (await this.redis.get(this.key('abort'))) ?? undefined;
  }

  async metas(): Promise<Map<number, ShardMeta>> {
    const all = await this.redis.hgetall(this.key('meta'));
    return new Map(Object.entries(all).map(([k, v]) => [Number(k), JSON.parse(v) as ShardMeta]));
  }

  async heartbeats(): Promise<Map<number, string>> {
    const all = await this.redis.hgetall(this.key('hb'));
    return new Map(Object.entries(all).map(([k, v]) => [Number(k), v]));
  }

  /** Shards that have published their result. */
  async finalShards(): Promise<number[]> {
    return (await this.redis.hkeys(this.key('final'))).map(Number);
  }

  async finals(): Promise<Map<number, string>> {
    const all = await this.redis.hgetall(this.key('final'));
    return new Map(Object.entries(all).map(([k, v]) => [Number(k), v]));
  }

  /** Stream entries after `lastId` (at most `count`); returns them and the new last id. */
  async readIntervals(lastId: string, count = 500): Promise<{ reports: FleetReport[]; lastId: string }> {
    const res = await this.redis.xread('COUNT', count, 'STREAMS', this.key('iv'), lastId);
    const reports: FleetReport[] = [];
    let last = lastId;
    for (const [, entries] of res ?? []) {
      for (const [id, fields] of entries) {
        last = id;
        const f = new Map<string, string>();
        for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
        const d = JSON.parse(f.get('d') ?? '{}') as { point?: SeriesPoint; requestPoints?: Record<string, SeriesPoint>; counts?: RequestCounts[]; health?: WorkerHealth[] };
        if (d.point === undefined) continue;
        const st = f.get('st');
        reports.push({
          shard: Number(f.get('s')),
          t: Number(f.get('t')),
          point: d.point,
          ...(d.requestPoints !== undefined ? { requestPoints: d.requestPoints } : {}),
          ...(st !== undefined ? { startMs: Number(st) } : {}),
          ...(d.counts !== undefined ? { counts: d.counts } : {}),
          ...(d.health !== undefined ? { health: d.health } : {}),
        });
      }
    }
    return { reports, lastId: last };
  }

  close(): void {
    this.redis.disconnect();
  }
}
