// Templates are compiled once at load time into literal strings and dynamic parts; rendering is a
// loop over both arrays with a switch on a small-int opcode: no regex, no closure, no parsing.
//
//   {{seq}}              the send's sequence number (from the RenderContext)
//   {{randomInt A B}}    a uniform random integer in [A, B]
//   {{uuid}}             a random RFC 4122 v4 UUID
//   {{env.NAME}}         an environment variable, resolved at load time (constant)
//   {{data.column}}      a column of the current data-feeder row
//   {{vars.name}}        a value captured by an earlier flow step
//   \{{                  a literal "{{"
import { randomUUID } from 'node:crypto';
import { didYouMean } from './did-you-mean.js';
import { TemplateOp, type RenderContext, type Template, type TemplatePart } from './scenario.js';

export interface TemplateScope {
  /** Looks up `{{env.NAME}}` (the caller's -e overrides first, then the process environment). */
  readonly env: (name: string) => string | undefined;
  /** Data-feeder columns; undefined when the scenario has no `data`. */
  readonly columns: readonly string[] | undefined;
  /** The data file, for messages. */
  readonly dataFile?: string | undefined;
  /** Variables captured by earlier flow steps, name → slot; undefined outside flows. */
  readonly vars: ReadonlyMap<string, number> | undefined;
  /** Variables captured by this or later steps of the flow (for a precise message). */
  readonly laterVars?: ReadonlySet<string> | undefined;
  /** Only `{{env.NAME}}` is allowed (targets and other load-time values). */
  readonly envOnly?: boolean;
}

export interface TemplateIssue {
  /** Character index into the template source where the problem is. */
  readonly index: number;
  readonly message: string;
}

const EXPRESSIONS = ['seq', 'uuid', 'randomInt', 'env', 'data', 'vars'];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const COLUMN = /^[^\s{}]+$/;
const INT = /^-?\d+$/;

/** Accumulates literals and parts; adjacent literals merge. */
export class TemplateBuilder {
  private readonly literals: string[] = [''];
  private readonly parts: TemplatePart[] = [];

  literal(text: string): void {
    this.literals[this.literals.length - 1] += text;
  }

  part(p: TemplatePart): void {
    this.parts.push(p);
    this.literals.push('');
  }

  append(t: Template): void {
    this.literal(t.literals[0]!);
    for (let i = 0; i < t.parts.length; i++) {
      this.part(t.parts[i]!);
      this.literal(t.literals[i + 1]!);
    }
  }

  build(source: string): Template {
    return { source, literals: [...this.literals], parts: [...this.parts], static: this.parts.length === 0 };
  }
}

/** A template with no dynamic part. */
export function staticTemplate(text: string): Template {
  return { source: text, literals: [text], parts: [], static: true };
}

/**
 * Compiles a template. Problems are returned, not thrown, so the caller can report them all with
 * source positions. With `json`, values from data and vars are escaped as JSON string content.
 */
export function compileTemplate(
  source: string,
  scope: TemplateScope,
  json = false,
): { template: Template; issues: TemplateIssue[] } {
  const b = new TemplateBuilder();
  const issues: TemplateIssue[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      b.literal(source.slice(i));
      break;
    }
    if (open > 0 && source.charCodeAt(open - 1) === 0x5c /* \ */) {
      b.literal(source.slice(i, open - 1) + '{{');
      i = open + 2;
      continue;
    }
    b.literal(source.slice(i, open));
    const close = source.indexOf('}}', open + 2);
    if (close < 0) {
      issues.push({ index: open, message: 'unterminated template: "{{" without "}}" (write \\{{ for a literal "{{")' });
      break;
    }
    const expr = source.slice(open + 2, close);
    const exprStart = open + 2 + (expr.length - expr.trimStart().length);
    compileExpression(expr.trim(), exprStart, scope, json, b, issues);
    i = close + 2;
  }
  return { template: b.build(source), issues };
}

