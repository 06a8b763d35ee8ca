// A scenario written by command-line flags: a command (bench) builds the plain document a YAML
// file would parse into, and it goes through the one scenario compiler and validator like a file.
// What the compiler finds is reported against the flag that put the value there — `--header
// "X: \u0001": requests[0].headers.X contains a line break or control character` — not against a
// position in a file the user never wrote.
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, stringify, type Node } from 'yaml';
import { FastbenchError } from '../core/errors.js';
import { checkScenarioText, type Scenario } from '../scenario/index.js';
import { refuseProblems } from './refusal.js';

/** Where a flag's value sits in the document: a path of keys and list indices. */
export type DocPath = readonly (string | number)[];

export interface FlagSpot {
  path: DocPath;
  /** How the value was given: `--header "X: y"`, `<url> "http://…"`. */
  flag: string;
}

/** The name of the command line as a "file" (relative files resolve against the working directory). */
export const COMMAND_LINE = '<command line>';

/** Text for a template field that must stay literal: `{{` is written `\{{` (template.ts). */
export function literal(text: string): string {
  return text.replaceAll('{{', '\\{{');
}

/** Compiles `document`; problems are thrown as one Refusal, each naming its flag. */
export function compileFlagDocument(document: Record<string, unknown>, spots: readonly FlagSpot[]): Scenario {
  const text = stringify(document, { lineWidth: 0 });
  const { scenario, errors } = checkScenarioText(text, COMMAND_LINE);
  if (scenario !== undefined && errors.length === 0) return scenario;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const ranges = spots.map((s) => ({ flag: s.flag, range: rangeOf(doc.contents, s.path) }));
  throw refuseProblems(errors.map((e) => atFlag(e, ranges, lineCounter)));
}

/** The error with its flag in front instead of a file position (unchanged when none fits). */
function atFlag(e: FastbenchError, ranges: readonly { flag: string; range: [number, number] | undefined }[], lc: LineCounter): FastbenchError {
  if (e.file !== COMMAND_LINE || e.line === undefined) return e;
  const offset = (lc.lineStarts[e.line - 1] ?? 0) + (e.column ?? 1) - 1;
  let best: { flag: string; size: number } | undefined;
  for (const { flag, range } of ranges) {
    if (range === undefined || offset < range[0] || offset > range[1]) continue;
    const size = range[1] - range[0];
    if (best === undefined || size < best.size) best = { flag, size };
  }
  return new FastbenchError(e.code, `${best?.flag ?? 'the command line'}: ${e.message}`);
}

/** Byte range of the value at `path` (for a mapping key: the key and its value). */
function rangeOf(root: unknown, path: DocPath): [number, number] | undefined {
  let node: unknown = root;
  let range: [number, number] | undefined;
  for (const seg of path) {
    if (typeof seg === 'number') {
      if (!isSeq(node)) return undefined;
      node = node.items[seg];
      range = spanOf(node);
    } else {
      if (!isMap(node)) return undefined;
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === seg);
      if (pair === undefined) return undefined;
      const start = spanOf(pair.key);
      node = pair.value;
      const end = spanOf(node);
      range = start !== undefined && end !== undefined ? [start[0], end[1]] : end ?? start;
    }
  }
  return range;
}

function spanOf(n: unknown): [number, number] | undefined {
  const r = (n as Node | undefined)?.range;
  return r != null ? [r[0], r[1]] : undefined;
}
