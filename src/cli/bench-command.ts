// `fastbench bench <url> [-c 10] [-d 10s | -n 10000] [-p 1] [-R rate] [-X POST] [-H 'k: v']...
//                        [-b body] [--threshold 'p99<10ms']... [--max-body 64MiB] [-o DIR] [-f list]`
// The autocannon/wrk-style ad-hoc run. The flags become a scenario document — the plain object a
// YAML file would parse into (benchDocument) — compiled and validated by the scenario compiler
// like any file, its problems reported against the flag that put the value there
// (flag-document.ts). It then runs on the same engine, with the same progress, report, report
// files, JSON and exit codes as `fastbench run` (run-report.ts).
//   without -R: closed model, -c connections each sending as soon as the last answer arrived
//   with -R:    open model at R requests/s (1000, 1000/s, 6000/m), at most -c connections,
//               latency from the schedule
//   -n N:       stop after N requests sent (with -d too: whichever comes first)
import type { Command } from 'commander';
import { FastbenchError } from '../core/errors.js';
import { REPORT_FORMATS } from '../report/report-writer.js';
import type { Scenario } from '../scenario/index.js';
import { compileFlagDocument, literal, type FlagSpot } from './flag-document.js';
import { collect, parseCookieFlags, parseCountFlag, parseDurationFlag, parseRateFlag, parseSizeFlag, parseUserFlag, protocolFlag, splitHeader } from './flags.js';
import { examples } from './help.js';
import { addLiveOptions, wantsLive, type LiveFlags } from './live-outputs.js';
import { reportFormats, runAndReport } from './run-report.js';
import { type NetFlags, addNetOptions, prepareNet } from './net-flags.js';

export interface BenchFlags extends NetFlags, LiveFlags {
  allowInvalid?: boolean;
  connections: string;
  /** Default 10s, unless -n is given. */
  duration?: string;
  requests?: string;
  threshold?: string[];
  maxBody?: string;
  out?: string;
  format?: string;
  pipelining: string;
  rate?: string;
  method: string;
  header?: string[];
  body?: string;
  timeout: string;
  workers?: string;
  warmup?: string;
  interval?: string;
  insecure?: boolean;
  /** --http2 / --http1.1: client.protocol. */
  http2?: boolean;
  'http1.1'?: boolean;
  json?: boolean;
  quiet?: boolean;
  force?: boolean;
  // issue 15 (sess-web)
  /** --compressed: client.compressed. */
  compressed?: boolean;
  /** --cookie name=value: cookies.values (turns the users' jars on). */
  cookie?: string[];
  /** -u user:password: client.auth. */
  user?: string;
}

/** A scenario document and where each flag's value landed in it. */
export interface BenchDocument {
  document: Record<string, unknown>;
  spots: FlagSpot[];
}

const show = (flag: string, v: string): string => `${flag} ${JSON.stringify(v)}`;

