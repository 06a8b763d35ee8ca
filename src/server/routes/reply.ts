// Shared bits of the routes: prebuilt content-type header lists, JSON/text answers, and reading
// numbers and the Host header out of a request without ceremony.
import { checkFlat } from '../../http/response-serializer.js';
import type { ServerRequest, ServerResponse } from '../types.js';

export const TEXT_HEADERS: readonly string[] = Object.freeze(['Content-Type', 'text/plain; charset=utf-8']);
export const JSON_HEADERS: readonly string[] = Object.freeze(['Content-Type', 'application/json']);
export const HTML_HEADERS: readonly string[] = Object.freeze(['Content-Type', 'text/html; charset=utf-8']);
export const BINARY_HEADERS: readonly string[] = Object.freeze(['Content-Type', 'application/octet-stream']);
checkFlat(TEXT_HEADERS);
checkFlat(JSON_HEADERS);
checkFlat(HTML_HEADERS);
checkFlat(BINARY_HEADERS);

const HOST = Buffer.from('host', 'latin1');

/** Answers with a JSON document (pretty-printed: these endpoints are read by people). */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: readonly string[] = JSON_HEADERS): void {
  res.send(status, JSON.stringify(value, null, 2) + '\n', headers);
}

/** Answers 400 with a one-line reason. */
export function badRequest(res: ServerResponse, why: string): void {
  res.send(400, `400 Bad Request: ${why}\n`, TEXT_HEADERS);
}

/** The Host header as sent, or undefined. */
export function hostOf(req: ServerRequest): string | undefined {
  const i = req.headers.indexOf(HOST);
  return i < 0 ? undefined : req.headers.value(i);
}

/**
 * Reads an integer: `undefined`/'' → `def`; anything else must be a plain decimal integer, or
 * the result is NaN (callers answer 400). The value is clamped to [min, max].
 */
export function intArg(raw: string | string[] | number | undefined, def: number, min: number, max: number): number {
  if (typeof raw === 'number') return Math.min(max, Math.max(min, raw));
  const s = Array.isArray(raw) ? raw[0] : raw;
  if (s === undefined || s === '') return def;
  if (!/^-?\d{1,15}$/.test(s)) return NaN;
  return Math.min(max, Math.max(min, Number(s)));
}

/** Reads a non-negative decimal number (e.g. seconds, a fraction); NaN when malformed. */
export function numArg(raw: string | string[] | undefined, def: number, min: number, max: number): number {
  const s = Array.isArray(raw) ? raw[0] : raw;
  if (s === undefined || s === '') return def;
  if (!/^(?:\d+\.?\d*|\.\d+)$/.test(s)) return NaN;
  return Math.min(max, Math.max(min, Number(s)));
}

/** The first value of a parsed query parameter. */
export function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
