// `fastbench bench <url> [-c 10] [-d 10s | -n 10000] [-p 1] [-R rate] [-m POST] [-H 'k: v']...
//                        [-b body] [--threshold 'p99<10ms']... [--max-body 64MiB] [--out DIR] [--format list]`
// The autocannon/wrk-style ad-hoc run: builds a one-request Scenario in code and runs it on the
// same engine, with the same progress, report, report files, JSON and exit codes as `fastbench run`
// (thresholds judged the same way; a run in which no request succeeded exits 1).
//   without -R: closed model, -c connections each sending as soon as the last answer arrived
//   with -R:    open model at R requests/s, at most -c connections, latency from the schedule
//   -n N:       stop after N requests sent (with -d too: whichever comes first)
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT_USAGE, FastbenchError } from '../core/errors.js';
import { checkFieldName, checkFieldValue } from '../http/field-check.js';
import { framingConflict } from '../http/request-serializer.js';
import { parseFormats, REPORT_FORMATS, type ReportFormat } from '../report/report-writer.js';
import { parseDuration, parseThreshold, staticTemplate, type CompiledRequest, type Phase, type RequestBody, type Scenario, type SourcePos, type Threshold } from '../scenario/index.js';
import { parseSize } from './parse-units.js';
import { numberOption, runAndReport } from './run-command.js';

export interface BenchFlags {
  allowInvalid?: boolean;
  connections: string;
  /** Default 10s, unless -n is given. */
  duration?: string;
  requests?: string;
  threshold: string[];
  maxBody?: string;
  out?: string;
  format?: string;
  pipelining: string;
  rate?: string;
  method: string;
  header: string[];
  body?: string;
  timeout: string;
  workers?: string;
  warmup?: string;
  insecure?: boolean;
  json?: boolean;
  quiet?: boolean;
}

const collect = (v: string, acc: string[]): string[] => [...acc, v];
const POS: SourcePos = { file: '<command line>', line: 1, column: 1 };

function usage(message: string): FastbenchError {
  return new FastbenchError('ERR_USAGE_BAD_OPTION', message);
}

function duration(name: string, v: string): number {
  const ms = parseDuration(v);
  if (ms === undefined || !(ms > 0)) throw new FastbenchError('ERR_USAGE_BAD_DURATION', `--${name}: ${JSON.stringify(v)} is not a duration (use 500ms, 10s, 2m)`);
  return ms;
}

function readBody(b: string | undefined): RequestBody {
  if (b === undefined) return { kind: 'none' };
  if (!b.startsWith('@')) return { kind: 'bytes', bytes: Buffer.from(b, 'utf8'), file: '<command line>' };
  try {
    return { kind: 'bytes', bytes: readFileSync(b.slice(1)), file: b.slice(1) };
  } catch (e) {
    throw new FastbenchError('ERR_USAGE_FILE', `cannot read ${b.slice(1)}: ${(e as Error).message}`);
  }
}

/** The Scenario a bench command line describes. Throws usage errors. */
export function benchScenario(url: string, f: BenchFlags): Scenario {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new FastbenchError('ERR_USAGE_BAD_URL', `invalid URL ${JSON.stringify(url)}: give an absolute http:// or https:// URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new FastbenchError('ERR_USAGE_BAD_URL', `${url}: only http:// and https:// are supported`);
  const connections = numberOption('connections', f.connections, true)!;
  const pipelining = numberOption('pipelining', f.pipelining, true)!;
  const rate = numberOption('rate', f.rate, false);
  const workers = numberOption('workers', f.workers, true) ?? 1;
  const requests = numberOption('requests', f.requests, true);
  const durationMs = f.duration !== undefined ? duration('duration', f.duration) : requests !== undefined ? undefined : 10_000;
  const maxBody = f.maxBody !== undefined ? parseSize(f.maxBody, '--max-body') : undefined;
  if (maxBody !== undefined && maxBody < 1) throw usage('--max-body must be at least 1 byte');
  const timeoutMs = duration('timeout', f.timeout);
  const method = f.method.toUpperCase();
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Z]+$/.test(method)) throw usage(`--method: ${JSON.stringify(f.method)} is not an HTTP method`);
  const headers: [string, ReturnType<typeof staticTemplate>][] = [];
  for (const h of f.header) {
    const i = h.indexOf(':');
    const name = i > 0 ? h.slice(0, i).trim() : '';
    const value = i > 0 ? h.slice(i + 1).trim() : '';
    try {
      checkFieldName(name);
      checkFieldValue(name, value);
    } catch {
      throw usage(`-H ${JSON.stringify(h)}: expected 'name: value' with a valid name and no control characters`);
    }
    headers.push([name, staticTemplate(value)]);
  }
  const body = readBody(f.body);
  // One framing rule (http/request-serializer.ts): a Content-Length is computed from the body;
  // a -H that contradicts it is refused here rather than sent.
  for (const [name, t] of headers) {
    const why = framingConflict(name, t.literals[0]!, body.kind === 'bytes' ? body.bytes.byteLength : 0, method);
    if (why !== undefined) throw usage(`-H ${name}: ${why}`);
  }
  const thresholds = (f.threshold ?? []).map((text, i) => benchThreshold(text, i));
  const path = (u.pathname === '' ? '/' : u.pathname) + u.search;
  const request: CompiledRequest = {
    name: `${method} ${path}`,
    index: 0,
    weight: 1,
    method,
    origin: undefined,
    path: staticTemplate(path),
    headers,
    body,
    expect: undefined,
    static: true,
    pos: POS,
  };
  const phases: Phase[] = [];
  const phase = (index: number, name: string, warmup: boolean, ms: number | undefined, count: number | undefined): Phase =>
    rate === undefined
      ? { index, name, warmup, durationMs: ms, iterations: undefined, requests: count, pos: POS, model: 'closed', connections }
      : {
          index, name, warmup, durationMs: ms, iterations: undefined, requests: count, pos: POS,
          model: 'open', shape: 'constant', segments: [{ startMs: 0, endMs: ms ?? Infinity, from: rate, to: rate }], cumulative: [0], maxConnections: connections,
        };
  if (f.warmup !== undefined) phases.push(phase(0, 'warmup', true, duration('warmup', f.warmup), undefined));
  phases.push(phase(phases.length, 'bench', false, durationMs, requests));
  return {
    name: `bench ${u.origin}${path}`,
    description: undefined,
    file: '<command line>',
    target: { kind: 'url', origins: [u.origin], basePath: '' },
    client: {
      connections, pipelining, timeoutMs, keepalive: true, insecure: f.insecure === true, resolve: [], workers,
      ...(maxBody !== undefined ? { maxResponseBodySize: maxBody } : {}),
    },
    phases,
    mode: 'requests',
    requests: [request],
    flows: [],
    cumulativeWeights: [1],
    data: undefined,
    thresholds,
  };
}