/** The target URL, split into the document's target (origin) and the request's path. */
function splitUrl(url: string): { origin: string; path: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new FastbenchError('ERR_USAGE_BAD_URL', `invalid URL ${JSON.stringify(url)}: give an absolute http:// or https:// URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new FastbenchError('ERR_USAGE_BAD_URL', `${url}: only http:// and https:// are supported`);
  return { origin: u.origin, path: (u.pathname === '' ? '/' : u.pathname) + u.search };
}

/** `load:` — an optional warmup, then the measured phase. */
function benchLoad(f: BenchFlags, spots: FlagSpot[]): Record<string, unknown>[] {
  const rate = f.rate !== undefined ? (parseRateFlag(f.rate, '--rate'), f.rate.trim()) : undefined;
  const requests = f.requests !== undefined ? parseCountFlag(f.requests, '--requests', 1) : undefined;
  const duration = f.duration !== undefined ? (parseDurationFlag(f.duration, '--duration'), f.duration.trim()) : requests === undefined ? '10s' : undefined;
  const load: Record<string, unknown>[] = [];
  const yamlRate = rate !== undefined && /^\d+(\.\d+)?$/.test(rate) ? Number(rate) : rate;
  if (f.warmup !== undefined) {
    parseDurationFlag(f.warmup, '--warmup');
    spots.push({ path: ['load', 0, 'duration'], flag: show('--warmup', f.warmup) });
    load.push({ name: 'warmup', warmup: true, duration: f.warmup.trim(), ...(yamlRate !== undefined ? { rate: yamlRate } : {}) });
  }
  const i = load.length;
  if (f.duration !== undefined) spots.push({ path: ['load', i, 'duration'], flag: show('--duration', f.duration) });
  if (f.requests !== undefined) spots.push({ path: ['load', i, 'requests'], flag: show('--requests', f.requests) });
  if (f.rate !== undefined) for (let p = 0; p <= i; p++) spots.push({ path: ['load', p, 'rate'], flag: show('--rate', f.rate) });
  load.push({
    name: 'bench',
    ...(duration !== undefined ? { duration } : {}),
    ...(requests !== undefined ? { requests } : {}),
    ...(yamlRate !== undefined ? { rate: yamlRate } : {}),
  });
  return load;
}

/** The one request: method, path, headers (name → value), body or bodyFile. */
function benchRequest(path: string, f: BenchFlags, spots: FlagSpot[]): Record<string, unknown> {
  const request: Record<string, unknown> = { method: f.method.toUpperCase(), path: literal(path) };
  spots.push({ path: ['requests', 0, 'method'], flag: show('--method', f.method) });
  const headers: Record<string, string> = {};
  for (const h of f.header ?? []) {
    const [name, value] = splitHeader(h);
    headers[name] = literal(value);
    spots.push({ path: ['requests', 0, 'headers', name], flag: show('--header', h) });
  }
  if (Object.keys(headers).length > 0) request.headers = headers;
  if (f.body !== undefined) {
    const file = f.body.startsWith('@');
    request[file ? 'bodyFile' : 'body'] = file ? f.body.slice(1) : literal(f.body);
    spots.push({ path: ['requests', 0, file ? 'bodyFile' : 'body'], flag: show('--body', f.body) });
  }
  return request;
}

/**
 * The scenario document a bench command line describes — what the same test written as YAML
 * would parse into. Values with units are checked here first (flags.ts: `-d 5` → "5s"?); the
 * rest (method, headers, body, thresholds, …) is the scenario compiler's to judge.
 */
export function benchDocument(url: string, f: BenchFlags): BenchDocument {
  const { origin, path } = splitUrl(url);
  const spots: FlagSpot[] = [{ path: ['target'], flag: show('<url>', url) }, { path: ['requests', 0, 'path'], flag: show('<url>', url) }];
  const client: Record<string, unknown> = {
    connections: parseCountFlag(f.connections, '--connections', 1),
    pipelining: parseCountFlag(f.pipelining, '--pipelining', 1),
    timeout: (parseDurationFlag(f.timeout, '--timeout'), f.timeout.trim()),
    workers: f.workers !== undefined ? parseCountFlag(f.workers, '--workers', 1) : 1,
  };
  if (f.insecure === true) client.insecure = true;
  const protocol = protocolFlag(f);
  if (protocol !== undefined) client.protocol = protocol;
  if (f.maxBody !== undefined) client.maxResponseBodySize = parseSizeFlag(f.maxBody, '--max-body', 1);
  // issue 15: --compressed, -u, --cookie
  if (f.compressed === true) client.compressed = true;
  if (f.user !== undefined) {
    const { user, password } = parseUserFlag(f.user);
    client.auth = { user: literal(user), password: literal(password) };
    spots.push({ path: ['client', 'auth'], flag: show('--user', f.user) });
  }
  const cookies = parseCookieFlags(f.cookie ?? []);
  const load = benchLoad(f, spots);
  const request = benchRequest(path, f, spots);
  const thresholds = f.threshold ?? [];
  thresholds.forEach((t, i) => spots.push({ path: ['thresholds', i], flag: show('--threshold', t) }));
  if (f.interval !== undefined) {
    parseDurationFlag(f.interval, '--interval');
    spots.push({ path: ['interval'], flag: show('--interval', f.interval) });
  }
  const document: Record<string, unknown> = {
    name: `bench ${origin}${path}`,
    target: origin,
    client,
    load,
    requests: [request],
    ...(thresholds.length > 0 ? { thresholds: [...thresholds] } : {}),
    ...(f.interval !== undefined ? { interval: f.interval.trim() } : {}),
    ...(cookies.length > 0 ? { cookies: { values: Object.fromEntries(cookies.map(([n, v]) => [n, literal(v)])) } } : {}),
  };
  return { document, spots };
}

/** The compiled Scenario of a bench command line; problems are thrown (exit 2), naming the flag. */
export function benchScenario(url: string, f: BenchFlags): Scenario {
  const { document, spots } = benchDocument(url, f);
  return compileFlagDocument(document, spots);
}

export function registerBenchCommand(program: Command): void {
  const cmd = program
    .command('bench')
    .description('ad-hoc load on one URL (autocannon/wrk style): closed model, or open with --rate')
    .argument('<url>', 'the URL to load')
    .option('-c, --connections <n>', 'connections (open model: the most it may use)', '10')
    .option('-d, --duration <time>', 'how long to measure (default 10s; with -n: no time limit)')
    .option('-n, --requests <n>', 'stop after this many requests (with -d: whichever comes first)')
    .option('-p, --pipelining <n>', 'requests in flight per connection (HTTP/2: concurrent streams per connection)', '1')
    .option('-R, --rate <rate>', 'open model: requests per second on a fixed schedule, e.g. 1000, 1000/s, 6000/m (latency from the schedule)')
    .option('-X, --method <method>', 'HTTP method', 'GET')
    .option('-H, --header <name: value>', 'request header (repeatable)', collect, [] as string[])
    .option('-b, --body <text|@file>', 'request body, or @file to read it from a file')
    .option('-t, --timeout <time>', 'per-request timeout', '10s')
    .option('-w, --workers <n>', 'load worker threads', '1')
    .option('--warmup <time>', 'a warmup before measuring (same load, left out of the results)')
    .option('--interval <time>', 'measurement interval (per-interval histograms, series; compare\'s samples): 100ms..10s, default 1s')
    .option('-k, --insecure', 'accept any TLS certificate')
    .option('--http2', 'speak HTTP/2 (ALPN h2 over TLS, prior knowledge h2c over http://); -p is then streams per connection')
    .option('--http1.1', 'speak HTTP/1.1 only')
    .option('--compressed', 'ask for compressed responses (Accept-Encoding); bodies are decoded only when something reads them')
    .option('--cookie <name=value>', 'start every connection\'s cookie jar with this cookie (repeatable; Set-Cookie answers are then kept too)', collect, [] as string[])
    .option('-u, --user <user:password>', 'Basic authentication')
    .option('--threshold <expr>', "a pass/fail gate like 'p99<10ms' or 'errors<1%' (repeatable; exit 1 when one fails)", collect, [] as string[])
    .option('--max-body <size>', 'largest response body accepted (e.g. 64MiB; a bare number is bytes; default 16MiB)')
    .option('-o, --out <dir>', 'write report files into this directory (default formats: all)')
    .option('-f, --format <list>', `report files to write: ${REPORT_FORMATS.join(',')} (default dir: reports/<name>-<time>/)`)
    .option('--force', 'write into --out even while another run holds its lock')
    .option('--json', 'print the result object as JSON on stdout')
    .option('--allow-invalid', 'report a generator-bound (invalid) result but do not exit 3 for it')
    .option('-q, --quiet', 'no progress on stderr');
  addNetOptions(cmd);
  addLiveOptions(cmd)
    .addHelpText('after', examples([
      'fastbench bench http://127.0.0.1:8080/plaintext -c 50 -d 30s -p 10',
      "fastbench bench http://127.0.0.1:8080/anything -X POST -H 'Content-Type: application/json' -b @body.json -n 10000",
      "fastbench bench http://127.0.0.1:8080/json -R 6000/m -d 1m --threshold 'p99<10ms' -o reports/json --dashboard=127.0.0.1:0",
      'fastbench bench https://api.test/ --cacert ca.pem --cert client.p12 --pass secret -x http://127.0.0.1:3128 -d 10s',
    ]))
    .action(async (url: string, flags: BenchFlags) => {
      process.exitCode = await benchCommand(url, flags);
    });
}

/** The `bench` command's work, minus commander: returns the exit code; usage problems are thrown. */
export async function benchCommand(url: string, flags: BenchFlags): Promise<number> {
  const scenario = prepareNet(benchScenario(url, flags), flags);
  const formats = reportFormats(flags.format, flags.out);
  return runAndReport(scenario, {
    ...(flags.json !== undefined ? { json: flags.json } : {}),
    ...(flags.quiet !== undefined ? { quiet: flags.quiet } : {}),
    ...(flags.allowInvalid ? { allowInvalid: true } : {}),
    ...(formats !== undefined ? { formats } : {}),
    ...(flags.out !== undefined ? { outDir: flags.out } : {}),
    ...(flags.force ? { force: true } : {}),
    ...(wantsLive(flags) || flags.dashboardKeep === true ? { live: flags } : {}),
  });
}
