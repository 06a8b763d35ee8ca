// Flow captures: pull a value out of a response into a variable for later steps.
//   json:   a JSON path into the body: $.token, $.items[0].id, $['odd key'], $.list[-1]
//   header: a response header's value (case-insensitive name)
//   regex:  the first (and only) group of a regular expression matched against the body
// All extraction functions are pure; applyCaptures parses the body as JSON at most once.
import type { Capture } from './scenario.js';

export type JsonPath = readonly (string | number)[];

/** What captures read from a response. `header` takes a lower-case name. */
export interface CaptureResponse {
  readonly body: string;
  header(lowerName: string): string | undefined;
}

const DOT_NAME = /^[A-Za-z0-9_$-]+/;

/** Compiles "$.a.b[0]['c d']" to ['a', 'b', 0, 'c d']; returns an error message on bad syntax. */
export function compileJsonPath(text: string): JsonPath | { error: string; index: number } {
  const s = text.trim();
  if (s[0] !== '$') return { error: `a JSON path starts with "$", got ${JSON.stringify(text)}`, index: 0 };
  const out: (string | number)[] = [];
  let i = 1;
  while (i < s.length) {
    if (s[i] === '.') {
      const m = DOT_NAME.exec(s.slice(i + 1));
      if (m === null) return { error: `expected a name after "." in JSON path ${JSON.stringify(text)}`, index: i + 1 };
      out.push(m[0]);
      i += 1 + m[0].length;
    } else if (s[i] === '[') {
      const close = s.indexOf(']', i);
      if (close < 0) return { error: `missing "]" in JSON path ${JSON.stringify(text)}`, index: i };
      const inner = s.slice(i + 1, close).trim();
      const q = inner[0];
      if ((q === '"' || q === "'") && inner.length >= 2 && inner[inner.length - 1] === q) {
        out.push(inner.slice(1, -1));
      } else if (/^-?\d+$/.test(inner)) {
        out.push(Number(inner));
      } else {
        return { error: `use [index] or ['name'] in JSON path ${JSON.stringify(text)}, got [${inner}]`, index: i };
      }
      i = close + 1;
    } else {
      return { error: `unexpected ${JSON.stringify(s[i])} in JSON path ${JSON.stringify(text)}`, index: i };
    }
  }
  return out;
}

/**
 * Follows a compiled path through a parsed JSON value. Negative indexes count from the end.
 * When a step meets a string that holds JSON (echo services return request bodies as text),
 * the string is parsed and the path continues inside it. Returns undefined when not found.
 */
export function extractJsonPath(root: unknown, path: JsonPath): unknown {
  let v: unknown = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    if (typeof v === 'string') v = parseOrUndefined(v);
    if (v === null || typeof v !== 'object') return undefined;
    if (typeof key === 'number') {
      if (!Array.isArray(v)) return undefined;
      v = v[key < 0 ? v.length + key : key];
    } else {
      if (Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, key)) return undefined;
      v = (v as Record<string, unknown>)[key];
    }
  }
  return v;
}

/** A captured value as text: strings as they are, other JSON values serialized. */
export function captureText(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}

/** The value of a response header, or undefined. */
export function extractHeader(res: CaptureResponse, lowerName: string): string | undefined {
  return res.header(lowerName);
}

/** The first group of `regex` in `text`, or undefined when it does not match. */
export function extractRegex(text: string, regex: RegExp): string | undefined {
  const m = regex.exec(text);
  return m === null ? undefined : m[1];
}

/** Number of capturing groups in a pattern (0 for an invalid one is not possible: compile first). */
export function groupCount(regex: RegExp): number {
  return new RegExp(`${regex.source}|`, regex.flags.replace(/[gy]/g, '')).exec('')!.length - 1;
}

/**
 * Runs a step's captures, writing each value into vars[capture.slot]. Returns the number of
 * captures that found nothing (those slots are left unchanged); 0 means all succeeded.
 */
export function applyCaptures(captures: readonly Capture[], res: CaptureResponse, vars: string[]): number {
  let failed = 0;
  let parsed: unknown;
  let didParse = false;
  for (let i = 0; i < captures.length; i++) {
    const c = captures[i]!;
    let value: string | undefined;
    if (c.source === 'json') {
      if (!didParse) {
        parsed = parseOrUndefined(res.body);
        didParse = true;
      }
      value = parsed === undefined ? undefined : captureText(extractJsonPath(parsed, c.path));
    } else if (c.source === 'header') {
      value = extractHeader(res, c.header);
    } else {
      value = extractRegex(res.body, c.regex);
    }
    if (value === undefined) failed++;
    else vars[c.slot] = value;
  }
  return failed;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
