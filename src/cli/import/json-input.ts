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

/** JSON.parse with ERR_IMPORT_PARSE at the line:column of a syntax error. */
export function parseJsonInput(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const msg = (e as Error).message;
    const lc = /line (\d+) column (\d+)/.exec(msg);
    const pos = /position (\d+)/.exec(msg);
    const at = lc !== null ? { line: Number(lc[1]), column: Number(lc[2]) } : pos !== null ? lineColumn(text, Number(pos[1])) : { line: 1, column: 1 };
    throw new FastbenchError('ERR_IMPORT_PARSE', `${what} is not valid JSON: ${msg.replace(/\s*\(line \d+ column \d+\)|\s*in JSON at position \d+.*$/, '')}`, { file, ...at });
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
