// Watches the thread a load loop runs on: event-loop delay (how late timers fire), event-loop
// utilization (the share of time the loop was busy) and, where Node can tell, this thread's CPU
// time. One per load worker; its sample travels back with the worker's results.
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';

export interface MonitorSample {
  /** Event-loop delay percentiles over the run, ms. */
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  /** Delay samples taken (one per 10 ms of run). */
  delaySamples: number;
  /** Share of wall time the event loop was busy, 0..1. */
  utilization: number;
  /** CPU time of this thread (or of the process where per-thread figures are unavailable) per wall second. */
  cpu: number;
  /** Whether `cpu` is this thread's own (false: the whole process). */
  cpuPerThread: boolean;
  wallMs: number;
}

type ThreadCpu = () => NodeJS.CpuUsage;

function threadCpuUsage(): ThreadCpu | undefined {
  const f = (process as unknown as { threadCpuUsage?: ThreadCpu }).threadCpuUsage;
  return typeof f === 'function' ? f.bind(process) : undefined;
}

/** The delay monitor's timer period, ms. Its samples include this period: it is subtracted. */
const RESOLUTION_MS = 10;

export class GeneratorMonitor {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private elu: EventLoopUtilization | undefined;
  private cpu: NodeJS.CpuUsage | undefined;
  private wall = 0;
  private readonly threadCpu = threadCpuUsage();

  start(): void {
    this.delay.enable();
    this.elu = performance.eventLoopUtilization();
    this.cpu = this.threadCpu !== undefined ? this.threadCpu() : process.cpuUsage();
    this.wall = performance.now();
  }

  stop(): MonitorSample {
    this.delay.disable();
    const wallMs = performance.now() - this.wall;
    const elu = performance.eventLoopUtilization(this.elu);
    const now = this.threadCpu !== undefined ? this.threadCpu() : process.cpuUsage();
    const usedUs = now.user - (this.cpu?.user ?? 0) + now.system - (this.cpu?.system ?? 0);
    const ms = (ns: number): number => Math.max(0, Math.round(ns / 1e3 - RESOLUTION_MS * 1e3) / 1e3);
    const d = this.delay;
    const has = d.count > 0;
    return {
      delayP50Ms: has ? ms(d.percentile(50)) : 0,
      delayP99Ms: has ? ms(d.percentile(99)) : 0,
      delayMaxMs: has ? ms(d.max) : 0,
      delaySamples: d.count,
      utilization: Math.round(elu.utilization * 1000) / 1000,
      cpu: wallMs > 0 ? Math.round((usedUs / 1000 / wallMs) * 1000) / 1000 : 0,
      cpuPerThread: this.threadCpu !== undefined,
      wallMs: Math.round(wallMs),
    };
  }
}
