// Crawl output as JSONL (one JSON object a line) or CSV (RFC 4180 quoting, `\n` line ends, a
// header row), written so that a resumed crawl can continue it exactly where the journal says.
//
// - write(record) returns the file's byte offset just after that record. The crawl loop stores
//   it in the journal's "done" record; on resume the file is opened at the last durable offset
//   (truncated there, then appended to), so a record whose done mark was lost is dropped and
//   written again, once.
// - Records are buffered (highWaterMark bytes) and written with positioned writeSync calls;
//   flush() writes what is buffered and fsyncs. The journal calls flush() BEFORE it writes and
//   syncs its own batch, so a durable done mark never points past durable output.
// - Formats are one table of encoders (OUTPUT_FORMATS): a name, a file extension, an optional
//   header line and encode(record) → one line. Adding a format is one entry.
// - CSV columns come from `columns`, else from the header row of the file being resumed, else
//   from the keys of the first record. Values: null/undefined → empty, objects → JSON text.

import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { FastbenchError } from '../core/errors.js';

export type OutputFormat = 'jsonl' | 'csv';

/** One output format: how a record (and, for columnar ones, the header) becomes a line. */
export interface RecordEncoder {
  /** The --format value. */
  readonly name: OutputFormat;
  /** The usual file extension, without the dot. */
  readonly extension: string;
  /** Records are rows under a header of columns (their order is the header's). */
  readonly columnar: boolean;
  /** The file's first line for these columns, '\n' included ('' when the format has none). */
  header(columns: readonly string[]): string;
  /** One record as one line, '\n' included; `columns` is the header's (columnar formats). */
  encode(record: Readonly<Record<string, unknown>>, columns: readonly string[]): string;
}

/** The output formats, by name. */
export const OUTPUT_FORMATS: readonly RecordEncoder[] = [
  {
    name: 'jsonl',
    extension: 'jsonl',
    columnar: false,
    header: () => '',
    encode: (record) => JSON.stringify(record) + '\n',
  },
  {
    name: 'csv',
    extension: 'csv',
    columnar: true,
    header: (columns) => columns.map(csvField).join(',') + '\n',
    encode(record, columns) {
      let line = '';
      for (let i = 0; i < columns.length; i++) {
        if (i > 0) line += ',';
        line += csvField(record[columns[i]!]);
      }
      return line + '\n';
    },
  },
];

/** The encoder named `name`; ERR_USAGE_BAD_OPTION (naming the formats) when there is none. */
export function outputEncoder(name: string): RecordEncoder {
  const e = OUTPUT_FORMATS.find((f) => f.name === name);
  if (e === undefined) {
    const names = OUTPUT_FORMATS.map((f) => f.name).join(' or ');
    throw new FastbenchError('ERR_USAGE_BAD_OPTION', `--format must be ${names}, got ${JSON.stringify(name)}`);
  }
  return e;
}

export interface OutputWriterOptions {
  format: OutputFormat;
  /** CSV column order. */
  columns?: readonly string[];
  /** Open at this byte offset: truncate the file there and append. 0 (default) starts a new file. */
  offset?: number;
  /** fsync on flush(). Default true. */
  fsync?: boolean;
  /** Bytes buffered before they are written out. Default 64 KiB. */
  highWaterMark?: number;
}

export function csvField(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') s = String(v);
  else s = JSON.stringify(v);
  if (/[",\r\n]/.test(s) || (s.length > 0 && (s[0] === ' ' || s[s.length - 1] === ' '))) {
    return '"' + s.replace(/"/g, '""') + '"';
  }
  return s;
}

/** Splits one CSV line (no line break inside) into fields. */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          field += line.slice(i);
          i = line.length;
          break;
        }
        field += line.slice(i, q);
        if (line[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const comma = line.indexOf(',', i);
      i = comma < 0 ? line.length + 1 : comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      field = comma < 0 ? line.slice(i) : line.slice(i, comma);
      i = comma < 0 ? line.length + 1 : comma + 1;
    }
    out.push(field);
    if (i > line.length) return out;
  }
}

const NO_COLUMNS: readonly string[] = [];

function fail(code: 'ERR_CRAWL_OUTPUT' | 'ERR_CRAWL_STATE', msg: string, cause?: unknown): never {
  throw new FastbenchError(code, msg, cause === undefined ? undefined : { cause });
}

