// Puts a crawl together from options: the queue (memory, the --state journal, or Redis), the
// output sink (file or stream), probe mode's URL source, and the Crawler. The CLI, the bench and
// library users start crawls through openCrawl().
import { existsSync, statSync } from 'node:fs';
import type { Client } from '../client/client.js';
import { parseResolveOverride } from '../client/dns-cache.js';
import { FastbenchError } from '../core/errors.js';
import { resolveCrawlOptions, type CrawlOptions } from './crawl-options.js';
import { LocalQueue, type CrawlQueue, type QueueBounds } from './crawl-queue.js';
import { FileSink, StreamSink, type RecordSink } from './crawl-record.js';
import { readCrawlManifest, writeCrawlManifest } from './crawl-manifest.js';
import { Crawler } from './crawler.js';
import { outputEncoder, type OutputFormat } from './output-writer.js';
import { Scope } from './scope.js';
import { normalizeUrl } from './url-normalizer.js';
import { UrlSource } from './url-source.js';
import type { WarcWriter } from './warc-writer.js';

export interface CrawlSessionOptions extends CrawlOptions {
  /** Output file; without it records go to `stream`. */
  output?: string;
  /** Where records go without `output`. Default process.stdout. */
  stream?: NodeJS.WritableStream;
  format?: OutputFormat;
  /** Keep the frontier in a crash-safe journal in this directory. */
  stateDir?: string;
  /** Carry on with the crawl journaled in stateDir. */
  resume?: boolean;
  /** redis://host:port/JOB: share the frontier and seen set with other processes. */
  frontier?: string;
  /** With `frontier`: start the job over (delete what Redis holds of it). */
  restart?: boolean;
  /**
   * With `frontier`: keep a marker of the job on this machine (in stateDir, else under
   * $XDG_STATE_HOME/fastbench/jobs) to notice a job that vanished from Redis. Default true.
   */
  jobMarker?: boolean;
  /** Redis lease lifetime (ms). */
  leaseTtlMs?: number;
  /** fsync the journal and the output at each journal batch. Default true. */
  fsync?: boolean;
  /** A client to fetch with (the caller closes it); default: one made from the options. */
  client?: Client;
  /** Archive every page's exchange as WARC/1.1 (warc-writer.ts) in this file. */
  warc?: string;
  /** Start a new WARC file once one holds this many bytes (rotated names: crawl-00000.warc.gz). */
  warcMaxBytes?: number;
}

/** Builds everything a crawl needs; call run() on the result. */
export async function openCrawl(o: CrawlSessionOptions): Promise<Crawler> {
  if (o.resume === true && o.stateDir === undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--resume needs --state DIR');
  if (o.resume === true && o.frontier !== undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--resume is for a --state journal: a --frontier job carries on by itself (--state DIR only keeps its job marker there)');
  if (o.restart === true && o.frontier === undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--restart starts a --frontier job over; without --frontier, use a new --state directory');
  if (o.resume === true && (o.seeds ?? []).length === 0 && o.urlsFile === undefined) {
    // --resume --state DIR: the seeds (or the probe's --urls file) are the ones the crawl started with.
    const m = readCrawlManifest(o.stateDir!);
    o = { ...o, seeds: m.seeds, ...(m.urlsFile !== undefined ? { urlsFile: m.urlsFile } : {}) };
  }
  const opts = resolveCrawlOptions(o);
  const format: OutputFormat = o.format ?? 'jsonl';
  outputEncoder(format); // a known format, or ERR_USAGE_BAD_OPTION naming them
  if (o.stateDir !== undefined && o.frontier === undefined && o.output === undefined) throw new FastbenchError('ERR_USAGE_BAD_OPTION', '--state needs -o FILE: resuming continues the output file where the journal says');
  const fsync = o.fsync ?? true;
  // Check seeds and patterns before anything is created on disk or in Redis.
  const seeds = opts.seeds.map((u) => normalizeUrl(u, { sortQuery: opts.sortQuery }));
  new Scope({ mode: opts.scope, seeds, include: opts.include, exclude: opts.exclude });
  for (const r of opts.resolve) parseResolveOverride(r);

  let sink: RecordSink | undefined;
  let queue: CrawlQueue;
  let resumedDone = 0;
  let outputOffset = 0;
  const bounds: QueueBounds = { maxQueue: opts.maxQueue, maxHostQueue: opts.maxHostQueue, budget: opts.maxPages };
  const journal = { syncEvery: 1000, syncIntervalMs: 250, fsync, beforeSync: () => sink?.flush() };
  if (o.frontier !== undefined) {
    const { RedisFrontier } = await import('./redis-frontier.js');
    queue = await RedisFrontier.connect({
      url: o.frontier,
      defaultDelayMs: opts.delayMs,
      maxLeases: Math.max(opts.concurrency, 16),
      maxPages: opts.maxPages, // the job's total, across all its workers
      ...(o.leaseTtlMs !== undefined ? { leaseTtlMs: o.leaseTtlMs } : {}),
      ...(o.jobMarker !== false ? { markerPath: RedisFrontier.markerPath(o.frontier, o.stateDir) } : {}),
      restart: o.restart === true,
    });
  } else if (o.stateDir !== undefined && o.resume === true) {
    const outputSize = existsSync(o.output!) ? statSync(o.output!).size : 0;
    const r = await LocalQueue.resume(opts.delayMs, o.stateDir, { ...journal, outputSize }, bounds);
    r.queue.setBudget(opts.maxPages - r.done); // pages done before count against --max-pages
    queue = r.queue;
    resumedDone = r.done;
    outputOffset = r.outputOffset;
  } else {
    queue = LocalQueue.create(opts.delayMs, o.stateDir, journal, bounds);
    if (o.stateDir !== undefined) {
      try {
        writeCrawlManifest(o.stateDir, opts.seeds, opts.urlsFile);
      } catch (e) {
        await queue.close();
        throw e;
      }
    }
  }
  let source: UrlSource | undefined;
  let warc: WarcWriter | undefined;
  try {
    if (o.warc !== undefined) {
      const { WarcWriter } = await import('./warc-writer.js'); // warcio is loaded only for --warc
      warc = new WarcWriter({ path: o.warc, ...(o.warcMaxBytes !== undefined ? { maxBytes: o.warcMaxBytes } : {}), software: 'fastbench crawl', info: { seeds: opts.seeds.join(' '), 'http-header-user-agent': opts.userAgent } });
    }
    sink = o.output !== undefined ? new FileSink(o.output, format, outputOffset, fsync && o.stateDir !== undefined) : new StreamSink(o.stream ?? process.stdout, format);
    if (opts.urlsFile !== undefined) source = await UrlSource.open(opts.urlsFile, { sortQuery: opts.sortQuery });
    return new Crawler(opts, { queue, sink, ...(source !== undefined ? { source } : {}), ...(o.client !== undefined ? { client: o.client } : {}), ...(warc !== undefined ? { warc } : {}), resumedDone });
  } catch (e) {
    source?.close();
    await warc?.close().catch(() => {});
    await queue.close().catch(() => {});
    await sink?.close().catch(() => {});
    throw e;
  }
}
