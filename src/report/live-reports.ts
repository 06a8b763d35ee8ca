// Report files refreshed during a long run (hyperfine's intermediate exports are the model): the
// engine hands over each closed interval's points (RunOptions.onInterval), a RunningSnapshot adds
// them up, and every `everyMs` of measured time the run so far goes to ReportWriter.update —
// written atomically, marked `partial: true`, over the same files the final result then replaces.
// So a crash, a kill -9 or a CI timeout in the middle of a long run still leaves a report.
// The time counted is the intervals' own lengths, not the wall clock: a test drives it with points.
import { createRequire } from 'node:module';
import { detectEnvironment } from '../metrics/environment.js';
import { buildRunResult, type RunEnvironment, type RunResult } from '../metrics/run-result.js';
import { RunningSnapshot } from '../metrics/running-snapshot.js';
import type { SeriesPoint } from '../metrics/series.js';
import type { ReportWriter } from './report-writer.js';

/** How often report files are refreshed during a run, ms of measured time. */
export const LIVE_REPORT_EVERY_MS = 10_000;

export interface LiveReportsOptions {
  scenario: string;
  /** Default: this machine (detectEnvironment). */
  environment?: RunEnvironment;
  /** Epoch ms the measured run started; default: when the first interval began, by the clock. */
  startMs?: number;
  /** Refresh after this much measured time, ms; default LIVE_REPORT_EVERY_MS. */
  everyMs?: number;
}

function packageVersion(): string {
  try {
    // src/report/ and dist/report/ both sit two levels below the package root.
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export class LiveReports {
  private readonly running = new RunningSnapshot();
  private startMs: number | undefined;
  private environment: RunEnvironment | undefined;
  private measuredMs = 0;
  private sinceWriteMs = 0;
  private readonly everyMs: number;

  constructor(private readonly writer: ReportWriter, private readonly options: LiveReportsOptions) {
    this.everyMs = options.everyMs ?? LIVE_REPORT_EVERY_MS;
    this.startMs = options.startMs;
    this.environment = options.environment;
  }

  /** One closed interval: each worker's point (measured intervals only). */
  onInterval(points: readonly SeriesPoint[]): void {
    if (points.length === 0) return;
    let ms = 0;
    for (const p of points) {
      this.running.add(p);
      if (p.ms > ms) ms = p.ms;
    }
    this.startMs ??= Date.now() - ms;
    this.measuredMs += ms;
    this.sinceWriteMs += ms;
    if (this.sinceWriteMs < this.everyMs) return;
    this.sinceWriteMs = 0;
    this.writer.update(this.result());
  }

  /** The run so far, marked partial. */
  result(): RunResult {
    const startMs = this.startMs ?? Date.now();
    this.environment ??= detectEnvironment(packageVersion());
    const snapshot = this.running.snapshot(startMs, startMs + this.measuredMs);
    const r = buildRunResult(snapshot, { scenario: this.options.scenario, environment: this.environment, durationMs: this.measuredMs });
    r.partial = true;
    return r;
  }
}