export class OutputWriter {
  readonly path: string;
  readonly format: OutputFormat;
  private readonly encoder: RecordEncoder;
  private fd: number;
  private columns: readonly string[] | undefined;
  private chunks: string[] = [];
  private buffered = 0;
  /** Bytes in the file (written out); the logical offset adds the buffered bytes. */
  private written: number;
  private readonly doSync: boolean;
  private readonly hwm: number;

  private constructor(path: string, fd: number, format: OutputFormat, offset: number, opts: OutputWriterOptions) {
    this.path = path;
    this.fd = fd;
    this.format = format;
    this.encoder = outputEncoder(format);
    this.written = offset;
    this.columns = opts.columns;
    this.doSync = opts.fsync ?? true;
    this.hwm = opts.highWaterMark ?? 64 * 1024;
  }

  /** Opens (creates, or truncates to `opts.offset` and appends to) an output file. */
  static open(path: string, opts: OutputWriterOptions): OutputWriter {
    const offset = opts.offset ?? 0;
    if (!Number.isSafeInteger(offset) || offset < 0) fail('ERR_CRAWL_STATE', `bad output offset ${offset}`);
    let fd: number;
    try {
      fd = openSync(path, offset === 0 ? 'w' : 'r+');
    } catch (e) {
      fail(offset === 0 ? 'ERR_CRAWL_OUTPUT' : 'ERR_CRAWL_STATE', `cannot open ${path}: ${(e as Error).message}`, e);
    }
    let w: OutputWriter;
    try {
      if (offset > 0) {
        const size = fstatSync(fd).size;
        if (size < offset) fail('ERR_CRAWL_STATE', `${path} has ${size} bytes, the journal expects at least ${offset}`);
        ftruncateSync(fd, offset);
      }
      w = new OutputWriter(path, fd, opts.format, offset, opts);
      if (w.encoder.columnar) {
        if (offset > 0 && w.columns === undefined) w.columns = readHeader(fd);
        if (offset === 0 && w.columns !== undefined) w.append(w.encoder.header(w.columns));
      }
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    return w;
  }

  /** Byte offset after everything written so far (including what is still buffered). */
  get offset(): number {
    return this.written + this.buffered;
  }

  /** Appends one record; returns the byte offset just after it. */
  write(record: Readonly<Record<string, unknown>>): number {
    if (this.fd < 0) fail('ERR_CRAWL_OUTPUT', `${this.path} is closed`);
    const enc = this.encoder;
    if (enc.columnar && this.columns === undefined) {
      this.columns = Object.keys(record);
      if (this.offset === 0) this.append(enc.header(this.columns));
    }
    this.append(enc.encode(record, this.columns ?? NO_COLUMNS));
    if (this.buffered >= this.hwm) this.writeOut();
    return this.offset;
  }

  /** Writes out the buffer and fsyncs the file (when fsync is on). */
  flush(): void {
    if (this.fd < 0) return;
    this.writeOut();
    if (this.doSync) {
      try {
        fsyncSync(this.fd);
      } catch (e) {
        fail('ERR_CRAWL_OUTPUT', `fsync ${this.path}: ${(e as Error).message}`, e);
      }
    }
  }

  close(): void {
    if (this.fd < 0) return;
    this.flush();
    closeSync(this.fd);
    this.fd = -1;
  }

  private append(s: string): void {
    this.chunks.push(s);
    this.buffered += Buffer.byteLength(s);
  }

  private writeOut(): void {
    if (this.buffered === 0) return;
    const buf = Buffer.from(this.chunks.join(''), 'utf8');
    let done = 0;
    try {
      while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, this.written + done);
    } catch (e) {
      fail('ERR_CRAWL_OUTPUT', `write ${this.path}: ${(e as Error).message}`, e);
    }
    this.written += buf.length;
    this.chunks = [];
    this.buffered = 0;
  }
}

function readHeader(fd: number): string[] {
  const buf = Buffer.alloc(64 * 1024);
  const n = readSync(fd, buf, 0, buf.length, 0);
  const text = buf.subarray(0, n).toString('utf8');
  const nl = text.indexOf('\n');
  if (nl < 0) fail('ERR_CRAWL_STATE', 'the CSV output being resumed has no header row');
  return parseCsvLine(text.slice(0, nl).replace(/\r$/, ''));
}
