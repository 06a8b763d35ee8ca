// One line of crawl output per URL taken from the frontier, and the sinks it goes to.
//
// JSONL (default) writes the record as it is, `timing` nested; CSV flattens it into CSV_COLUMNS
// (redirects and link URLs joined by spaces, the timing phases as columns). Files go through
// OutputWriter (byte offsets for the resume journal, flushed before each journal sync); stdout
// gets the same lines through its stream, with an offset counted but never used for resuming.
import type { Response } from '../client/response.js';
import { OutputWriter, outputEncoder, type OutputFormat, type RecordEncoder } from './output-writer.js';

export interface CrawlTiming {
  connWait: number;
  dns: number;
  connect: number;
  tls: number;
  write: number;
  firstByte: number;
  body: number;
  total: number;
  reused: boolean;
}

export interface CrawlRecord {
  /** The URL as queued (normalised). */
  url: string;
  /** Where the last request went (after redirects in probe mode). */
  finalUrl: string;
  /** URLs requested before finalUrl, in order (probe mode follows redirects). */
  redirects: string[];
  /** 0 when nothing was received. */
  status: number;
  contentType: string | null;
  /** Body bytes received. */
  bytes: number;
  /** crawl --compressed: the body's size decoded, when it came compressed (JSONL only). */
  decodedBytes?: number;
  title: string | null;
  /** Links found on the page (after normalisation, before scope and de-duplication). */
  links: number;
  /** The links themselves, with --links. */
  linkUrls?: string[];
  /** Link depth from the seeds (0 for seeds and probe URLs). */
  depth: number;
  /** A redirect's target (normalised), when the response is one. */
  location: string | null;
  /** Wall-clock time the fetch started (epoch ms, to the µs; from the monotonic clock). */
  time: number;
  /** Phases of the last exchange, ms; null when nothing was sent. */
  timing: CrawlTiming | null;
  /** Error code (ERR_*) or null. */
  error: string | null;
  /**
   * The body was bigger than --max-body: only its first --max-body bytes were read (asked for
   * again with a Range request) and parsed. Absent when the whole body was read.
   */
  truncated?: boolean;
  /** `<lastmod>` of the sitemap entry the URL came from. */
  lastmod?: string;
  /** The canonical URL the page names (`<link rel=canonical>`, else a `Link: rel="canonical"` header), normalised. */
  canonical?: string;
  /** 16 hex digits: a 64-bit hash of the body with whitespace runs collapsed (equal for pages that differ only in spacing). */
  fingerprint?: string;
  /** The page asked not to be indexed (meta robots / X-Robots-Tag noindex). */
  noindex?: boolean;
  /** The page asked that its links not be followed (meta robots / X-Robots-Tag nofollow). */
  nofollow?: boolean;
  /**
   * --dedupe: the URL fetched first with the same canonical URL (canonical) or the same
   * fingerprint (content). Its links were not followed; with canonical, a URL that an earlier
   * page named as its canonical is not fetched at all (status 0).
   */
  duplicateOf?: string;
}

export const CSV_COLUMNS: readonly string[] = Object.freeze([
  'url', 'finalUrl', 'redirects', 'status', 'contentType', 'bytes', 'title', 'links', 'depth', 'location', 'time',
  'connWait', 'dns', 'connect', 'tls', 'write', 'firstByte', 'body', 'total', 'reused', 'error', 'linkUrls',
  'truncated', 'lastmod', 'canonical', 'fingerprint', 'noindex', 'nofollow', 'duplicateOf',
]);

function r3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/** The timing phases of a finished exchange, rounded to the microsecond. */
export function timingOf(res: Response): CrawlTiming {
  const t = res.timing;
  return {
    connWait: r3(t.connWait),
    dns: r3(t.dns),
    connect: r3(t.connect),
    tls: r3(t.tls),
    write: r3(t.write),
    firstByte: r3(t.firstByte),
    body: r3(t.body),
    total: r3(t.total),
    reused: t.reused,
  };
}

