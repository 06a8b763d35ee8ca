// Data rows from JSON: a file holding one array of objects (`.json`), or one object per line
// (`.jsonl`, `.ndjson`; blank lines skipped). Columns are the objects' keys in the order they are
// first seen; a row without a key has "" there. Strings are used as they are, numbers and booleans
// as their text, null as "", objects and arrays as their JSON. Problems carry the line and column
// in the data file, like the CSV parser's.
import type { CsvProblem, CsvTable } from './csv-parser.js';

type Row = Record<string, unknown>;

function isRow(v: unknown): v is Row {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Line and column (1-based) of character `offset` of `text`. */
function lineCol(text: string, offset: number): { line: number; column: number } {
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

/** JSON.parse, or the problem at the position its message names (V8: "at position N"). */
function parse(text: string, lineBase: number): { value: unknown } | CsvProblem {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    const at = m !== null ? lineCol(text, Number(m[1])) : { line: 1, column: 1 };
    return { message: `not valid JSON: ${msg.replace(/ in JSON at position \d+.*$/s, '')}`, line: at.line + lineBase, column: at.column };
  }
}

function table(objects: readonly Row[]): CsvTable {
  const index = new Map<string, number>();
  for (const o of objects) for (const k of Object.keys(o)) if (!index.has(k)) index.set(k, index.size);
  const columns = [...index.keys()];
  const rows = objects.map((o) => {
    const row = new Array<string>(columns.length).fill('');
    for (const k in o) row[index.get(k)!] = cell(o[k]);
    return row;
  });
  return { columns, rows };
}

/** Parses a data file of `format` json (an array of objects) or jsonl (an object a line). */
export function parseJsonRows(text: string, format: 'json' | 'jsonl'): CsvTable | CsvProblem {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const objects: Row[] = [];
  if (format === 'json') {
    const p = parse(body, 0);
    if ('message' in p) return p;
    if (!Array.isArray(p.value)) return { message: 'a JSON data file holds one array of objects ([{"user": "a"}, …])', line: 1, column: 1 };
    for (let i = 0; i < p.value.length; i++) {
      const v: unknown = p.value[i];
      if (!isRow(v)) return { message: `item ${i} of the array is not an object`, line: 1, column: 1 };
      objects.push(v);
    }
  } else {
    const lines = body.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.replace(/\r$/, '');
      if (line.trim() === '') continue;
      const p = parse(line, i);
      if ('message' in p) return p;
      if (!isRow(p.value)) return { message: 'each line of a JSONL data file holds one object', line: i + 1, column: 1 };
      objects.push(p.value);
    }
  }
  const t = table(objects);
  if (t.columns.length === 0) return { message: 'the data file has no rows with fields', line: 1, column: 1 };
  return t;
}
