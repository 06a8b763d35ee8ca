// Reading an import's input file: JSON (or YAML) with the parser's position on a syntax error,
// and JSON pointers for naming places inside what was read.
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { FastbenchError } from '../../core/errors.js';

/** The file's text; ERR_USAGE_FILE when it cannot be read. */
export function readInput(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new FastbenchError('ERR_USAGE_FILE', `cannot read ${file} (${code})`);
  }
}

/** Line and column (1-based) of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/**
 * The offset of the first JSON syntax error in `text` (-1 when there is none): a small recursive
 * descent over RFC 8259, because JSON.parse does not always say where (Node 20: `Unexpected token
 * ','` without a position).
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const lit = (word: string): void => {
    for (const ch of word) if (text[i++] !== ch) { i--; fail(); }
  };
  const str = (): void => {
    i++; // opening quote
    for (;;) {
      const c = text.charCodeAt(i);
      if (i >= text.length || c < 0x20) fail();
      if (c === 0x22) { i++; return; }
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? '')) { i += k; fail(); }
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail();
      } else i++;
    }
  };
  const num = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m === null || m[0] === '' || m[0] === '-') fail();
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 1000) fail();
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail();
      }
    }
    if (c === '"') return str();
    if (c === 't') return lit('true');
    if (c === 'f') return lit('false');
    if (c === 'n') return lit('null');
    num();
  };
  try {
    value(0);
    ws();
    return i < text.length ? i : -1;
  } catch (at) {
    if (typeof at === 'number') return at;
    throw at;
  }
}

/** JSON.parse with ERR_IMPORT_PARSE at the line:column of a syntax error. */
export function parseJsonInput(text: string, file: string, what: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (e) {
    const off = jsonErrorOffset(body);
    const at = lineColumn(body, off < 0 ? 0 : off);
    const near = off < 0 || off >= body.length ? 'the end of the input' : JSON.stringify(body.slice(off, off + 12));
    throw new FastbenchError('ERR_IMPORT_PARSE', `${what} is not valid JSON: unexpected ${near}`, { file, ...at });
  }
}

/** YAML or JSON (YAML is read by the scenario's YAML parser), ERR_IMPORT_PARSE with the position. */
export function parseYamlInput(text: string, file: string, what: string): unknown {
  try {
    return parseYaml(text, { uniqueKeys: false, maxAliasCount: 1000 });
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const lp = e.linePos?.[0];
      throw new FastbenchError('ERR_IMPORT_PARSE', `${what} is not valid YAML/JSON: ${e.message.split('\n')[0]}`, { file, line: lp?.line ?? 1, column: lp?.col ?? 1 });
    }
    throw e;
  }
}

/** One JSON-pointer token: `~` → `~0`, `/` → `~1` (RFC 6901). */
export function pointerToken(s: string | number): string {
  return String(s).replaceAll('~', '~0').replaceAll('/', '~1');
}

export function pointer(...tokens: (string | number)[]): string {
  return tokens.map((t) => `/${pointerToken(t)}`).join('');
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
