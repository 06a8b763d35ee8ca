// Live progress of a run on stderr: a cli-progress bar when stderr is a terminal, one plain line
// per interval otherwise (CI logs), nothing with --quiet.
import cliProgress from 'cli-progress';
import type { RunProgress } from '../engine/index.js';

export interface ProgressSink {
  update(p: RunProgress): void;
  /** A message above the bar (e.g. "stopping..."). */
  note(text: string): void;
  stop(): void;
}

function seconds(ms: number): string {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(0)}s` : '?';
}

function p99(p: RunProgress): string {
  return p.p99Ms === undefined ? '-' : p.p99Ms >= 100 ? `${p.p99Ms.toFixed(0)}ms` : `${p.p99Ms.toFixed(2)}ms`;
}

/** "12s/30s  phase steady  1234 req/s  p99 3.21ms  errors 0" */
export function progressLine(p: RunProgress): string {
  const phase = p.warmup ? `${p.phase} (warmup)` : p.phase;
  return `${seconds(p.elapsedMs)}/${seconds(p.totalMs)}  ${phase}  ${p.rps} req/s  p99 ${p99(p)}  errors ${p.errors}`;
}

class LineSink implements ProgressSink {
  constructor(private readonly out: NodeJS.WritableStream) {}
  update(p: RunProgress): void {
    this.out.write(progressLine(p) + '\n');
  }
  note(text: string): void {
    this.out.write(text + '\n');
  }
  stop(): void {}
}

class BarSink implements ProgressSink {
  private readonly bar: cliProgress.SingleBar;
  private started = false;

  constructor(private readonly out: NodeJS.WriteStream, private readonly totalMs: number) {
    this.bar = new cliProgress.SingleBar(
      {
        stream: out,
        format: '{bar} {elapsed}/{total_s}  {phase}  {rps} req/s  p99 {p99}  errors {errors}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        fps: 4,
        noTTYOutput: false,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(p: RunProgress): void {
    const total = Number.isFinite(this.totalMs) ? Math.max(1, Math.round(this.totalMs / 1000)) : 1;
    const value = Number.isFinite(this.totalMs) ? Math.min(total, Math.round(p.elapsedMs / 1000)) : 0;
    const payload = {
      elapsed: seconds(p.elapsedMs),
      total_s: seconds(this.totalMs),
      phase: p.warmup ? `${p.phase} (warmup)` : p.phase,
      rps: p.rps,
      p99: p99(p),
      errors: p.errors,
    };
    if (!this.started) {
      this.started = true;
      this.bar.start(total, value, payload);
    } else {
      this.bar.update(value, payload);
    }
  }

  note(text: string): void {
    if (this.started) {
      this.out.write('\r\x1b[K' + text + '\n');
      this.bar.render();
    } else {
      this.out.write(text + '\n');
    }
  }

  stop(): void {
    if (this.started) this.bar.stop();
  }
}

class QuietSink implements ProgressSink {
  update(): void {}
  note(): void {}
  stop(): void {}
}

/** The right sink for this process: bar on a TTY, lines otherwise, nothing when quiet. */
export function createProgress(options: { quiet?: boolean; totalMs: number; stream?: NodeJS.WriteStream }): ProgressSink {
  const out = options.stream ?? process.stderr;
  if (options.quiet === true) return new QuietSink();
  if (out.isTTY === true) return new BarSink(out, options.totalMs);
  return new LineSink(out);
}
