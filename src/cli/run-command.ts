// `fastbench run <scenario> [-d 10s] [-c N] [-R rate] [-w N] [-e NAME=value]... [--json] [-q]
//                          [-o DIR] [-f text,json,md,html,junit,hlog] [--shard i/N] [--start-at ISO-time]
//                          [--fleet redis://host:6379/JOB]`
//
// Validates everything before sending anything (problems: `error[CODE]: message at file:line:col`
// on stderr, exit 2), runs the scenario with live progress on stderr, prints the report on stdout
// (text, or the RunResult as JSON with --json, canonical key order) and, with --out or --format,
// writes report files (report/report-writer.ts; default dir reports/<name>-<time>/). --shard i/N
// (0-based i, as Kubernetes' JOB_COMPLETION_INDEX) runs slice i of N of the load; --start-at waits
// for a wall-clock instant so the shards line up. Running and reporting: run-report.ts (exit codes
// there); --out is checked, created and locked before any traffic (--force writes into a
// directory another run holds). --fleet (issue 17, with --shard) joins the shards into one fleet
// through Redis: live gates on the merged data and one verdict for all (cli/fleet/fleet-shard.ts).
import type { Command } from 'commander';
import { FastbenchError } from '../core/errors.js';
import { checkFieldName, checkFieldValue } from '../http/field-check.js';
import { checkShard, type ShardSpec } from '../engine/index.js';
import { REPORT_FORMATS } from '../report/report-writer.js';
import { checkScenario, type RequestOverrides, type Scenario, type ScenarioOverrides, type SearchSpec } from '../scenario/index.js';
import type { ReportFormat } from '../report/report-writer.js';
import { findAndReport } from './capacity-find.js';
import { collect, parseCookieFlags, parseCountFlag, parseDurationFlag, parseEnvPairs, parseRateFlag, parseShard, parseSizeFlag, parseStartAt, parseUserFlag, protocolFlag, splitHeader } from './flags.js';
import { examples } from './help.js';
import { addLiveOptions, wantsLive, type LiveFlags } from './live-outputs.js';
import { parseFleetUrl } from './fleet/fleet-channel.js';
import { FleetShard } from './fleet/fleet-shard.js';
import { refuseProblems } from './refusal.js';
import { reportFormats, runAndReport, type ReportOptions } from './run-report.js';
import { type NetFlags, addNetOptions, prepareNet } from './net-flags.js';

export interface RunFlags extends NetFlags, LiveFlags {
  allowInvalid?: boolean;
  duration?: string;
  connections?: string;
  rate?: string;
  workers?: string;
  interval?: string;
  env: string[];
  json?: boolean;
  quiet?: boolean;
  out?: string;
  format?: string;
  shard?: string;
  startAt?: string;
  /** issue 17: --fleet redis://host:6379/JOB. */
  fleet?: string;
  /** --max-body: client.maxResponseBodySize (a size: 64MiB). */
  maxBody?: string;
  force?: boolean;
  /** --http2 / --http1.1: client.protocol. */
  http2?: boolean;
  'http1.1'?: boolean;
  /** --seed: think times, flow picks and random data rows repeat run to run. */
  seed?: string;
  // issue 15 (sess-web): as on bench
  /** -H 'name: value': replaces that header on every request. */
  header?: string[];
  /** -k: client.insecure. */
  insecure?: boolean;
  /** -u user:password: Basic auth on every request. */
  user?: string;
  /** --cookie name=value: cookies.values. */
  cookie?: string[];
  /** --compressed: compression on every request. */
  compressed?: boolean;
}

