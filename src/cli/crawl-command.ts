// `fastbench crawl`: a polite deep crawl from seed URLs, or a probe of a list of URLs / hosts
// (--urls). Records stream to -o/--out FILE (stdout without it) as JSONL or CSV; progress and the
// summary go to stderr. --state DIR makes the crawl resumable after a crash (--resume);
// --frontier redis://host:port/JOB shares one crawl between processes.
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { FastbenchError } from '../core/errors.js';
import { DEFAULT_MAX_HOST_QUEUE, DEFAULT_MAX_QUEUE } from '../crawl/crawl-options.js';
import { openCrawl, type CrawlSessionOptions } from '../crawl/crawl-session.js';
import { formatSummary } from '../crawl/crawl-stats.js';
import { crawlEnd, feedCrawl } from './crawl-live.js';
import { addLiveOptions, LiveOutputs, type LiveFlags } from './live-outputs.js';
import type { Crawler } from '../crawl/crawler.js';
import type { OutputFormat } from '../crawl/output-writer.js';
import type { ScopeMode } from '../crawl/scope.js';
import { collect, parseCountFlag, parseDurationFlag, parseSizeFlag } from './flags.js';
import { examples } from './help.js';

export interface CrawlFlags extends LiveFlags {
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
  quiet?: boolean;
  progressInterval: string;
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
  if (f.urls !== undefined) o.urlsFile = f.urls;
  if (f.out !== undefined && f.output !== undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--out and --output are one option (--output is its old name): give one');
  const output = f.out ?? f.output;
  if (output !== undefined) o.output = output;
  if (f.userAgent !== undefined) o.userAgent = f.userAgent;
  if (f.state !== undefined) o.stateDir = f.state;
  if (f.frontier !== undefined) o.frontier = f.frontier;
  return o;
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

export async function runCrawl(seeds: string[], flags: CrawlFlags): Promise<number> {
  const interval = duration('--progress-interval', flags.progressInterval, true);
  const options = crawlOptionsFromFlags(seeds, flags);
  // issue 17: --dashboard / --prometheus / --otlp, up before the first request (a taken port: exit 2)
  const live = await LiveOutputs.start(flags, { name: 'crawl', phases: [], intervalMs: 1000, ...(flags.quiet === true ? { quiet: true } : {}) });
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
    code = interrupts > 0 ? 130 : 0;
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
    .option('--max-pages <n>', 'stop after this many pages (with --frontier: the whole job\'s total, all workers together); links beyond what can still be fetched are counted, not queued')
    .option('--max-depth <n>', 'do not follow links found at this depth or deeper')
    .option('--max-queue <n>', 'URLs the frontier keeps in memory (~180 B each; beyond: spilled to the --state journal, else dropped and counted)', String(DEFAULT_MAX_QUEUE))
    .option('--max-host-queue <n>', 'URLs of one host the frontier keeps in memory (beyond: that host\'s new links are dropped and counted)', String(DEFAULT_MAX_HOST_QUEUE))
    .option('--scope <scope>', 'follow links to the seeds\' host, registrable domain, or anywhere: host|domain|any', 'host')
    .option('--include <pattern>', 'only follow URLs matching (glob, or re:REGEX; repeatable)', collect, [])
    .option('--exclude <pattern>', 'never follow URLs matching (glob, or re:REGEX; repeatable)', collect, [])
    .option('--user-agent <ua>', 'User-Agent header (its product token picks the robots.txt group)')
    .option('--no-robots', 'ignore robots.txt (be polite)')
    .option('--nofollow', 'skip rel=nofollow links and pages with meta robots nofollow')
    .option('--max-body <size>', 'largest body fetched (e.g. 5mb, 512kb; a bare number is bytes); robots.txt is read up to 500 KiB whatever this says', '5mb')
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
    .option('-q, --quiet', 'no progress and no summary')
    .option('--progress-interval <duration>', 'how often to print a progress line when stderr is not a terminal', '5s');
  addLiveOptions(cmd)
    .addHelpText('after', examples([
      'fastbench crawl http://127.0.0.1:8080/site/ --max-pages 500 -o pages.jsonl',
      'fastbench crawl --urls hosts.txt --format csv -o probe.csv --concurrency 256',
      'fastbench crawl https://example.test/ --state crawl-state --max-depth 3   # then --resume after a crash',
    ]))
    .action(async (seeds: string[], flags: CrawlFlags) => {
      process.exitCode = await runCrawl(seeds, flags);
    });
}
