// `data:` → DataSet. A file name, or { file, format, order, onExhausted }:
//   format       csv | json | jsonl; default from the extension (.json, .jsonl / .ndjson, else csv)
//   order        sequential (alias cycle) | random | unique
//   onExhausted  unique only: stop (default) | cycle
import { dirname, extname, isAbsolute, join } from 'node:path';
import { isCsvProblem, parseCsv } from './csv-parser.js';
import { parseJsonRows } from './json-feeder.js';
import type { NodeReader, YNode } from './node-reader.js';
import { readRelative } from './request-compiler.js';
import { SCENARIO_KEYS } from './scenario-keys.js';
import type { DataSet } from './scenario.js';

const ORDERS = ['sequential', 'cycle', 'random', 'unique'] as const;
const FORMATS = ['csv', 'json', 'jsonl'] as const;

function formatOf(file: string): DataSet['format'] & string {
  const ext = extname(file).toLowerCase();
  return ext === '.json' ? 'json' : ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : 'csv';
}

function oneOf<T extends string>(r: NodeReader, node: YNode, path: string, allowed: readonly T[]): T | undefined {
  const v = r.string(node, path);
  if (v === undefined) return undefined;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  r.error('ERR_SCENARIO_VALUE', `${path} must be ${allowed.map((a) => `"${a}"`).join(', ')}; got "${v}"`, node);
  return undefined;
}

export function readData(r: NodeReader, node: YNode, dir: string, scenarioFile: string): DataSet | undefined {
  let fileNode: YNode = node;
  let order: DataSet['order'] = 'sequential';
  let format: DataSet['format'];
  let onExhausted: DataSet['onExhausted'];
  const n = r.deref(node);
  if (n != null && 'items' in n) {
    const f = r.fields(n, 'data', SCENARIO_KEYS.data);
    if (f === undefined) return undefined;
    fileNode = f.value('file');
    if (fileNode === undefined) {
      r.error('ERR_SCENARIO_MISSING', 'data needs "file" (a CSV, JSON or JSONL file)', n);
      return undefined;
    }
    if (f.has('order')) {
      const o = oneOf(r, f.value('order'), 'data.order', ORDERS);
      if (o === undefined) return undefined;
      order = o === 'cycle' ? 'sequential' : o;
    }
    if (f.has('format')) {
      format = oneOf(r, f.value('format'), 'data.format', FORMATS);
      if (format === undefined) return undefined;
    }
    if (f.has('onExhausted')) {
      onExhausted = oneOf(r, f.value('onExhausted'), 'data.onExhausted', ['stop', 'cycle'] as const);
      if (onExhausted === undefined) return undefined;
      if (order !== 'unique') {
        r.error('ERR_SCENARIO_VALUE', 'data.onExhausted applies to order: unique only (the other orders never run out)', f.keyNode('onExhausted'));
        return undefined;
      }
    }
  }
  const file = r.string(fileNode, 'data', { nonEmpty: true });
  if (file === undefined) return undefined;
  const bytes = readRelative({ r, dir }, file, fileNode!);
  if (bytes === undefined) return undefined;
  const shown = isAbsolute(file) ? file : join(dirname(scenarioFile), file);
  const fmt = format ?? formatOf(file);
  const text = bytes.toString('utf8');
  const table = fmt === 'csv' ? parseCsv(text) : parseJsonRows(text, fmt);
  if (isCsvProblem(table)) {
    r.errorAt('ERR_SCENARIO_DATA', table.message, { file: shown, line: table.line, column: table.column });
    return undefined;
  }
  return {
    file: shown,
    columns: table.columns,
    rows: table.rows,
    order,
    ...(fmt !== 'csv' ? { format: fmt } : {}),
    ...(order === 'unique' ? { onExhausted: onExhausted ?? 'stop' } : {}),
  };
}