/** issue 15: the flags that act as each request compiles (-H, -u, --compressed). */
export function runRequestOverrides(flags: RunFlags): RequestOverrides | undefined {
  const headers = (flags.header ?? []).map((h) => splitHeader(h));
  for (const [n, v] of headers) {
    try {
      checkFieldName(n);
      checkFieldValue(n, v);
    } catch {
      throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--header ${JSON.stringify(`${n}: ${v}`)}: not a valid header (a token name, a value without control characters)`);
    }
  }
  const o: RequestOverrides = {
    ...(headers.length > 0 ? { headers } : {}),
    ...(flags.user !== undefined ? { auth: parseUserFlag(flags.user) } : {}),
    ...(flags.compressed === true ? { compressed: true } : {}),
  };
  return Object.keys(o).length > 0 ? o : undefined;
}

/** The scenario overrides the flags describe (each value parsed by flags.ts). */
export function runOverrides(flags: RunFlags): ScenarioOverrides {
  return {
    ...(flags.duration !== undefined ? { duration: parseDurationFlag(flags.duration, '--duration') } : {}),
    ...(flags.connections !== undefined ? { connections: parseCountFlag(flags.connections, '--connections', 1) } : {}),
    ...(flags.rate !== undefined ? { rate: parseRateFlag(flags.rate, '--rate') } : {}),
    ...(flags.workers !== undefined ? { workers: parseCountFlag(flags.workers, '--workers', 1) } : {}),
    ...(flags.maxBody !== undefined ? { maxResponseBodySize: parseSizeFlag(flags.maxBody, '--max-body', 1) } : {}),
    ...(flags.interval !== undefined ? { interval: parseDurationFlag(flags.interval, '--interval') } : {}),
    ...(protocolFlag(flags) !== undefined ? { protocol: protocolFlag(flags) } : {}),
    ...(flags.insecure === true ? { insecure: true } : {}),
    ...(flags.seed !== undefined ? { seed: parseCountFlag(flags.seed, '--seed', 0) } : {}),
  };
}

export function registerRunCommand(program: Command): void {
  const cmd = program
    .command('run')
    .description('run a scenario file (YAML or JSON): load phases, live progress, HDR latency report, thresholds')
    .argument('<scenario>', 'scenario file')
    .option('-d, --duration <time>', 'every measured phase lasts this long (e.g. 30s; ramps are stretched)')
    .option('-c, --connections <n>', 'connections of every closed phase and cap of every open one')
    .option('-R, --rate <rate>', 'every measured phase becomes open at this constant rate (1000, 1000/s, 6000/m)')
    .option('-w, --workers <n>', 'load worker threads (default: the scenario\'s client.workers, else 1)')
    .option('--interval <time>', 'measurement interval (per-interval histograms, series; compare\'s samples): 100ms..10s, default the scenario\'s interval, else 1s')
    .option('-e, --env <NAME=value>', 'set {{env.NAME}} for the scenario (repeatable)', collect, [] as string[])
    .option('--json', 'print the result object as JSON on stdout instead of the text report')
    .option('-o, --out <dir>', 'write report files into this directory (default formats: all)')
    .option('-f, --format <list>', `report files to write: ${REPORT_FORMATS.join(',')} (default dir: reports/<name>-<time>/)`)
    .option('--shard <i/N>', 'run slice i of N of the load (0-based i, e.g. $JOB_COMPLETION_INDEX); merge the results with `fastbench merge`')
    .option('--fleet <redis-url>', 'join a fleet of shards through Redis (redis://host:6379/JOB-ID, with --shard): thresholds judged live on the merged fleet, abortOnFail stops every shard, one verdict (exit code) for all')
    .option('--start-at <time>', 'wait until this ISO 8601 wall-clock time before starting the load (lines shards up)')
    .option('--allow-invalid', 'report a generator-bound (invalid) result but do not exit 3 for it')
    .option('--max-body <size>', 'largest response body accepted (e.g. 64MiB; a bare number is bytes; default: client.maxResponseBodySize, else 16MiB)')
    .option('--http2', 'speak HTTP/2 (client.protocol h2: ALPN h2 over TLS, h2c over http://); pipelining is then streams per connection')
    .option('--http1.1', 'speak HTTP/1.1 only (client.protocol http1)')
    .option('-H, --header <name: value>', 'set this header on every request, replacing the scenario\'s (repeatable)', collect, [] as string[])
    .option('-k, --insecure', 'accept any TLS certificate (client.insecure)')
    .option('-u, --user <user:password>', 'Basic authentication on every request (replaces auth:)')
    .option('--cookie <name=value>', 'start every virtual user\'s cookie jar with this cookie (repeatable; adds to cookies.values)', collect, [] as string[])
    .option('--compressed', 'ask for compressed responses on every request (compressed: true)')
    .option('--seed <n>', 'seed think times, flow picks and random data rows (the same seed repeats them; default: the scenario\'s seed, else random)')
    .option('--force', 'write into --out even while another run holds its lock')
    .option('-q, --quiet', 'no progress on stderr');
  addNetOptions(cmd);
  addLiveOptions(cmd)
    .addHelpText('after', examples([
      'fastbench run scenarios/smoke.yaml',
      'fastbench run scenario.yaml -d 30s -c 50 -R 2000/s --out reports/today',
      'fastbench run scenario.yaml -e HOST=127.0.0.1 --json > result.json',
      'fastbench run scenario.yaml --shard $JOB_COMPLETION_INDEX/4 --start-at 2030-01-01T12:00:00Z --fleet redis://redis:6379/$JOB_ID',
    ]))
    .action(async (file: string, flags: RunFlags) => {
      process.exitCode = await runCommand(file, flags);
    });
}

/** `run` on a `load: - search:` scenario: the capacity search (capacity-find.ts). */
function runSearchScenario(scenario: Scenario, search: SearchSpec, flags: RunFlags, formats: ReportFormat[] | undefined): Promise<number> {
  const notHere: [string | undefined, string][] = [[flags.duration, '--duration'], [flags.rate, '--rate'], [flags.shard, '--shard'], [flags.startAt, '--start-at']];
  for (const [v, name] of notHere) {
    if (v !== undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', `${name} does not apply to a capacity search (load: - search:); \`fastbench find --help\` lists its flags`);
  }
  const spec = flags.connections !== undefined ? { ...search, maxConnections: parseCountFlag(flags.connections, '--connections', 1) } : search;
  return findAndReport(scenario, spec, {
    ...(flags.json !== undefined ? { json: flags.json } : {}),
    ...(flags.quiet !== undefined ? { quiet: flags.quiet } : {}),
    ...(flags.workers !== undefined ? { workers: parseCountFlag(flags.workers, '--workers', 1) } : {}),
    ...(formats !== undefined ? { formats } : {}),
    ...(flags.out !== undefined ? { outDir: flags.out } : {}),
    ...(flags.allowInvalid === true ? { allowInvalid: true } : {}),
  });
}

