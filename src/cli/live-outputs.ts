// The live outputs of a run — `--dashboard[=host:port]`, `--prometheus[=host:port]`, `--otlp URL` —
// started before the first request (a port that cannot be had refuses the run: exit 2, nothing
// sent), fed by the engine's live feed once per closed interval (RunOptions.onLive), finished with
// the final result. Nothing of them is loaded unless a flag asks: the modules, prom-client and the
// OpenTelemetry SDK are imported dynamically here, and without a flag (or --fleet, whose shards
// publish the counts for a watcher's dashboard) the engine's workers compute no live counts at all.
import type { Command } from 'commander';
import { FastbenchError } from '../core/errors.js';
import type { LiveInterval } from '../metrics/live-interval.js';
import type { RunResult } from '../metrics/run-result.js';
import type { LiveDashboard } from '../report/live-dashboard.js';
import type { OtlpOutput } from '../report/live-otlp.js';
import type { PrometheusOutput } from '../report/live-prometheus.js';
import type { LiveState } from '../report/live-state.js';
import type { RequestCounts } from '../metrics/live-interval.js';
import type { Phase } from '../scenario/index.js';
import { parseDurationFlag } from './flags.js';

/** The flags as commander hands them over (`true`: given without a value). */
export interface LiveFlags {
  dashboard?: string | boolean;
  dashboardKeep?: boolean;
  prometheus?: string | boolean;
  prometheusHold?: string;
  otlp?: string;
}

