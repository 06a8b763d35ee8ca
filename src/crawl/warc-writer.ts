// WARC/1.1 output (`--warc crawl.warc.gz`) through warcio (the Webrecorder library archivists'
// tools read and write with): a warcinfo record opening each file, then per fetched page a
// `request` record and a `response` record (WARC-Concurrent-To the request), each gzip-compressed
// on its own (so a reader can seek to any record), with WARC-Target-URI, WARC-Date (the fetch's
// start), and SHA-1 block and payload digests (base32, `sha1:` prefix, as wget and warcio write).
//
// What is archived: the exchange whose response the record describes (in probe mode, the last
// redirect hop). The request is the one sent, byte for byte. The response is rebuilt from the
// parsed one: status line and headers as received, except that a chunked body is stored
// de-chunked, so Transfer-Encoding is dropped and a Content-Length added. A body cut at --max-body
// (the record says truncated) carries `WARC-Truncated: length`, never a silent cut.
//
// Files: with `maxBytes`, a new file starts (with its own warcinfo) once the current one holds at
// least that much: `crawl-00000.warc.gz`, `crawl-00001.warc.gz`, … from `crawl.warc.gz`; without
// it one file at the path given. Records are serialised in order on a promise chain; `backedUp`
// tells the crawl loop to wait while more than PENDING_LIMIT bytes of bodies are queued. The WARC
// is not part of --state's exactly-once guarantee: a page fetched again after a resume is archived
// again.
import { closeSync, openSync, writeSync } from 'node:fs';
import { WARCRecord, WARCSerializer } from 'warcio';
import { FastbenchError } from '../core/errors.js';

export interface WarcOptions {
  /** The file (`crawl.warc.gz`); with maxBytes, the pattern of the rotated names. */
  path: string;
  /** Start a new file once one holds this many bytes (0 = never). */
  maxBytes?: number;
  /** warcinfo `software` field. */
  software: string;
  /** Extra warcinfo fields (e.g. the seeds). */
  info?: Record<string, string>;
}

export interface WarcExchange {
  url: string;
  /** Epoch ms of the fetch's start. */
  time: number;
  /** The request head as sent (request line + headers, CRLF-terminated, blank line included). */
  requestHead: string;
  status: number;
  reason: string;
  headers: [string, string][];
  /** A copy of the body (the caller's buffer is reused). */
  body: Buffer;
  truncated: boolean;
}

/** Bodies queued for serialisation above which the crawl waits. */
const PENDING_LIMIT = 64 * 1024 * 1024;
const DIGEST = { algo: 'sha-1' as const, prefix: 'sha1:', base32: true };

/** `crawl.warc.gz` → `crawl-00003.warc.gz`. */
export function rotatedName(path: string, index: number): string {
  const m = /^(.*?)(\.warc(?:\.gz)?)?$/i.exec(path)!;
  return `${m[1]}-${String(index).padStart(5, '0')}${m[2] ?? '.warc.gz'}`;
}

function parseRequestHead(head: string): { line: string; headers: [string, string][] } {
  const lines = head.split('\r\n').filter((l) => l.length > 0);
  const headers: [string, string][] = [];
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    if (c > 0) headers.push([l.slice(0, c), l.slice(c + 1).trim()]);
  }
  return { line: lines[0] ?? '', headers };
}

export class WarcWriter {
  /** Files written so far, in order. */
  readonly files: string[] = [];
  records = 0;
  error: Error | undefined;
  onDrain: (() => void) | undefined;
  onError: ((e: Error) => void) | undefined;
  private fd = -1;
  private size = 0;
  private index = 0;
  private pending = 0;
  private waiting = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly o: WarcOptions) {
    this.open(); // fails now (usage error) when the path cannot be written
  }

  get backedUp(): boolean {
    return this.pending > PENDING_LIMIT;
  }

  /** Queues one exchange (synchronous; serialised and written in order). */
  add(x: WarcExchange): void {
    if (this.error !== undefined) return;
    this.pending += x.body.length;
    this.chain = this.chain.then(() => this.write(x)).catch((e: unknown) => this.fail(e));
  }

  /** Waits for everything queued, then closes the file. */
  async close(): Promise<void> {
    await this.chain;
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    if (this.error !== undefined) throw this.error;
  }

  private fail(e: unknown): void {
    if (this.error !== undefined) return;
    this.error = e instanceof FastbenchError ? e : new FastbenchError('ERR_REPORT_WRITE', `cannot write the WARC: ${(e as Error).message}`, { cause: e });
    this.onError?.(this.error);
  }

  private open(): void {
    const path = this.o.maxBytes !== undefined && this.o.maxBytes > 0 ? rotatedName(this.o.path, this.index) : this.o.path;
    try {
      this.fd = openSync(path, 'w');
    } catch (e) {
      throw new FastbenchError('ERR_USAGE_FILE', `cannot write --warc ${path}: ${(e as Error).message}`, { cause: e });
    }
    this.files.push(path);
    this.size = 0;
    this.infoPending = true;
  }

  private infoPending = false;

  private append(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.size += bytes.length;
  }

  private async write(x: WarcExchange): Promise<void> {
    const max = this.o.maxBytes ?? 0;
    if (max > 0 && this.size >= max) {
      closeSync(this.fd);
      this.index++;
      this.open();
    }
    if (this.infoPending) {
      this.infoPending = false;
      const name = this.files[this.files.length - 1]!.replace(/^.*[\\/]/, '');
      const info = WARCRecord.createWARCInfo({ filename: name, warcVersion: 'WARC/1.1' }, { software: this.o.software, format: 'WARC File Format 1.1', ...(this.o.info ?? {}) });
      this.append(await WARCSerializer.serialize(info, { gzip: true, digest: DIGEST }));
      this.records++;
    }
    const date = new Date(x.time).toISOString();
    const rq = parseRequestHead(x.requestHead);
    const request = WARCRecord.create({ url: x.url, date, type: 'request', warcVersion: 'WARC/1.1', statusline: rq.line, httpHeaders: rq.headers, keepHeadersCase: true }, [new Uint8Array(0)]);
    const headers = x.headers.filter(([n]) => n.toLowerCase() !== 'transfer-encoding' && n.toLowerCase() !== 'content-length');
    headers.push(['Content-Length', String(x.body.length)]);
    const warcHeaders: Record<string, string> = { 'WARC-Concurrent-To': request.warcHeader('WARC-Record-ID') ?? '' };
    if (x.truncated) warcHeaders['WARC-Truncated'] = 'length';
    const response = WARCRecord.create(
      { url: x.url, date, type: 'response', warcVersion: 'WARC/1.1', statusline: `HTTP/1.1 ${x.status} ${x.reason}`.trimEnd(), httpHeaders: headers, warcHeaders, keepHeadersCase: true },
      [x.body],
    );
    const a = await WARCSerializer.serialize(request, { gzip: true, digest: DIGEST });
    const b = await WARCSerializer.serialize(response, { gzip: true, digest: DIGEST });
    this.append(a);
    this.append(b);
    this.records += 2;
    this.pending -= x.body.length;
    if (this.waiting && !this.backedUp) {
      this.waiting = false;
      this.onDrain?.();
    }
  }

  /** The crawl loop saw backedUp: call onDrain when it clears. */
  waitForDrain(): void {
    this.waiting = true;
  }
}
