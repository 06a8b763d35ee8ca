// `fastbench crawl`: a polite deep crawl from seed URLs, or a probe of a list of URLs / hosts
// (--urls). Records stream to -o/--out FILE (stdout without it) as JSONL or CSV; progress and the
// summary go to stderr. --state DIR makes the crawl resumable after a crash (--resume);
// --frontier redis://host:port/JOB shares one crawl between processes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { FastbenchError } from '../core/errors.js';
import { DEFAULT_MAX_HOST_QUEUE, DEFAULT_MAX_QUEUE, type DedupeMode } from '../crawl/crawl-options.js';
import { openCrawl, type CrawlSessionOptions } from '../crawl/crawl-session.js';
import { formatSummary } from '../crawl/crawl-stats.js';
import { crawlEnd, feedCrawl } from './crawl-live.js';
import { addLiveOptions, LiveOutputs, type LiveFlags } from './live-outputs.js';
import type { Crawler } from '../crawl/crawler.js';
import type { OutputFormat } from '../crawl/output-writer.js';
import type { ScopeMode } from '../crawl/scope.js';
import { detectEnvironment } from '../metrics/environment.js';
import { parseFormats, REPORT_FORMATS, type ReportFormat } from '../report/report-writer.js';
import { parseThresholdFlags, reportCrawl, type CrawlThreshold } from './crawl-gate.js';
import { loadCrawlScenario } from './crawl-scenario.js';
import { collect, parseCountFlag, parseDurationFlag, parseSizeFlag, protocolFlag } from './flags.js';
import { examples } from './help.js';
import { type NetFlags, addNetOptions, proxyEnv, proxyFlagList, tlsClientOptions } from './net-flags.js';

export interface CrawlFlags extends NetFlags, LiveFlags {
  proxyRotate?: string;
  proxyStrikes?: string;
  proxyCooldown?: string;
  urls?: string;
  out?: string;
  /** --output: the old long name of --out. */
  output?: string;
  format: string;
  /** --compressed, --cookies (issue 15). */
  compressed?: boolean;
  cookies?: boolean;
  concurrency: string;
  perHost: string;
  delay: string;
  maxCrawlDelay: string;
  maxPages?: string;
  maxDepth?: string;
  maxQueue?: string;
  maxHostQueue?: string;
  scope: string;
  include: string[];
  exclude: string[];
  userAgent?: string;
  robots: boolean;
  nofollow?: boolean;
  maxBody: string;
  contentType: string[];
  timeout: string;
  connectTimeout: string;
  maxRedirects: string;
  hostErrorBudget: string;
  state?: string;
  resume?: boolean;
  restart?: boolean;
  frontier?: string;
  resolve: string[];
  resolveFile?: string;
  links?: boolean;
  sortQuery?: boolean;
  insecure?: boolean;
  /** --http2 / --http1.1: the client's protocol choice. */
  http2?: boolean;
  'http1.1'?: boolean;
  quiet?: boolean;
  progressInterval: string;
  // ---- discovery (issue 19): sitemaps, canonical de-duplication
  sitemaps?: boolean;
  sitemapsOnly?: boolean;
  dedupe?: string;
  warc?: string;
  warcMaxSize?: string;
  adaptive?: string;
  // ---- crawl as a gate (crawl-gate.ts, crawl-scenario.ts)
  threshold: string[];
  scenario?: string;
  reportDir?: string;
  reportFormat?: string;
}

/** What the gate needs: thresholds, the report files, and the name reports carry. */
export interface CrawlGatePlan {
  name: string;
  thresholds: CrawlThreshold[];
  formats: ReportFormat[] | undefined;
  outDir: string | undefined;
}

/**
 * Reads --scenario (its crawl: settings fill the flags not given on the command line, its seeds
 * apply when none are given) and the gate flags. Returns the seeds to crawl and the gate plan.
 */