/** Adds the live-output flags to run, bench and crawl. */
export function addLiveOptions(cmd: Command): Command {
  return cmd
    .option('--dashboard [host:port]', 'serve a live dashboard of the run (default 127.0.0.1:5665; port 0 picks a free one); it becomes the final report when the run ends')
    .option('--dashboard-keep', 'keep the dashboard up after the run ended, until Ctrl-C (default: it closes once watching pages fetched the report)')
    .option('--prometheus [host:port]', 'expose the run\'s metrics on /metrics for Prometheus (default 127.0.0.1:9464)')
    .option('--prometheus-hold <duration>', 'after the run, keep /metrics up until one scrape read the final values, at most this long', '15s')
    .option('--otlp <url>', 'push the run\'s metrics to an OpenTelemetry collector over OTLP/HTTP (e.g. http://127.0.0.1:4318)');
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** `host:port`, `:port`, `port`, `[::1]:port` or `host` (with the default port). Throws ERR_USAGE_BAD_OPTION. */
export function parseListenAddress(value: string | boolean | undefined, flag: string, defaultPort: number): ListenAddress {
  const fallback = { host: '127.0.0.1', port: defaultPort };
  if (value === undefined || value === true || value === false) return fallback;
  const text = value.trim();
  const bad = (): FastbenchError => new FastbenchError('ERR_USAGE_BAD_OPTION', `${flag}=${value}: expected host:port, :port or a port (0..65535), e.g. 127.0.0.1:${defaultPort}`);
  let host = fallback.host;
  let portText: string | undefined = text;
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(text);
  if (v6 !== null) {
    host = v6[1]!;
    portText = v6[2];
  } else if (text.includes(':')) {
    const i = text.lastIndexOf(':');
    host = text.slice(0, i) || fallback.host;
    portText = text.slice(i + 1);
    if (host.includes(':')) throw bad();
  } else if (!/^\d+$/.test(text)) {
    host = text;
    portText = undefined;
  }
  if (host === '' || /\s/.test(host)) throw bad();
  if (portText === undefined || portText === '') return { host, port: defaultPort };
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw bad();
  return { host, port: Number(portText) };
}

/** Something given: live outputs are wanted. */
export function wantsLive(f: LiveFlags): boolean {
  return (f.dashboard !== undefined && f.dashboard !== false) || (f.prometheus !== undefined && f.prometheus !== false) || f.otlp !== undefined;
}

export interface LiveContext {
  /** What the outputs call the run (the scenario's name; `crawl` …). */
  name: string;
  /** The scenario's phases (open ones give the target rate); none for a crawl. */
  phases: readonly Phase[];
  /** The interval the feed comes at, ms (OTLP exports as often). */
  intervalMs: number;
  /** A shard's index and count: labels, and its share of the target rate. */
  shard?: { index: number; count: number };
  quiet?: boolean;
  /** A line the dashboard page shows under its title (what this live view does not carry). */
  note?: string;
  /** Where the outputs' addresses are printed; default stderr (even with -q: they are what the flags are for). */
  print?: (line: string) => void;
}

export interface LiveUrls {
  dashboard?: string;
  prometheus?: string;
  otlp?: string;
}

/** The running live outputs of one run. */
export class LiveOutputs {
  private warned = false;

  private constructor(
    private readonly state: LiveState,
    private readonly dashboard: LiveDashboard | undefined,
    private readonly prometheus: PrometheusOutput | undefined,
    private readonly otlp: OtlpOutput | undefined,
    private readonly keep: boolean,
    private readonly quiet: boolean,
    /** Where each output listens or pushes. */
    readonly urls: LiveUrls,
  ) {}

  /** Checks the flags (usage errors thrown), then starts what they ask for; undefined when none. */
  static async start(flags: LiveFlags, ctx: LiveContext): Promise<LiveOutputs | undefined> {
    if (flags.dashboardKeep === true && (flags.dashboard === undefined || flags.dashboard === false)) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--dashboard-keep needs --dashboard');
    if (!wantsLive(flags)) return undefined;
    const dashAt = flags.dashboard !== undefined && flags.dashboard !== false ? parseListenAddress(flags.dashboard, '--dashboard', 5665) : undefined;
    const promAt = flags.prometheus !== undefined && flags.prometheus !== false ? parseListenAddress(flags.prometheus, '--prometheus', 9464) : undefined;
    const holdMs = flags.prometheusHold !== undefined ? parseDurationFlag(flags.prometheusHold, '--prometheus-hold', { allowZero: true }) : undefined;
    const { LiveState } = await import('../report/live-state.js');
    const state = new LiveState({
      scenario: ctx.name,
      phases: ctx.phases,
      ...(ctx.shard !== undefined ? { rateShare: 1 / ctx.shard.count } : {}),
      ...(ctx.note !== undefined ? { note: ctx.note } : {}),
    });
    const labels: Record<string, string> = { scenario: ctx.name, ...(ctx.shard !== undefined ? { shard: `${ctx.shard.index}/${ctx.shard.count}` } : {}) };
    const urls: LiveUrls = {};
    const say = ctx.print ?? ((line: string): void => void process.stderr.write(`${line}\n`));
    let dashboard: LiveDashboard | undefined;
    let prometheus: PrometheusOutput | undefined;
    let otlp: OtlpOutput | undefined;
    try {
      if (flags.otlp !== undefined) {
        const { OtlpOutput, otlpMetricsUrl } = await import('../report/live-otlp.js');
        otlpMetricsUrl(flags.otlp); // a bad URL is a usage error before anything listens
        otlp = new OtlpOutput(state, {
          url: flags.otlp,
          intervalMs: ctx.intervalMs,
          attributes: Object.fromEntries(Object.entries(labels).map(([k, v]) => [`fastbench.${k}`, v])),
          warn: (line) => process.stderr.write(`${line}\n`),
        });
      }
      if (dashAt !== undefined) {
        const { LiveDashboard } = await import('../report/live-dashboard.js');
        dashboard = new LiveDashboard(state, dashAt);
        urls.dashboard = await dashboard.start();
        say(`dashboard: ${urls.dashboard}`);
      }
      if (promAt !== undefined) {
        const { PrometheusOutput } = await import('../report/live-prometheus.js');
        prometheus = new PrometheusOutput(state, { ...promAt, labels, ...(holdMs !== undefined ? { holdMs } : {}) });
        urls.prometheus = await prometheus.start();
        say(`prometheus: ${urls.prometheus}`);
      }
      if (otlp !== undefined) {
        urls.otlp = await otlp.start();
        say(`otlp: pushing to ${urls.otlp}`);
      }
    } catch (e) {
      await Promise.all([dashboard?.close(), prometheus?.close(), otlp?.close()]);
      throw e;
    }
    return new LiveOutputs(state, dashboard, prometheus, otlp, flags.dashboardKeep === true, ctx.quiet === true, urls);
  }

  /** One closed interval from the engine (RunOptions.onLive). Never throws into the run. */
  onLive(i: LiveInterval): void {
    try {
      const row = this.state.add(i);
      this.dashboard?.push(row);
    } catch (e) {
      if (this.warned) return;
      this.warned = true;
      process.stderr.write(`warning[ERR_LIVE_EXPORT]: live outputs stopped updating: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }

  /**
   * The run ended: the final counts everywhere, the dashboard turns into the report, /metrics
   * waits for its last scrape, OTLP flushes. Then everything closes, but a kept dashboard.
   */
  async finish(result: RunResult): Promise<void> {
    this.state.finish(result);
    this.dashboard?.finish(result);
    await this.settle();
  }

  /** A run without a RunResult (a crawl) ended: its final counts, and the page its dashboard turns into. */
  async finishWith(counts: RequestCounts[], html: string): Promise<void> {
    this.state.end(counts);
    this.dashboard?.finish({ html });
    await this.settle();
  }

  private async settle(): Promise<void> {
    await Promise.all([this.prometheus?.finish(this.quiet ? undefined : (line) => process.stderr.write(`${line}\n`)), this.otlp?.finish(), this.keep ? undefined : this.dashboard?.settle()]);
    if (!this.keep) await this.dashboard?.close();
  }

  /** With --dashboard-keep: waits for SIGINT/SIGTERM, then closes the dashboard. */
  async linger(): Promise<void> {
    if (!this.keep || this.dashboard === undefined) return;
    process.stderr.write('dashboard: the run ended; its report stays served until Ctrl-C\n');
    await new Promise<void>((resolve) => {
      const done = (): void => {
        process.off('SIGINT', done);
        process.off('SIGTERM', done);
        resolve();
      };
      process.on('SIGINT', done);
      process.on('SIGTERM', done);
    });
    await this.dashboard.close();
  }

  /** Stops everything at once (the run failed or was refused). */
  async close(): Promise<void> {
    await Promise.all([this.dashboard?.close(), this.prometheus?.close(), this.otlp?.close()]);
  }
}
