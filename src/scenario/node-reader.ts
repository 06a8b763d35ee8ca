// Typed reads of YAML nodes that keep source positions and collect every problem instead of
// stopping at the first. Each read returns undefined after recording an error, so callers
// continue validating the rest of the file.
import { isAlias, isMap, isScalar, isSeq, Scalar, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import { type ErrorCode, FastbenchError } from '../core/errors.js';
import { suggestion } from './did-you-mean.js';
import { parseDuration } from '../core/units.js';
import type { SourcePos } from './scenario.js';

export type YNode = Node | null | undefined;

/** The keys of one mapping, checked against the allowed set. */
export class Fields {
  constructor(
    readonly node: YAMLMap,
    private readonly pairs: ReadonlyMap<string, Pair>,
    private readonly reader: NodeReader,
  ) {}

  /** The value node, or undefined when the key is absent or its value is empty (null). */
  value(key: string): Node | undefined {
    const pair = this.pairs.get(key);
    if (pair === undefined) return undefined;
    const v = this.reader.deref(pair.value as YNode);
    if (v === undefined || v === null) return undefined;
    if (isScalar(v) && v.value === null) return undefined;
    return v;
  }

  has(key: string): boolean {
    return this.value(key) !== undefined;
  }

  keyNode(key: string): Node | undefined {
    return this.pairs.get(key)?.key as Node | undefined;
  }

  /** Keys present with a value, in source order. */
  keys(): string[] {
    return [...this.pairs.keys()].filter((k) => this.has(k));
  }
}

export class NodeReader {
  readonly errors: FastbenchError[] = [];

  constructor(
    readonly file: string,
    readonly source: string,
    readonly lineCounter: LineCounter,
    readonly doc: Document | undefined,
  ) {}

  posAtOffset(offset: number): SourcePos {
    const lp = this.lineCounter.linePos(offset);
    return { file: this.file, line: lp.line, column: lp.col };
  }

  /** Position of a node; `index` is a character index into a scalar's value, mapped to the source. */
  pos(node: YNode, index = 0): SourcePos {
    const range = node?.range;
    if (range == null) return { file: this.file, line: 1, column: 1 };
    return this.posAtOffset(this.scalarOffset(node!, index));
  }

  error(code: ErrorCode, message: string, node: YNode, index = 0): void {
    const p = this.pos(node, index);
    this.errors.push(new FastbenchError(code, message, { file: p.file, line: p.line, column: p.column }));
  }

  errorAt(code: ErrorCode, message: string, p: SourcePos): void {
    this.errors.push(new FastbenchError(code, message, { file: p.file, line: p.line, column: p.column }));
  }

  deref(node: YNode): YNode {
    if (node != null && isAlias(node) && this.doc !== undefined) {
      return (node.resolve(this.doc) as Node | undefined) ?? undefined;
    }
    return node;
  }

  /** Reads a mapping and checks its keys; unknown keys are errors with a did-you-mean. */
  fields(node: YNode, path: string, allowed: readonly string[]): Fields | undefined {
    const n = this.deref(node);
    if (n == null || !isMap(n)) {
      this.error('ERR_SCENARIO_TYPE', `${path} must be a mapping, got ${describe(n)}`, n);
      return undefined;
    }
    const pairs = new Map<string, Pair>();
    for (const pair of n.items) {
      const keyNode = pair.key as YNode;
      const key = isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof key !== 'string' && typeof key !== 'number') {
        this.error('ERR_SCENARIO_TYPE', `keys of ${path} must be plain names`, keyNode ?? n);
        continue;
      }
      const name = String(key);
      if (!allowed.includes(name)) {
        this.error('ERR_SCENARIO_UNKNOWN_KEY', `unknown key "${name}" in ${path}${suggestion(name, allowed)}`, keyNode);
        continue;
      }
      pairs.set(name, pair);
    }
    return new Fields(n, pairs, this);
  }

  /** Reads a mapping with free-form string keys (headers, thresholds by request name). */
  entries(node: YNode, path: string): [key: string, keyNode: Node, value: YNode][] | undefined {
    const n = this.deref(node);
    if (n == null || !isMap(n)) {
      this.error('ERR_SCENARIO_TYPE', `${path} must be a mapping, got ${describe(n)}`, n);
      return undefined;
    }
    const out: [string, Node, YNode][] = [];
    for (const pair of n.items) {
      const keyNode = pair.key as Node;
      const key = isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof key !== 'string' && typeof key !== 'number') {
        this.error('ERR_SCENARIO_TYPE', `keys of ${path} must be plain names`, keyNode ?? n);
        continue;
      }
      out.push([String(key), keyNode, this.deref(pair.value as YNode)]);
    }
    return out;
  }

  /** A sequence's items; a single non-sequence value is accepted as a list of one when `single`. */
  list(node: YNode, path: string, single = false): Node[] | undefined {
    const n = this.deref(node);
    if (n != null && isSeq(n)) return n.items.map((i) => this.deref(i as YNode) ?? new Scalar(null));
    if (single && n != null) return [n];
    this.error('ERR_SCENARIO_TYPE', `${path} must be a list, got ${describe(n)}`, n);
    return undefined;
  }

  string(node: YNode, path: string, opts: { numbers?: boolean; nonEmpty?: boolean } = {}): string | undefined {
    const n = this.deref(node);
    const v = n != null && isScalar(n) ? n.value : undefined;
    if (typeof v === 'string') {
      if (opts.nonEmpty === true && v.trim() === '') {
        this.error('ERR_SCENARIO_VALUE', `${path} must not be empty`, n);
        return undefined;
      }
      return v;
    }
    if (opts.numbers === true && (typeof v === 'number' || typeof v === 'bigint')) return String(v);
    this.error('ERR_SCENARIO_TYPE', `${path} must be a string, got ${describe(n)}`, n);
    return undefined;
  }

  boolean(node: YNode, path: string): boolean | undefined {
    const n = this.deref(node);
    const v = n != null && isScalar(n) ? n.value : undefined;
    if (typeof v === 'boolean') return v;
    this.error('ERR_SCENARIO_TYPE', `${path} must be true or false, got ${describe(n)}`, n);
    return undefined;
  }

  number(node: YNode, path: string, opts: { min?: number; integer?: boolean; minExclusive?: boolean } = {}): number | undefined {
    const n = this.deref(node);
    const v = n != null && isScalar(n) ? n.value : undefined;
    const what = opts.integer === true ? 'an integer' : 'a number';
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.error('ERR_SCENARIO_TYPE', `${path} must be ${what}, got ${describe(n)}`, n);
      return undefined;
    }
    if (opts.integer === true && !Number.isSafeInteger(v)) {
      this.error('ERR_SCENARIO_VALUE', `${path} must be ${what}, got ${v}`, n);
      return undefined;
    }
    const min = opts.min;
    if (min !== undefined && (opts.minExclusive === true ? v <= min : v < min)) {
      this.error('ERR_SCENARIO_VALUE', `${path} must be ${opts.minExclusive === true ? '>' : '>='} ${min}, got ${v}`, n);
      return undefined;
    }
    return v;
  }

  /** A duration string in ms. Bare numbers are refused: the unit is part of the value. */
  duration(node: YNode, path: string, opts: { allowZero?: boolean } = {}): number | undefined {
    const n = this.deref(node);
    const v = n != null && isScalar(n) ? n.value : undefined;
    if (typeof v === 'number') {
      this.error('ERR_SCENARIO_VALUE', `${path} needs a unit: write "${v}s" or "${v}ms", not ${v}`, n);
      return undefined;
    }
    if (typeof v !== 'string') {
      this.error('ERR_SCENARIO_TYPE', `${path} must be a duration like 500ms, 10s, 2m, 1m30s; got ${describe(n)}`, n);
      return undefined;
    }
    const ms = parseDuration(v);
    if (ms === undefined) {
      this.error('ERR_SCENARIO_VALUE', `${path}: "${v}" is not a duration (use 500ms, 10s, 2m, 1h, 1m30s)`, n);
      return undefined;
    }
    if (ms === 0 && opts.allowZero !== true) {
      this.error('ERR_SCENARIO_VALUE', `${path} must be longer than 0`, n);
      return undefined;
    }
    return ms;
  }

  /**
   * Source offset of character `index` of a scalar's value. Exact for one-line plain and quoted
   * scalars without escapes; otherwise the scalar's start.
   */
  private scalarOffset(node: Node, index: number): number {
    const start = node.range![0];
    if (index === 0 || !isScalar(node)) return start;
    const raw = this.source.slice(start, node.range![1]);
    if (raw.includes('\n')) return start;
    switch (node.type) {
      case Scalar.PLAIN:
        return start + index;
      case Scalar.QUOTE_SINGLE:
        return raw.includes("''") ? start : start + 1 + index;
      case Scalar.QUOTE_DOUBLE:
        return raw.includes('\\') ? start : start + 1 + index;
      default:
        return start;
    }
  }
}

/** "a string \"abc\"", "a list", "nothing" — for type errors. */
export function describe(n: YNode): string {
  if (n == null) return 'nothing';
  if (isMap(n)) return 'a mapping';
  if (isSeq(n)) return 'a list';
  if (isScalar(n)) {
    const v = n.value;
    if (v === null) return 'nothing';
    if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
    if (typeof v === 'boolean') return `the boolean ${v}`;
    if (typeof v === 'number' || typeof v === 'bigint') return `the number ${v}`;
  }
  return 'an unsupported value';
}