/** The `run` command's work, minus commander: returns the exit code; usage problems are thrown. */
export async function runCommand(file: string, flags: RunFlags): Promise<number> {
  const env = parseEnvPairs(flags.env);
  const formats = reportFormats(flags.format, flags.out);
  const shard: ShardSpec | undefined = flags.shard !== undefined ? parseShard(flags.shard) : undefined;
  const startAtEpochMs = flags.startAt !== undefined ? parseStartAt(flags.startAt) : undefined;
  if (flags.fleet !== undefined) {
    parseFleetUrl(flags.fleet);
    if (shard === undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--fleet needs --shard i/N (every shard of the fleet runs with the same N)');
  }
  const overrides = runOverrides(flags);
  const requestOverrides = runRequestOverrides(flags);
  const cookies = parseCookieFlags(flags.cookie ?? []);
  const { scenario: checked, errors } = checkScenario(file, {
    env,
    overrides,
    ...(requestOverrides !== undefined ? { requestOverrides } : {}),
    ...(cookies.length > 0 ? { cookies } : {}),
  });
  if (checked === undefined || errors.length > 0) throw refuseProblems(errors);
  const scenario = prepareNet(checked, flags);
  // issue 18: `load: - search:` runs the capacity search, as `fastbench find` does.
  if (scenario.search !== undefined) return runSearchScenario(scenario, scenario.search, flags, formats);
  if (shard !== undefined) checkShard(scenario, shard);
  const options: ReportOptions = {
    ...(flags.json !== undefined ? { json: flags.json } : {}),
    ...(flags.quiet !== undefined ? { quiet: flags.quiet } : {}),
    ...(formats !== undefined ? { formats } : {}),
    ...(flags.out !== undefined ? { outDir: flags.out } : {}),
    ...(shard !== undefined ? { shard } : {}),
    ...(startAtEpochMs !== undefined ? { startAtEpochMs } : {}),
    ...(flags.allowInvalid ? { allowInvalid: true } : {}),
    ...(flags.force ? { force: true } : {}),
    ...(wantsLive(flags) || flags.dashboardKeep === true ? { live: flags } : {}),
  };
  // joined last, once everything else is checked; still before any traffic
  const fleet = flags.fleet !== undefined ? await FleetShard.join(flags.fleet, shard!, scenario) : undefined;
  try {
    return await runAndReport(scenario, { ...options, ...(fleet !== undefined ? { fleet } : {}) });
  } finally {
    fleet?.close();
  }
}
