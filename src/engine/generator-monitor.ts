// Watches the thread a load loop runs on: event-loop delay (how late timers fire), event-loop
// utilization (the share of time the loop was busy) and, where Node can tell, this thread's CPU
// time. One per load worker; its sample travels back with the worker's results.
//
// Event-loop delay is measured by our own sampler, not perf_hooks.monitorEventLoopDelay: that one
// records ONE sample per timer fire, so a 24 s stall among 600 ordinary 10 ms ticks is one sample
// in 601 and its p99 reads ~0 ms — the monitor itself suffered coordinated omission. Ours does
// what HdrHistogram's recordValueWithExpectedInterval does: a timer due every RESOLUTION_MS that
// fires D ms late also records the delays the ticks it swallowed would have seen (D - 10, D - 20,
// …, down to one period), so the histogram is time-weighted: its p99 is "for 99% of the run, a
// timer due then would have fired within p99 ms", and one stall of S ms shows up as a max of S and
// as ~S/10 samples. A stall still under way when the monitor stops is recorded too (stop() takes
// a last sample). The delay samples are only as fine as the period (10 ms): stalls shorter than
// that blur into the ordinary jitter; the judge's limits are far above it.
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { LatencyHistogram } from '../metrics/histogram.js';

export interface MonitorSample {
  /** Event-loop delay percentiles over the run, time-weighted (see above), ms. */
  delayP50Ms: number;
  delayP99Ms: number;
  /** The longest stall: how late the most delayed timer fired, ms. */
  delayMaxMs: number;
  /** Delay samples (one per period of run, stalls included). */
  delaySamples: number;
  /** Share of wall time the event loop was busy, 0..1. */
  utilization: number;
  /** CPU time of this thread (or of the process where per-thread figures are unavailable) per wall second. */
  cpu: number;
  /** Whether `cpu` is this thread's own (false: the whole process). */
  cpuPerThread: boolean;
  /** Wall time monitored (the measured phases and the drain), ms. */
  wallMs: number;
}

type ThreadCpu = () => NodeJS.CpuUsage;

function threadCpuUsage(): ThreadCpu | undefined {
  const f = (process as unknown as { threadCpuUsage?: ThreadCpu }).threadCpuUsage;
  return typeof f === 'function' ? f.bind(process) : undefined;
}

/** The delay sampler's timer period, ms. */
export const RESOLUTION_MS = 10;

/**
 * Time-weighted event-loop delay from the instants a periodic timer actually fired. Pure: the
 * caller supplies the instants (the monitor's timer, or a test's clock).
 */
export class LoopDelaySampler {
  /** Delays, µs. */
  readonly histogram = LatencyHistogram.create();
  private last = 0;

  constructor(readonly periodMs = RESOLUTION_MS) {}

  /** The timer was (re)armed at `now`: its next fire is due at now + period. */
  begin(now: number): void {
    this.histogram.reset();
    this.last = now;
  }

  /** The timer fired at `now` (and is re-armed from now, as Node's setInterval does). */
  fired(now: number): void {
    const delay = now - this.last - this.periodMs;
    this.last = now;
    this.record(delay);
  }

  /**
   * The monitor stops at `now`: a fire overdue by more than a period (the loop is only now
   * coming back from a stall) is recorded as if it had fired now; a tick not yet due records nothing.
   */
  end(now: number): void {
    const delay = now - this.last - this.periodMs;
    this.last = now;
    if (delay >= this.periodMs) this.record(delay);
  }

  private record(delayMs: number): void {
    const h = this.histogram;
    const d = delayMs > 0 ? delayMs : 0;
    h.record(Math.round(d * 1000));
    // The ticks this stall swallowed: each would have fired late by a period less.
    for (let missing = d - this.periodMs; missing > 0; missing -= this.periodMs) h.record(Math.round(missing * 1000));
  }

  get count(): number {
    return this.histogram.count;
  }

  /** Percentile p of the delay, ms (0 when nothing was sampled). */
  percentileMs(p: number): number {
    return this.histogram.count > 0 ? this.histogram.percentile(p) / 1000 : 0;
  }

  get maxMs(): number {
    return this.histogram.count > 0 ? this.histogram.max / 1000 : 0;
  }
}

export class GeneratorMonitor {
  private readonly sampler = new LoopDelaySampler(RESOLUTION_MS);
  private timer: NodeJS.Timeout | undefined;
  private elu: EventLoopUtilization | undefined;
  private cpu: NodeJS.CpuUsage | undefined;
  private wall = 0;
  private readonly threadCpu = threadCpuUsage();

  /** Starts (or restarts, forgetting everything: at the first measured phase) the monitoring. */
  start(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    const now = performance.now();
    this.sampler.begin(now);
    this.timer = setInterval(() => this.sampler.fired(performance.now()), RESOLUTION_MS);
    this.timer.unref();
    this.elu = performance.eventLoopUtilization();
    this.cpu = this.threadCpu !== undefined ? this.threadCpu() : process.cpuUsage();
    this.wall = now;
  }

  stop(): MonitorSample {
    const end = performance.now();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.sampler.end(end);
    const wallMs = end - this.wall;
    const elu = performance.eventLoopUtilization(this.elu);
    const now = this.threadCpu !== undefined ? this.threadCpu() : process.cpuUsage();
    const usedUs = now.user - (this.cpu?.user ?? 0) + now.system - (this.cpu?.system ?? 0);
    const ms = (x: number): number => Math.round(x * 1000) / 1000;
    const d = this.sampler;
    return {
      delayP50Ms: ms(d.percentileMs(50)),
      delayP99Ms: ms(d.percentileMs(99)),
      delayMaxMs: ms(d.maxMs),
      delaySamples: d.count,
      utilization: Math.round(elu.utilization * 1000) / 1000,
      cpu: wallMs > 0 ? Math.round((usedUs / 1000 / wallMs) * 1000) / 1000 : 0,
      cpuPerThread: this.threadCpu !== undefined,
      wallMs: Math.round(wallMs),
    };
  }
}