export function crawlGateFromFlags(seeds: string[], f: CrawlFlags, sourceOf: (key: string) => string | undefined = () => undefined): { seeds: string[]; plan: CrawlGatePlan } {
  let thresholds = parseThresholdFlags(f.threshold ?? []);
  let name = 'crawl';
  if (f.scenario !== undefined) {
    const sc = loadCrawlScenario(f.scenario);
    name = sc.name;
    if (seeds.length === 0) seeds = sc.seeds;
    const flags = f as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(sc.flags)) if (sourceOf(k) !== 'cli') flags[k] = v;
    thresholds = [...sc.thresholds, ...thresholds];
  }
  if (f.reportDir !== undefined && f.reportDir.trim() === '') throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--report-dir needs a directory');
  const formats = f.reportFormat !== undefined ? parseFormats(f.reportFormat) : f.reportDir !== undefined ? [...REPORT_FORMATS] : undefined;
  return { seeds, plan: { name, thresholds, formats, outDir: f.reportDir } };
}

function packageVersion(): string {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

function count(flag: string, v: string | undefined, min: number): number | undefined {
  return v === undefined ? undefined : parseCountFlag(v, flag, min);
}

function duration(flag: string, v: string, positive: boolean): number {
  return parseDurationFlag(v, flag, { allowZero: !positive });
}

function readResolveFile(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FastbenchError('ERR_USAGE_FILE', `cannot read --resolve-file ${path}: ${(e as Error).message}`);
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));
}

