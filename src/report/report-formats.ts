// The report formats, as one table of encoders: a row per format with its name, the extension and
// file name it is written as, the aliases it answers to, and a pure render(result) → text.
// ReportWriter, `fastbench report`, `run --format` and `bench --format` all look formats up here;
// adding a format is one row (and its renderer file).
import { FastbenchError } from '../core/errors.js';
import type { RunResult } from '../metrics/run-result.js';
import { suggestion } from '../scenario/did-you-mean.js';
import { renderHlog } from './hlog-report.js';
import { renderHtml } from './html-report.js';
import { renderJson } from './json-report.js';
import { renderJunit } from './junit-report.js';
import { renderMarkdown } from './markdown-report.js';
import { renderText } from './text-report.js';

export interface ReportEncoder {
  readonly name: string;
  /** File extension, without the dot. */
  readonly extension: string;
  /** File name inside the output directory. */
  readonly file: string;
  /** Other names the format answers to (case-insensitive, like the name). */
  readonly aliases: readonly string[];
  readonly render: (result: RunResult) => string;
}

export const REPORT_ENCODERS = [
  { name: 'text', extension: 'txt', file: 'report.txt', aliases: ['txt'], render: renderText },
  { name: 'json', extension: 'json', file: 'result.json', aliases: [], render: renderJson },
  { name: 'md', extension: 'md', file: 'report.md', aliases: ['markdown'], render: renderMarkdown },
  { name: 'html', extension: 'html', file: 'report.html', aliases: ['htm'], render: renderHtml },
  { name: 'junit', extension: 'xml', file: 'junit.xml', aliases: ['xml'], render: renderJunit },
  { name: 'hlog', extension: 'hlog', file: 'latency.hlog', aliases: ['hdr'], render: renderHlog },
] as const satisfies readonly ReportEncoder[];

export type ReportFormat = (typeof REPORT_ENCODERS)[number]['name'];

export const REPORT_FORMATS: readonly ReportFormat[] = REPORT_ENCODERS.map((e) => e.name);

/** File name of each format inside the output directory. */
export const REPORT_FILE_NAMES = Object.fromEntries(REPORT_ENCODERS.map((e) => [e.name, e.file])) as Readonly<Record<ReportFormat, string>>;

/** The encoder of a format. */
export function reportEncoder(format: ReportFormat): ReportEncoder {
  return REPORT_ENCODERS.find((e) => e.name === format)!;
}

/** The table as help and error messages list it: "text (report.txt), json (result.json), …". */
export function describeFormats(): string {
  return REPORT_ENCODERS.map((e) => `${e.name} (${e.file})`).join(', ');
}

function lookUp(name: string): ReportFormat | undefined {
  return REPORT_ENCODERS.find((e) => e.name === name || (e.aliases as readonly string[]).includes(name))?.name;
}

/**
 * Parse "html,md,junit" (case-insensitive, aliases too). An unknown name is ERR_USAGE_BAD_OPTION
 * with a did-you-mean and the table of formats.
 */
export function parseFormats(spec: string): ReportFormat[] {
  const out: ReportFormat[] = [];
  for (const raw of spec.split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    const f = lookUp(name);
    if (f === undefined) {
      const names = REPORT_ENCODERS.flatMap((e) => [e.name, ...e.aliases]);
      throw new FastbenchError('ERR_USAGE_BAD_OPTION', `unknown report format "${raw.trim()}"${suggestion(name, names)}; formats: ${describeFormats()}`);
    }
    if (!out.includes(f)) out.push(f);
  }
  if (out.length === 0) throw new FastbenchError('ERR_USAGE_BAD_OPTION', `no report format given; formats: ${describeFormats()}`);
  return out;
}

/** The text of one format. */
export function renderReport(format: ReportFormat, result: RunResult): string {
  return reportEncoder(format).render(result);
}
