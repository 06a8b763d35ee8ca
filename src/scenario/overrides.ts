// Command-line overrides (`fastbench run scenario.yaml -d 10s -c 50 -R 2000 -w 4`), applied to a
// loaded scenario. Warmup phases keep their own duration and rate.
//   duration     every measured phase lasts this long (ramps and stairs are stretched to fit)
//   connections  every closed phase's connections, every open phase's connection cap, client.connections
//   rate         every measured phase becomes open at this constant rate (req/s)
//   workers      client.workers
//   maxResponseBodySize  client.maxResponseBodySize (--max-body), bytes
//   interval     the measurement interval (`interval:`), 100ms..10s
//   protocol     client.protocol (--http2 / --http1.1)
//   seed         `seed:` (--seed)
//   tls          merged over client.tls (--cacert, --cert, --key, ...: net-flags.ts)
//   proxy, noProxy, proxyEnv   client.proxy's url, noProxy and environment (-x, --noproxy, http_proxy...)
import { FastbenchError } from '../core/errors.js';
import { parseDuration } from '../core/units.js';
import { phaseConnections } from './load-phases.js';
import { cumulativeSends } from './rate-schedule.js';
import type { OpenPhase, Phase, RateSegment, Scenario } from './scenario.js';
import { type ProxyConfig, type TlsSettings, mergeTls } from './net-settings.js';

export interface ScenarioOverrides {
  /** A duration string ("30s") or ms. */
  readonly duration?: string | number | undefined;
  readonly connections?: number | undefined;
  /** Requests per second. */
  readonly rate?: number | undefined;
  readonly workers?: number | 'auto' | undefined;
  /** Bytes. */
  readonly maxResponseBodySize?: number | undefined;
  /** Measurement interval: a duration string ("250ms") or ms. */
  readonly interval?: string | number | undefined;
  /** client.protocol. */
  readonly protocol?: 'auto' | 'http1' | 'h2' | undefined;
  /** client.insecure (`run -k`, issue 15). */
  readonly insecure?: boolean | undefined;
  /** `seed:` (run --seed): think times, flow picks and random data rows repeat. */
  readonly seed?: number | undefined;
  /** Merged over client.tls (key by key). */
  readonly tls?: TlsSettings | undefined;
  /** client.proxy.url (-x). */
  readonly proxy?: string | undefined;
  /** client.proxy.noProxy (--noproxy). */
  readonly noProxy?: string | undefined;
  /** client.proxy.env: the proxy variables of the environment. */
  readonly proxyEnv?: Readonly<Record<string, string>> | undefined;
}

export const MIN_INTERVAL_MS = 100;
export const MAX_INTERVAL_MS = 10_000;

/** Why an interval length is not allowed, or undefined when it is. */
export function intervalProblem(ms: number): string | undefined {
  if (!(ms >= MIN_INTERVAL_MS && ms <= MAX_INTERVAL_MS)) return `${ms} ms is outside ${MIN_INTERVAL_MS}ms..${MAX_INTERVAL_MS / 1000}s`;
  if (!Number.isInteger(ms)) return `${ms} ms is not a whole number of milliseconds`;
  return undefined;
}

