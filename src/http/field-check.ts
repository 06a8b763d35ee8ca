// Checks applied to what we send: names must be tokens, values must not smuggle a line break.
import { FIELD_VALUE, TOKEN } from './chars.js';
import { HttpCodecError } from './codec-error.js';

/** Header fields to send: [name, value] pairs, or a record. */
export type HeaderInput = readonly (readonly [string, string])[] | Readonly<Record<string, string | number>>;

export function checkFieldName(name: string): void {
  if (name.length === 0) throw new HttpCodecError('ERR_HTTP_INVALID_HEADER', 0, 'empty header name');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0xff || TOKEN[c] !== 1) {
      throw new HttpCodecError('ERR_HTTP_INVALID_HEADER', i, `invalid character in header name ${JSON.stringify(name)}`);
    }
  }
}

export function checkFieldValue(name: string, value: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE[c] !== 1) {
      throw new HttpCodecError('ERR_HTTP_INVALID_HEADER', i, `invalid character in the value of header ${JSON.stringify(name)}`);
    }
  }
}

/** Normalises header input to checked [name, value] pairs. */
export function toFieldPairs(headers: HeaderInput | undefined): [string, string][] {
  if (headers === undefined) return [];
  const pairs: [string, string][] = Array.isArray(headers)
    ? (headers as readonly (readonly [string, string])[]).map(([n, v]) => [n, String(v)])
    : Object.entries(headers as Record<string, string | number>).map(([n, v]) => [n, String(v)]);
  for (const [n, v] of pairs) {
    checkFieldName(n);
    checkFieldValue(n, v);
  }
  return pairs;
}

/** Case-insensitive presence test on names. */
export function hasField(pairs: readonly (readonly [string, string])[], lowerName: string): boolean {
  for (const [n] of pairs) if (n.length === lowerName.length && n.toLowerCase() === lowerName) return true;
  return false;
}