function compileExpression(
  expr: string,
  at: number,
  scope: TemplateScope,
  json: boolean,
  b: TemplateBuilder,
  issues: TemplateIssue[],
): void {
  const issue = (message: string): void => void issues.push({ index: at, message });
  if (expr === '') return issue('empty template "{{}}"');
  const words = expr.split(/\s+/);
  const head = words[0]!;
  const dot = head.indexOf('.');
  const ns = dot < 0 ? head : head.slice(0, dot);
  const key = dot < 0 ? '' : head.slice(dot + 1);

  if (ns === 'env' && dot > 0) {
    if (words.length !== 1 || !NAME.test(key)) return issue(`bad environment variable reference {{${expr}}}: use {{env.NAME}}`);
    const value = scope.env(key);
    if (value === undefined) return issue(`environment variable ${key} is not set (pass -e ${key}=value or export it)`);
    b.literal(json ? escapeJson(value) : value);
    return;
  }
  if (scope.envOnly === true && EXPRESSIONS.includes(ns)) {
    return issue(`only {{env.NAME}} can be used here, not {{${expr}}} (this value is fixed at load time)`);
  }
  if (ns === 'seq' || ns === 'uuid') {
    if (words.length !== 1 || dot >= 0) return issue(`{{${ns}}} takes no arguments`);
    b.part(dynamic(ns === 'seq' ? TemplateOp.Seq : TemplateOp.Uuid, expr, false));
    return;
  }
  if (ns === 'randomInt' && dot < 0) {
    const [, a, c] = words;
    if (words.length !== 3 || !INT.test(a!) || !INT.test(c!)) return issue(`use {{randomInt MIN MAX}} with two integers, got {{${expr}}}`);
    const min = Number(a);
    const max = Number(c);
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) return issue(`randomInt bounds are too large in {{${expr}}}`);
    if (min > max) return issue(`randomInt needs MIN <= MAX, got ${min} > ${max}`);
    b.part({ ...dynamic(TemplateOp.RandomInt, expr, false), min, max });
    return;
  }
  if (ns === 'data' && dot > 0) {
    if (words.length !== 1 || !COLUMN.test(key)) return issue(`bad data reference {{${expr}}}: use {{data.column}}`);
    const cols = scope.columns;
    if (cols === undefined) return issue(`{{data.${key}}} needs a data feeder: add "data: file.csv" to the scenario`);
    const slot = cols.indexOf(key);
    if (slot < 0) {
      const s = didYouMean(key, cols);
      const where = scope.dataFile !== undefined ? ` in ${scope.dataFile}` : '';
      return issue(`no column "${key}"${where}${s !== undefined ? ` (did you mean "${s}"?)` : ` (columns: ${cols.join(', ')})`}`);
    }
    b.part({ ...dynamic(TemplateOp.Data, expr, json), slot });
    return;
  }
  if (ns === 'vars' && dot > 0) {
    if (words.length !== 1 || !NAME.test(key)) return issue(`bad variable reference {{${expr}}}: use {{vars.name}}`);
    const vars = scope.vars;
    if (vars === undefined) return issue(`{{vars.${key}}} can only be used in flow steps (variables come from capture)`);
    const slot = vars.get(key);
    if (slot === undefined) {
      if (scope.laterVars?.has(key) === true) return issue(`vars.${key} is used before the step that captures it`);
      const s = didYouMean(key, vars.keys());
      return issue(`vars.${key} is not captured by an earlier step${s !== undefined ? ` (did you mean "${s}"?)` : ''}`);
    }
    b.part({ ...dynamic(TemplateOp.Var, expr, json), slot });
    return;
  }
  const s = didYouMean(ns, EXPRESSIONS);
  issue(
    `unknown template {{${expr}}}${s !== undefined ? ` (did you mean "${s}"?)` : ''}; ` +
      'use seq, uuid, randomInt MIN MAX, env.NAME, data.column or vars.name',
  );
}

function dynamic(op: TemplatePart['op'], name: string, json: boolean): TemplatePart {
  return { op, min: 0, max: 0, slot: -1, name, json };
}

/** Renders a template. Static templates return their text with no work. */
export function renderTemplate(t: Template, ctx: RenderContext): string {
  const lits = t.literals;
  const parts = t.parts;
  let out = lits[0]!;
  for (let i = 0; i < parts.length; i++) {
    out += partValue(parts[i]!, ctx);
    out += lits[i + 1]!;
  }
  return out;
}

function partValue(p: TemplatePart, ctx: RenderContext): string {
  switch (p.op) {
    case TemplateOp.Seq:
      return String(ctx.seq);
    case TemplateOp.RandomInt:
      return String(p.min + Math.floor(Math.random() * (p.max - p.min + 1)));
    case TemplateOp.Uuid:
      return randomUUID();
    case TemplateOp.Data: {
      const v = ctx.row !== undefined ? (ctx.row[p.slot] ?? '') : '';
      return p.json ? escapeJson(v) : p.form === true ? formEncode(v) : v;
    }
    case TemplateOp.Var: {
      const v = ctx.vars !== undefined ? (ctx.vars[p.slot] ?? '') : '';
      return p.json ? escapeJson(v) : p.form === true ? formEncode(v) : v;
    }
    default:
      return '';
  }
}

/** Escapes a string as the content of a JSON string literal; returns it unchanged when safe. */
export function escapeJson(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) {
      return JSON.stringify(s).slice(1, -1);
    }
  }
  return s;
}

/**
 * application/x-www-form-urlencoded encoding of one name or value (WHATWG URL): A-Z a-z 0-9 * - . _
 * stay, space becomes "+", every other UTF-8 byte "%XX". Unchanged (no copy) when nothing needs it.
 */
export function formEncode(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const safe = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2a || c === 0x2d || c === 0x2e || c === 0x5f;
    if (!safe) return encodeURIComponent(s).replace(/[!'()~]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
  }
  return s;
}

/** True when the template is exactly one numeric expression ({{seq}} or {{randomInt a b}}). */
export function isSingleNumber(t: Template): boolean {
  if (t.parts.length !== 1 || t.literals[0] !== '' || t.literals[1] !== '') return false;
  const op = t.parts[0]!.op;
  return op === TemplateOp.Seq || op === TemplateOp.RandomInt;
}