/** The flat row a CSV line is made of. */
export function csvRow(r: CrawlRecord): Record<string, unknown> {
  const t = r.timing;
  return {
    url: r.url,
    finalUrl: r.finalUrl,
    redirects: r.redirects.join(' '),
    status: r.status,
    contentType: r.contentType,
    bytes: r.bytes,
    title: r.title,
    links: r.links,
    depth: r.depth,
    location: r.location,
    time: r.time,
    connWait: t?.connWait,
    dns: t?.dns,
    connect: t?.connect,
    tls: t?.tls,
    write: t?.write,
    firstByte: t?.firstByte,
    body: t?.body,
    total: t?.total,
    reused: t?.reused,
    error: r.error,
    linkUrls: r.linkUrls === undefined ? undefined : r.linkUrls.join(' '),
    truncated: r.truncated,
    lastmod: r.lastmod,
    canonical: r.canonical,
    fingerprint: r.fingerprint,
    noindex: r.noindex,
    nofollow: r.nofollow,
    duplicateOf: r.duplicateOf,
  };
}

/** A record as an encoder takes it: flattened to CSV_COLUMNS for columnar formats, else as is. */
function asRow(r: CrawlRecord, columnar: boolean): Readonly<Record<string, unknown>> {
  return columnar ? csvRow(r) : (r as unknown as Record<string, unknown>);
}

/** Where records go. write() returns the byte offset after the record. */
export interface RecordSink {
  write(r: CrawlRecord): number;
  /** Writes out (and for files fsyncs) what is buffered. */
  flush(): void;
  close(): Promise<void>;
  /** True while the consumer is behind (stdout into a slow pipe): the crawler waits. */
  readonly backedUp: boolean;
  /** Called once when a backed-up sink has caught up. */
  onDrain: (() => void) | undefined;
  /** Called when the consumer went away (stdout into a pipe that closed): the crawl stops. */
  onError: ((err: Error) => void) | undefined;
}

/** A file sink on OutputWriter; `offset` > 0 resumes (truncates there and appends). */
export class FileSink implements RecordSink {
  readonly writer: OutputWriter;
  private readonly columnar: boolean;
  readonly backedUp = false;
  onDrain: (() => void) | undefined;
  onError: ((err: Error) => void) | undefined;

  constructor(path: string, format: OutputFormat, offset = 0, fsync = true) {
    this.columnar = outputEncoder(format).columnar;
    this.writer = OutputWriter.open(path, { format, offset, fsync, ...(this.columnar ? { columns: CSV_COLUMNS } : {}) });
  }

  write(r: CrawlRecord): number {
    return this.writer.write(asRow(r, this.columnar));
  }

  flush(): void {
    this.writer.flush();
  }

  close(): Promise<void> {
    this.writer.close();
    return Promise.resolve();
  }
}

/** A sink on a writable stream (stdout). Lines are written as they come; backpressure is reported. */
export class StreamSink implements RecordSink {
  private readonly stream: NodeJS.WritableStream & { writableNeedDrain?: boolean };
  private readonly encoder: RecordEncoder;
  private offset = 0;
  private waiting = false;
  private broken = false;
  onDrain: (() => void) | undefined;
  onError: ((err: Error) => void) | undefined;

  constructor(stream: NodeJS.WritableStream, format: OutputFormat) {
    this.stream = stream;
    this.encoder = outputEncoder(format);
    // EPIPE (`fastbench crawl ... | head`) and the like: stop writing, tell the crawler.
    stream.on('error', (err: Error) => {
      if (this.broken) return;
      this.broken = true;
      this.waiting = false;
      this.onError?.(err);
    });
    const header = this.encoder.header(CSV_COLUMNS);
    if (header !== '') this.line(header);
  }

  get backedUp(): boolean {
    return this.waiting;
  }

  write(r: CrawlRecord): number {
    this.line(this.encoder.encode(asRow(r, this.encoder.columnar), CSV_COLUMNS));
    return this.offset;
  }

  private line(s: string): void {
    this.offset += Buffer.byteLength(s);
    if (this.broken) return;
    if (!this.stream.write(s) && !this.waiting) {
      this.waiting = true;
      this.stream.once('drain', () => {
        this.waiting = false;
        this.onDrain?.();
      });
    }
  }

  flush(): void {
    // Lines are handed to the stream as they come.
  }

  close(): Promise<void> {
    if (!this.waiting || this.broken) return Promise.resolve();
    return new Promise((resolve) => this.stream.once('drain', () => resolve()));
  }
}
