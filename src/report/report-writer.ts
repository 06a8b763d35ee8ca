// The report manager: fans one RunResult out to the chosen formats, one file each, every file
// written atomically (temp file in the same directory + rename), so a reader — or a Ctrl-C in the
// middle of a write — never sees half a report. Callable again and again with intermediate
// results: the default directory is derived from the result (scenario + start time), so every
// rewrite lands on the same files. ReportWriter serialises rewrites and coalesces the ones that
// pile up while a write is in flight (only the newest result is written next).
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { FastbenchError } from '../core/errors.js';
import type { RunResult } from '../metrics/run-result.js';
import { describeErrno, makeDir, makeDirSync } from './out-dir.js';
import { renderReport, reportEncoder, type ReportFormat } from './report-formats.js';

// The format table is report-formats.ts; re-exported for the commands that write reports.
export { describeFormats, parseFormats, REPORT_ENCODERS, REPORT_FILE_NAMES, REPORT_FORMATS, renderReport, type ReportFormat } from './report-formats.js';

/** Where report directories go when no --out names one. */
export const DEFAULT_REPORTS_BASE = 'reports';

/** `<base>/<scenario>-<UTC start time>`, e.g. reports/checkout-20250101-093000. */
export function defaultOutDir(result: RunResult, base = DEFAULT_REPORTS_BASE): string {
  const slug = result.scenario.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '').slice(0, 60) || 'run';
  const d = new Date(result.startTime);
  const stamp = Number.isNaN(d.getTime())
    ? 'unknown-time'
    : d.toISOString().replace(/\.\d+Z$/, '').replace(/[-:]/g, '').replace('T', '-');
  return join(base, `${slug}-${stamp}`);
}

export interface WriteReportsOptions {
  /** Default defaultOutDir(result). Created when missing. */
  outDir?: string;
  formats: readonly ReportFormat[];
}

export interface WrittenReport {
  format: ReportFormat;
  path: string;
}

let tempCounter = 0;

function tempName(path: string): string {
  tempCounter = (tempCounter + 1) % 1_000_000;
  return `${path}.${process.pid}.${tempCounter}.tmp`;
}

function writeError(path: string, e: unknown): FastbenchError {
  return new FastbenchError('ERR_REPORT_WRITE', `cannot write ${path}: ${describeErrno(e)}`, { cause: e });
}

function plan(result: RunResult, options: WriteReportsOptions): { dir: string; files: Array<WrittenReport & { text: string }> } {
  const dir = options.outDir ?? defaultOutDir(result);
  // Render everything first: a renderer failure leaves every file as it was.
  const files = options.formats.map((format) => ({ format, path: join(dir, reportEncoder(format).file), text: renderReport(format, result) }));
  return { dir, files };
}

async function writeFiles(result: RunResult, options: WriteReportsOptions, wanted: () => boolean): Promise<WrittenReport[]> {
  const { dir, files } = plan(result, options);
  try {
    await makeDir(dir); // never Node's recursive mkdir: it spins forever on /proc/x
  } catch (e) {
    throw writeError(dir, e);
  }
  const written: WrittenReport[] = [];
  for (const f of files) {
    const tmp = tempName(f.path);
    try {
      await writeFile(tmp, f.text);
      // A newer (final) result may have been written meanwhile: never rename an older one over it.
      if (!wanted()) {
        await unlink(tmp);
        break;
      }
      await rename(tmp, f.path);
      written.push({ format: f.format, path: f.path });
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw writeError(f.path, e);
    }
  }
  return written;
}

/** Write one file atomically (temp + rename in its directory, created when missing). Throws ERR_REPORT_WRITE. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  try {
    await makeDir(dirname(path));
  } catch (e) {
    throw writeError(dirname(path), e);
  }
  const tmp = tempName(path);
  try {
    await writeFile(tmp, text);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw writeError(path, e);
  }
}

/** Write the reports; resolves to the paths written. Throws ERR_REPORT_WRITE. */
export function writeReports(result: RunResult, options: WriteReportsOptions): Promise<WrittenReport[]> {
  return writeFiles(result, options, () => true);
}

/** The same, synchronously: for exit paths (a SIGINT handler) where nothing async will run. */
export function writeReportsSync(result: RunResult, options: WriteReportsOptions): WrittenReport[] {
  const { dir, files } = plan(result, options);
  try {
    makeDirSync(dir);
  } catch (e) {
    throw writeError(dir, e);
  }
  for (const f of files) {
    const tmp = tempName(f.path);
    try {
      writeFileSync(tmp, f.text);
      renameSync(tmp, f.path);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // the temp file was never created
      }
      throw writeError(f.path, e);
    }
  }
  return files.map(({ format, path }) => ({ format, path }));
}

export interface ReportWriterOptions {
  formats: readonly ReportFormat[];
  /**
   * The directory, or how to name it from a result; default defaultOutDir(result). Settled by the
   * first write, so intermediate and final results land on the same files.
   */
  outDir?: string | ((result: RunResult) => string);
}

/**
 * Keeps one run's report files up to date: update(result) on each intermediate result (LiveReports
 * calls it on the engine's intervals), final(result) (or finalSync on an exit path) at the end.
 * Writes never overlap; results that arrive while a write is running are coalesced; once the final
 * result is written no older one replaces it.
 */
export class ReportWriter {
  private running: Promise<void> | undefined;
  private pending: RunResult | undefined;
  private finished = false;
  private lastError: unknown;
  private dir: string | undefined;

  constructor(private readonly options: ReportWriterOptions) {}

  /** Queue an intermediate result (ignored after final). Write errors are kept in `error`. */
  update(result: RunResult): void {
    if (this.finished) return;
    this.pending = result;
    this.running ??= this.drain();
  }

  /** Write the final result once any write in flight has stopped; resolves to the paths written. */
  async final(result: RunResult): Promise<WrittenReport[]> {
    this.finished = true;
    this.pending = undefined;
    if (this.running !== undefined) await this.running;
    return writeReports(result, this.optionsFor(result));
  }

  /** The final result, synchronously (exit paths). An intermediate write in flight renames nothing after it. */
  finalSync(result: RunResult): WrittenReport[] {
    this.finished = true;
    this.pending = undefined;
    return writeReportsSync(result, this.optionsFor(result));
  }

  /** Resolves once no intermediate write is in flight or queued. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  /** The error of the last intermediate write, if it failed. */
  get error(): unknown {
    return this.lastError;
  }

  private optionsFor(result: RunResult): WriteReportsOptions {
    const o = this.options.outDir;
    this.dir ??= typeof o === 'string' ? o : o !== undefined ? o(result) : defaultOutDir(result);
    return { formats: this.options.formats, outDir: this.dir };
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending !== undefined && !this.finished) {
        const next = this.pending;
        this.pending = undefined;
        try {
          await writeFiles(next, this.optionsFor(next), () => !this.finished);
          this.lastError = undefined;
        } catch (e) {
          this.lastError = e;
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
