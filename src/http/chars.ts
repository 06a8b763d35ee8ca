// Byte classes for RFC 9110/9112 parsing, as 256-entry lookup tables (one load per byte).

function table(pred: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
  return t;
}

const TCHAR_EXTRA = "!#$%&'*+-.^_`|~";

/** tchar: the characters of a token (method, header name, transfer coding). */
export const TOKEN = table(
  (c) =>
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    TCHAR_EXTRA.includes(String.fromCharCode(c)),
);

/** field-vchar / SP / HTAB / obs-text: what may stand inside a field value. */
export const FIELD_VALUE = table((c) => c === 0x09 || (c >= 0x20 && c !== 0x7f));

/** Visible ASCII without SP: a request-target. */
export const TARGET = table((c) => c > 0x20 && c < 0x7f);

/** Hex digit value + 1 (0 = not a hex digit). */
export const HEX = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i + 1;
  for (let i = 0; i < 6; i++) {
    t[0x41 + i] = 11 + i;
    t[0x61 + i] = 11 + i;
  }
  return t;
})();

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

/**
 * Compares buf[start, end) with a lower-case ASCII name, case-insensitively, without allocating.
 * `lower` must already be lower case.
 */
export function equalsLower(buf: Uint8Array, start: number, end: number, lower: Uint8Array): boolean {
  const n = lower.length;
  if (end - start !== n) return false;
  for (let i = 0; i < n; i++) {
    const c = buf[start + i]!;
    if (c !== lower[i] && (c | 0x20) !== lower[i]) return false;
  }
  return true;
}

/** Encodes a string as latin1 bytes (names and tokens are ASCII). */
export function ascii(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}