/** Turns the command line into session options (throws usage errors, exit 2). */
export function crawlOptionsFromFlags(seeds: string[], f: CrawlFlags): CrawlSessionOptions {
  const maxBody = parseSizeFlag(f.maxBody, '--max-body', 1);
  const resolve = [...f.resolve, ...(f.resolveFile !== undefined ? readResolveFile(f.resolveFile) : [])];
  const o: CrawlSessionOptions = {
    seeds,
    format: f.format as OutputFormat,
    concurrency: count('--concurrency', f.concurrency, 1),
    perHost: count('--per-host', f.perHost, 1),
    delayMs: duration('--delay', f.delay, false),
    maxCrawlDelayMs: duration('--max-crawl-delay', f.maxCrawlDelay, false),
    maxPages: count('--max-pages', f.maxPages, 1),
    maxDepth: count('--max-depth', f.maxDepth, 0),
    maxQueue: count('--max-queue', f.maxQueue, 1),
    maxHostQueue: count('--max-host-queue', f.maxHostQueue, 1),
    scope: f.scope as ScopeMode,
    include: f.include,
    exclude: f.exclude,
    robots: f.robots,
    nofollow: f.nofollow === true,
    maxBodyBytes: maxBody,
    timeoutMs: duration('--timeout', f.timeout, true),
    connectTimeoutMs: duration('--connect-timeout', f.connectTimeout, true),
    maxRedirects: count('--max-redirects', f.maxRedirects, 0),
    hostErrorBudget: count('--host-error-budget', f.hostErrorBudget, 1),
    includeLinks: f.links === true,
    sortQuery: f.sortQuery === true,
    insecure: f.insecure === true,
    compressed: f.compressed === true,
    cookies: f.cookies === true,
    resolve,
    resume: f.resume === true,
    restart: f.restart === true,
  };
  if (f.contentType.length > 0) o.contentTypes = f.contentType;
  // discovery (issue 19)
  if (f.sitemaps === true) o.sitemaps = true;
  if (f.sitemapsOnly === true) o.sitemapsOnly = true;
  if (f.dedupe !== undefined) o.dedupe = f.dedupe as DedupeMode;
  if (f.warc !== undefined) o.warc = f.warc;
  if (f.adaptive !== undefined) o.adaptiveTargetMs = duration('--adaptive', f.adaptive, true);
  if (f.warcMaxSize !== undefined) o.warcMaxBytes = parseSizeFlag(f.warcMaxSize, '--warc-max-size', 1);
  if (f.urls !== undefined) o.urlsFile = f.urls;
  if (f.out !== undefined && f.output !== undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--out and --output are one option (--output is its old name): give one');
  const output = f.out ?? f.output;
  if (output !== undefined) o.output = output;
  if (f.userAgent !== undefined) o.userAgent = f.userAgent;
  if (f.state !== undefined) o.stateDir = f.state;
  if (f.frontier !== undefined) o.frontier = f.frontier;
  Object.assign(o, crawlNetOptions(f));
  const protocol = protocolFlag(f);
  if (protocol !== undefined) o.protocol = protocol;
  return o;
}

/** The TLS identity and proxy flags (-x repeatable: several proxies are rotated). */
function crawlNetOptions(f: CrawlFlags): Partial<CrawlSessionOptions> {
  const proxies = proxyFlagList(f);
  if (f.proxyRotate !== undefined && f.proxyRotate !== 'request' && f.proxyRotate !== 'host') throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--proxy-rotate ${JSON.stringify(f.proxyRotate)}: request or host`);
  return {
    ...tlsClientOptions(f),
    proxies,
    ...(f.noproxy !== undefined ? { noProxy: f.noproxy } : {}),
    proxyEnv: proxyEnv(),
    ...(f.proxyRotate !== undefined ? { proxyRotate: f.proxyRotate } : {}),
    ...(f.proxyStrikes !== undefined ? { proxyStrikes: parseCountFlag(f.proxyStrikes, '--proxy-strikes', 1) } : {}),
    ...(f.proxyCooldown !== undefined ? { proxyCooldownMs: parseDurationFlag(f.proxyCooldown, '--proxy-cooldown', { allowZero: true }) } : {}),
  };
}

/** Progress on stderr: a bar on a TTY, a plain line per interval otherwise. Returns a stopper. */
function startProgress(crawler: Crawler, intervalMs: number): () => void {
  const err = process.stderr;
  if (err.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: 'crawl {pages} pages | queue {queue} | in flight {inflight} | {rate} pages/s | errors {errors}',
        hideCursor: true,
        clearOnComplete: false,
        stream: err,
        fps: 5,
      },
      cliProgress.Presets.legacy,
    );
    const payload = (): Record<string, unknown> => {
      const p = crawler.progress();
      return { pages: p.pages, queue: p.queued, inflight: p.inFlight, rate: p.pagesPerSec.toFixed(1), errors: p.errors };
    };
    bar.start(0, 0, payload());
    const t = setInterval(() => bar.update(crawler.progress().pages, payload()), 200);
    t.unref();
    return () => {
      clearInterval(t);
      bar.update(crawler.progress().pages, payload());
      bar.stop();
    };
  }
  const t = setInterval(() => {
    const p = crawler.progress();
    err.write(`crawl: ${p.pages} pages, queue ${p.queued}, in flight ${p.inFlight}, ${p.pagesPerSec.toFixed(1)} pages/s, ${p.errors} errors\n`);
  }, intervalMs);
  t.unref();
  return () => clearInterval(t);
}

/** The crawl's thresholds and report files (crawl-gate.ts): 0, 1 when one failed, 130 after a signal. */
async function crawlVerdict(crawler: Crawler, summary: { durationMs: number }, plan: ReturnType<typeof crawlGateFromFlags>['plan'], interrupted: boolean, quiet: boolean): Promise<number> {
  let code = 0;
  if (plan.thresholds.length > 0 || plan.formats !== undefined) {
    const stats = crawler.stats;
    const result = stats.gate.result({ name: plan.name, environment: detectEnvironment(packageVersion()), startMs: stats.startedAtEpoch, endMs: stats.startedAtEpoch + summary.durationMs, interrupted });
    code = await reportCrawl(result, plan.thresholds, plan.formats !== undefined ? { formats: plan.formats, outDir: plan.outDir } : undefined, quiet);
  }
  return interrupted ? 130 : code;
}

export async function runCrawl(argSeeds: string[], flags: CrawlFlags, sourceOf?: (key: string) => string | undefined): Promise<number> {
  const interval = duration('--progress-interval', flags.progressInterval, true);
  const { seeds, plan } = crawlGateFromFlags(argSeeds, flags, sourceOf);
  const options = crawlOptionsFromFlags(seeds, flags);
  // issue 17: --dashboard / --prometheus / --otlp, up before the first request (a taken port: exit 2)
  const live = await LiveOutputs.start(flags, { name: plan.name ?? 'crawl', phases: [], intervalMs: 1000, ...(flags.quiet === true ? { quiet: true } : {}) });
  let crawler: Crawler;
  try {
    crawler = await openCrawl(options);
  } catch (e) {
    await live?.close();
    throw e;
  }
  const feed = live !== undefined ? feedCrawl(crawler, live) : undefined;
  const stopProgress = flags.quiet === true ? () => {} : startProgress(crawler, interval);
  let interrupts = 0;
  const onSignal = (): void => {
    if (++interrupts === 1) {
      process.stderr.write('\ncrawl: stopping (finishing requests in flight; again to quit now)\n');
      crawler.stop();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let code: number | undefined;
  try {
    const summary = await crawler.run();
    stopProgress();
    feed?.stop();
    if (flags.quiet !== true) process.stderr.write(formatSummary(summary));
    if (live !== undefined) {
      const end = crawlEnd(crawler, summary, formatSummary(summary));
      await live.finishWith(end.counts, end.html);
    }
    code = await crawlVerdict(crawler, summary, plan, interrupts > 0, flags.quiet === true);
  } finally {
    stopProgress();
    feed?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (code === undefined) await live?.close();
  }
  await live?.linger();
  return code;
}

export function registerCrawlCommand(program: Command): void {
  const cmd = program
    .command('crawl')
    .description('crawl sites from seed URLs, or probe a list of URLs/hosts (--urls), politely; records as JSONL or CSV')
    .argument('[seeds...]', 'seed URLs of a deep crawl')
    .option('--urls <file>', 'probe mode: one URL or bare host per line (- for stdin), streamed')
    .option('-o, --out <file>', 'write records here (default: stdout)')
    .addOption(new Option('--output <file>', 'the old name of --out').hideHelp())
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('--concurrency <n>', 'requests in flight overall', '64')
    .option('--per-host <n>', 'connections (requests in flight) per host', '2')
    .option('--delay <duration>', 'least time between two requests to one host (robots Crawl-delay may raise it)', '0ms')
    .option('--max-crawl-delay <duration>', 'cap a robots.txt Crawl-delay at this (its Disallow rules still apply; 0 ignores the Crawl-delay)', '30s')
    .option('--max-pages <n>', 'stop after this many pages (with --frontier: the whole job\'s total, all workers together); links beyond what can still be fetched are counted, not queued')
    .option('--max-depth <n>', 'do not follow links found at this depth or deeper')
    .option('--max-queue <n>', 'URLs the frontier keeps in memory (~180 B each; beyond: spilled to the --state journal, else dropped and counted)', String(DEFAULT_MAX_QUEUE))
    .option('--max-host-queue <n>', 'URLs of one host the frontier keeps in memory (beyond: that host\'s new links are dropped and counted)', String(DEFAULT_MAX_HOST_QUEUE))
    .option('--scope <scope>', 'follow links to the seeds\' host, registrable domain, or anywhere: host|domain|any', 'host')
    .option('--include <pattern>', 'only follow URLs matching (glob, or re:REGEX; repeatable)', collect, [])
    .option('--exclude <pattern>', 'never follow URLs matching (glob, or re:REGEX; repeatable)', collect, [])
    .option('--user-agent <ua>', 'User-Agent header (its product token picks the robots.txt group)')
    .option('--no-robots', 'ignore robots.txt (be polite)')
    .option('--nofollow', 'skip rel=nofollow links, and the links of pages with meta robots or X-Robots-Tag nofollow')
    .option('--max-body <size>', 'largest body read (e.g. 32mb, 512kb; a bare number is bytes): a bigger page is read up to this (Range request), parsed and marked truncated; robots.txt is read up to 500 KiB whatever this says', '32mb')
    .option('--content-type <type>', 'media types parsed for links (repeatable; default text/html, application/xhtml+xml)', collect, [])
    .option('-t, --timeout <time>', 'response timeout: request written to response complete', '10s')
    .option('--connect-timeout <duration>', 'DNS + TCP connect (+ TLS) timeout, apart from the response timeout', '5s')
    .option('--max-redirects <n>', 'redirects followed per URL in probe mode', '10')
    .option('--host-error-budget <n>', 'failures after which a host is given up', '10')
    .option('--state <dir>', 'keep the frontier in a crash-safe journal in this directory (with --frontier: only the job marker)')
    .option('--resume', 'carry on with the crawl journaled in --state (its seeds are remembered there)')
    .option('--frontier <url>', 'share the frontier through Redis: redis://host:port/JOB')
    .option('--restart', 'with --frontier: start the job over, even when Redis lost it or still holds it')
    .option('--resolve <host:port:addr>', 'connect to addr for host:port (repeatable)', collect, [])
    .option('--resolve-file <file>', 'host:port:addr overrides, one a line')
    .option('--links', 'include each page\'s links in its record')
    .option('--sort-query', 'sort query parameters when normalising URLs')
    .option('-k, --insecure', 'accept any TLS certificate')
    .option('--compressed', 'ask for compressed pages (Accept-Encoding) and decode them before extracting links')
    .option('--cookies', 'keep a cookie jar per host: cookies a host sets are sent back to it')
    .option('--http2', 'speak HTTP/2 (ALPN h2 over TLS, prior knowledge h2c over http://): one connection per host, --per-host is then concurrent streams on it')
    .option('--http1.1', 'speak HTTP/1.1 only')
    .option('-q, --quiet', 'no progress and no summary')
    .option('--progress-interval <duration>', 'how often to print a progress line when stderr is not a terminal', '5s')
    .option('--proxy-rotate <mode>', 'with several -x: a proxy per request (request) or per host (host)', 'request')
    .option('--proxy-strikes <n>', 'with several -x: failures or 403/429 answers in a row that bench a proxy', '3')
    .option('--proxy-cooldown <duration>', 'with several -x: how long a benched proxy stays out of the rotation', '30s')
    .option('--sitemaps', 'also crawl what the sitemaps list: robots.txt Sitemap: lines and /sitemap.xml of each seed (indexes, .gz; <lastmod> into the records)')
    .option('--sitemaps-only', 'enumerate the seeds and what their sitemaps list, following no links')
    .option('--dedupe <mode>', 'canonical: a page whose canonical URL (link rel=canonical, Link header) was already seen is recorded with duplicateOf, its links not followed; content: the same by content fingerprint')
    .option('--adaptive <time>', 'adaptive politeness: steer each host\'s requests in flight (1..--per-host) and delay toward this fetch time, backing off on 429/503/5xx/errors (never below Crawl-delay)')
    .option('--warc <file>', 'archive each page\'s request and response as WARC/1.1 (per-record gzip, digests, WARC-Truncated for bodies cut at --max-body)')
    .option('--warc-max-size <size>', 'with --warc: start a new file past this size (file-00000.warc.gz, file-00001.warc.gz, ...)')
    .option('--threshold <expr>', 'gate the crawl (repeatable): p99<500ms, errors<1% (error code or status >= 400), rps>50, status:5xx=0, status:404<10, status:4xx<1%; a failed one exits 1', collect, [])
    .option('--scenario <file>', 'a crawl scenario: seeds and settings under crawl:, a thresholds: list (flags given here win)')
    .option('--report-dir <dir>', 'write the crawl\'s report files here (json, html with latency by host, junit with one test per threshold, ...)')
    .option('--report-format <list>', 'report files to write (comma-separated; default with --report-dir: all)');
  addNetOptions(cmd, { proxyList: true });
  addLiveOptions(cmd)
    .addHelpText('after', examples([
      'fastbench crawl --urls hosts.txt --format csv -o probe.csv --concurrency 256',
      'fastbench crawl https://example.test/ --state crawl-state --max-depth 3   # then --resume after a crash',
      'fastbench crawl https://example.test/ -x http://p1:3128 -x socks5h://p2:1080 --proxy-rotate host',
      'fastbench crawl http://127.0.0.1:8080/site/ --sitemaps -o pages.jsonl --threshold \'p99<500ms\' --threshold \'status:5xx=0\' --report-dir crawl-report',
    ]))
    .action(async (seeds: string[], flags: CrawlFlags, cmd: Command) => {
      process.exitCode = await runCrawl(seeds, flags, (k) => cmd.getOptionValueSource(k));
    });
}
