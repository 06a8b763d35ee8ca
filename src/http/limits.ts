// Parser limits and leniencies. Every limit has its own error code; every leniency is counted.

export interface HttpLimits {
  /** Longest request line or status line, in bytes, CRLF excluded. */
  maxRequestLineSize: number;
  /** Largest header section (start line + fields + final CRLF), in bytes; also caps trailers. */
  maxHeaderBytes: number;
  /**
   * Most header fields in one message (trailers counted apart): only a guard against many tiny
   * fields, well above what real messages carry — the header section is limited by BYTES.
   */
  maxHeaderCount: number;
  /**
   * Largest body, in bytes ON THE WIRE: for chunked bodies the chunk-size lines, extensions and
   * CRLFs count too (trailers are capped by maxHeaderBytes), so a flood of tiny chunks reaches
   * it as soon as a flood of data does. Infinity for none.
   */
  maxBodySize: number;
  /** Longest chunk extension list on one chunk-size line, in bytes. */
  maxChunkExtensionSize: number;
  /** Most chunks in one chunked body (the last, empty one not counted). */
  maxChunkCount: number;
}

export const DEFAULT_LIMITS: Readonly<HttpLimits> = Object.freeze({
  maxRequestLineSize: 8 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 2000,
  maxBodySize: 16 * 1024 * 1024,
  maxChunkExtensionSize: 1024,
  maxChunkCount: 1024 * 1024,
});

/**
 * Named checks a caller may relax — meant for a client talking to broken servers, never for our
 * server. Each relaxed check that fires is counted in the parser's `leniencyCounts` (index:
 * the Leniency enum), so nothing is accepted silently.
 */
export interface HttpLeniency {
  /** Accept a bare LF as a line end (in the head, chunk lines and trailers). */
  bareLf?: boolean;
  /** Accept whitespace between a field name and its colon (the whitespace is dropped). */
  spaceBeforeColon?: boolean;
  /** Accept obs-fold continuation lines (folded into the previous value, RFC 9112 5.2). */
  obsFold?: boolean;
  /** Accept Transfer-Encoding together with Content-Length (Transfer-Encoding wins). */
  clTeConflict?: boolean;
  /** Accept control characters other than CR, LF and NUL inside field values. */
  headerValueChars?: boolean;
  /** Accept a status line with no reason phrase and no space after the code. */
  missingReasonSpace?: boolean;
}

export const enum Leniency {
  BareLf = 0,
  SpaceBeforeColon = 1,
  ObsFold = 2,
  ClTeConflict = 3,
  HeaderValueChars = 4,
  MissingReasonSpace = 5,
}

export const LENIENCY_NAMES = [
  'bareLf',
  'spaceBeforeColon',
  'obsFold',
  'clTeConflict',
  'headerValueChars',
  'missingReasonSpace',
] as const;

export interface ParserOptions {
  limits?: Partial<HttpLimits>;
  lenient?: HttpLeniency;
}

export function resolveLimits(partial: Partial<HttpLimits> | undefined): HttpLimits {
  const l = { ...DEFAULT_LIMITS, ...(partial ?? {}) };
  for (const [k, v] of Object.entries(l)) {
    if (typeof v !== 'number' || !(v > 0)) throw new RangeError(`limits.${k} must be a positive number`);
  }
  return l;
}
