// Response serialization: cached status lines, heads written straight into a reused ByteWriter.
import { ByteWriter } from '../core/byte-writer.js';
import { HttpCodecError } from './codec-error.js';
import { type HeaderInput, checkFieldName, checkFieldValue, toFieldPairs } from './field-check.js';

export const STATUS_TEXT: Readonly<Record<number, string>> = Object.freeze({
  100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content',
  205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
  305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Content Too Large',
  414: 'URI Too Long', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 417: 'Expectation Failed',
  418: "I'm a teapot", 421: 'Misdirected Request', 422: 'Unprocessable Content', 423: 'Locked',
  424: 'Failed Dependency', 425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout', 505: 'HTTP Version Not Supported', 506: 'Variant Also Negotiates',
  507: 'Insufficient Storage', 508: 'Loop Detected', 510: 'Not Extended', 511: 'Network Authentication Required',
});

const lineCache11: (Buffer | undefined)[] = new Array(1000);
const lineCache10: (Buffer | undefined)[] = new Array(1000);

/** "HTTP/1.1 200 OK\r\n", built once per status and version. */
export function statusLine(status: number, http10 = false): Buffer {
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new HttpCodecError('ERR_HTTP_INVALID_HEADER', 0, `invalid status code ${status}`);
  }
  const cache = http10 ? lineCache10 : lineCache11;
  let line = cache[status];
  if (line === undefined) {
    line = Buffer.from(`HTTP/1.${http10 ? 0 : 1} ${status} ${STATUS_TEXT[status] ?? 'Unknown'}\r\n`, 'latin1');
    cache[status] = line;
  }
  return line;
}

/** Responses to these never carry a body (RFC 9110 6.4.1). */
export function statusHasNoBody(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

export interface ResponseHeadOptions {
  /** Body length, or -1 for chunked, or -2 for a close-delimited body (no framing header). */
  bodyLength: number;
  /** Adds `Connection: close`. */
  close?: boolean;
  /** Adds `Connection: keep-alive` (for HTTP/1.0 peers). */
  keepAlive10?: boolean;
  http10?: boolean;
  /** A prebuilt "Date: ...\r\n" line (see the server's date cache). */
  dateLine?: Uint8Array;
}

/**
 * Writes a response head. `headers` is a flat [name, value, ...] list that the caller has
 * already checked (see checkedFlat) — the hot path does not re-check fixed headers.
 */
export function writeResponseHead(w: ByteWriter, status: number, headers: readonly string[] | undefined, opts: ResponseHeadOptions): void {
  w.bytes(statusLine(status, opts.http10 === true));
  if (opts.dateLine !== undefined) w.bytes(opts.dateLine);
  if (headers !== undefined) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      w.field(headers[i]!, headers[i + 1]!);
    }
  }
  const len = opts.bodyLength;
  if (len >= 0) {
    if (!statusHasNoBody(status)) {
      w.latin1('Content-Length: ');
      w.decimal(len);
      w.crlf();
    }
  } else if (len === -1) {
    w.latin1('Transfer-Encoding: chunked\r\n');
  }
  if (opts.close) w.latin1('Connection: close\r\n');
  else if (opts.keepAlive10) w.latin1('Connection: keep-alive\r\n');
  w.crlf();
}

/** Checks header input once and flattens it for writeResponseHead. */
export function checkedFlat(headers: HeaderInput | undefined): string[] {
  const out: string[] = [];
  for (const [n, v] of toFieldPairs(headers)) out.push(n, v);
  return out;
}

/** Checks a flat [name, value, ...] list (for headers built at run time). */
export function checkFlat(flat: readonly string[]): void {
  for (let i = 0; i + 1 < flat.length; i += 2) {
    checkFieldName(flat[i]!);
    checkFieldValue(flat[i]!, flat[i + 1]!);
  }
}

/** A whole response built once (a canned answer): status line, headers, framing, body. */
export function prepareResponse(status: number, headers: HeaderInput | undefined, body: Uint8Array | string = ''): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const w = new ByteWriter(256 + bytes.length);
  writeResponseHead(w, status, checkedFlat(headers), { bodyLength: bytes.length });
  if (!statusHasNoBody(status)) w.bytes(bytes);
  return w.toBuffer();
}