/** Returns a new Scenario with the overrides applied; throws ERR_USAGE_* on bad values. */
export function applyOverrides(s: Scenario, o: ScenarioOverrides): Scenario {
  const durationMs = o.duration === undefined ? undefined : checkDuration(o.duration);
  const connections = o.connections === undefined ? undefined : checkInt('connections', o.connections);
  const workers = o.workers === undefined || o.workers === 'auto' ? o.workers : checkInt('workers', o.workers);
  const intervalMs = o.interval === undefined ? undefined : checkInterval(o.interval);
  if (o.rate !== undefined && !(Number.isFinite(o.rate) && o.rate > 0)) {
    throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--rate must be a positive number of requests per second, got ${o.rate}`);
  }
  const phases = s.phases.map((p): Phase => {
    let q: Phase = p;
    if (connections !== undefined) {
      q = q.model === 'closed' ? { ...q, connections } : { ...q, maxConnections: connections };
    }
    if (q.warmup) return q;
    if (o.rate !== undefined) q = toConstantRate(q, o.rate);
    if (durationMs !== undefined) q = withDuration(q, durationMs);
    return q;
  });
  const client = {
    ...s.client,
    ...(connections !== undefined ? { connections } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(o.maxResponseBodySize !== undefined ? { maxResponseBodySize: checkInt('max-body', o.maxResponseBodySize) } : {}),
    ...(o.protocol !== undefined ? { protocol: o.protocol } : {}),
    ...(o.insecure === true ? { insecure: true } : {}),
    ...netOverrides(s, o),
  };
  if (o.seed !== undefined && !(Number.isSafeInteger(o.seed) && o.seed >= 0)) {
    throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--seed must be a whole number >= 0, got ${o.seed}`);
  }
  return { ...s, client, phases, ...(intervalMs !== undefined ? { intervalMs } : {}), ...(o.seed !== undefined ? { seed: o.seed } : {}) };
}

/** client.tls and client.proxy after the overrides (only the keys that change). */
function netOverrides(s: Scenario, o: ScenarioOverrides): { tls?: TlsSettings; proxy?: ProxyConfig } {
  const tls = o.tls !== undefined ? mergeTls(s.client.tls, o.tls) : undefined;
  const changes = o.proxy !== undefined || o.noProxy !== undefined || (o.proxyEnv !== undefined && Object.keys(o.proxyEnv).length > 0);
  const p = s.client.proxy;
  const proxy: ProxyConfig | undefined = changes
    ? {
        ...(p ?? {}),
        ...(o.proxy !== undefined ? { url: o.proxy } : {}),
        ...(o.noProxy !== undefined ? { noProxy: o.noProxy } : {}),
        ...(o.proxyEnv !== undefined && Object.keys(o.proxyEnv).length > 0 ? { env: o.proxyEnv } : {}),
      }
    : undefined;
  return { ...(tls !== undefined ? { tls } : {}), ...(proxy !== undefined ? { proxy } : {}) };
}

function checkInterval(d: string | number): number {
  const ms = typeof d === 'number' ? d : parseDuration(d);
  const why = ms === undefined ? 'not a duration (use 250ms, 1s)' : intervalProblem(ms);
  if (why !== undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--interval ${JSON.stringify(d)}: ${why}`);
  return ms!;
}

function toConstantRate(p: Phase, rate: number): OpenPhase {
  const segments: RateSegment[] = [{ startMs: 0, endMs: p.durationMs ?? Infinity, from: rate, to: rate }];
  const { index, name, warmup, durationMs, iterations, requests, pos } = p;
  return {
    index,
    name,
    warmup,
    durationMs,
    iterations,
    requests,
    pos,
    model: 'open',
    shape: 'constant',
    segments,
    cumulative: cumulativeSends(segments),
    maxConnections: phaseConnections(p),
  };
}

function withDuration(p: Phase, ms: number): Phase {
  if (p.model !== 'open') return { ...p, durationMs: ms };
  const old = p.segments[p.segments.length - 1]!.endMs;
  const segments: RateSegment[] =
    old === Infinity
      ? p.segments.map((seg, i) => (i === p.segments.length - 1 ? { ...seg, endMs: ms } : seg)).filter((seg) => seg.startMs < ms)
      : p.segments.map((seg) => ({ ...seg, startMs: (seg.startMs * ms) / old, endMs: (seg.endMs * ms) / old }));
  return { ...p, durationMs: ms, segments, cumulative: cumulativeSends(segments) };
}

function checkDuration(d: string | number): number {
  const ms = typeof d === 'number' ? d : parseDuration(d);
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) {
    throw new FastbenchError('ERR_USAGE_BAD_DURATION', `--duration: ${JSON.stringify(d)} is not a duration (use 500ms, 10s, 2m, 1m30s)`);
  }
  return ms;
}

function checkInt(what: string, n: number): number {
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--${what} must be a positive integer, got ${n}`);
  }
  return n;
}