/** --threshold 'p99<10ms' (the scenario threshold language; overall scope). */
function benchThreshold(text: string, i: number): Threshold {
  const parsed = parseThreshold(text);
  if ('error' in parsed) throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--threshold ${JSON.stringify(text)}: ${parsed.error}`);
  return { text: text.trim(), ...parsed, request: undefined, abortOnFail: false, pos: { file: '<command line>', line: 1, column: i + 1 } };
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('ad-hoc load on one URL (autocannon/wrk style): closed model, or open with --rate')
    .argument('<url>', 'the URL to load')
    .option('-c, --connections <n>', 'connections (open model: the most it may use)', '10')
    .option('-d, --duration <time>', 'how long to measure (default 10s; with -n: no time limit)')
    .option('-n, --requests <n>', 'stop after this many requests (with -d: whichever comes first)')
    .option('-p, --pipelining <n>', 'requests in flight per connection', '1')
    .option('-R, --rate <r>', 'open model: requests per second on a fixed schedule (latency from the schedule)')
    .option('-m, --method <method>', 'HTTP method', 'GET')
    .option('-H, --header <name: value>', 'request header (repeatable)', collect, [] as string[])
    .option('-b, --body <text|@file>', 'request body, or @file to read it from a file')
    .option('-t, --timeout <time>', 'per-request timeout', '10s')
    .option('-w, --workers <n>', 'load worker threads', '1')
    .option('--warmup <time>', 'a warmup before measuring (same load, left out of the results)')
    .option('-k, --insecure', 'accept any TLS certificate')
    .option('--threshold <expr>', "a pass/fail gate like 'p99<10ms' or 'errors<1%' (repeatable; exit 1 when one fails)", collect, [] as string[])
    .option('--max-body <size>', 'largest response body accepted (e.g. 64MiB; default 16MiB)')
    .option('-o, --out <dir>', 'write report files into this directory (default formats: all)')
    .option('-f, --format <list>', `report files to write: ${REPORT_FORMATS.join(',')} (default dir: reports/<name>-<time>/)`)
    .option('--json', 'print the result object as JSON on stdout')
    .option('--allow-invalid', 'report a generator-bound (invalid) result but do not exit 3 for it')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (url: string, flags: BenchFlags) => {
      process.exitCode = await benchCommand(url, flags);
    });
}

export async function benchCommand(url: string, flags: BenchFlags): Promise<number> {
  let scenario: Scenario;
  let formats: ReportFormat[] | undefined;
  try {
    scenario = benchScenario(url, flags);
    // The same report files as `run` (its writing path: runAndReport → ReportWriter).
    if (flags.format !== undefined) formats = parseFormats(flags.format);
    else if (flags.out !== undefined) formats = [...REPORT_FORMATS];
    if (flags.out !== undefined && flags.out.trim() === '') throw usage('--out needs a directory');
  } catch (e) {
    if (!(e instanceof FastbenchError)) throw e;
    process.stderr.write(e.format() + '\n');
    return EXIT_USAGE;
  }
  return runAndReport(scenario, {
    ...(flags.json !== undefined ? { json: flags.json } : {}),
    ...(flags.quiet !== undefined ? { quiet: flags.quiet } : {}),
    ...(flags.allowInvalid ? { allowInvalid: true } : {}),
    ...(formats !== undefined ? { formats } : {}),
    ...(flags.out !== undefined ? { outDir: flags.out } : {}),
  });
}
