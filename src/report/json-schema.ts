// A small JSON Schema (draft 2020-12) validator for the subset our own schemas use:
//   $ref (local "#/$defs/…" only), type, const, enum, properties, required, additionalProperties
//   (boolean or schema), propertyNames, items, minimum, maximum, pattern, format "date-time".
// Annotation keywords ($schema, $id, title, description, $defs, $comment) are ignored. Any other
// keyword throws when the schema is compiled, so a schema edit that reaches beyond the subset
// fails loudly in the tests instead of being silently skipped.
// Why not a dependency: the subset is ~150 lines, the result schema is ours and closed, and the
// CLI validates every result file it reads (report, compare, merge) without extra install weight.
import { bug } from '../core/invariant.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = boolean | { [k: string]: unknown };

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs', '$comment', 'examples', 'default']);
const KEYWORDS = new Set([
  '$ref', 'type', 'const', 'enum', 'properties', 'required', 'additionalProperties', 'propertyNames', 'items',
  'minimum', 'maximum', 'pattern', 'format',
]);
const FORMATS = new Set(['date-time']);
// RFC 3339 date-time (what Date.prototype.toISOString writes, offsets and fractions allowed).
const DATE_TIME = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

export interface SchemaProblem {
  /** JSON Pointer of the offending value ("" = the document). */
  path: string;
  message: string;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  if (t === 'number') return actual === 'number' || actual === 'integer';
  return actual === t;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function pointer(path: string, key: string | number): string {
  return `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

export class JsonSchemaValidator {
  private readonly root: Schema;
  private readonly patterns = new Map<string, RegExp>();

  constructor(schema: unknown) {
    if (typeof schema !== 'boolean' && (schema === null || typeof schema !== 'object')) {
      throw new TypeError('a JSON Schema is an object or a boolean');
    }
    this.root = schema as Schema;
    this.check(this.root, '#');
  }

  /** Every problem found (empty when valid); stops after `limit` problems. */
  validate(value: unknown, limit = 50): SchemaProblem[] {
    const out: SchemaProblem[] = [];
    this.walk(this.root, value as Json, '', out, limit);
    return out;
  }

  // Compile-time pass: reject keywords outside the subset and refs we cannot resolve.
  private check(s: Schema, where: string): void {
    if (typeof s === 'boolean') return;
    for (const [k, v] of Object.entries(s)) {
      if (ANNOTATIONS.has(k)) continue;
      if (!KEYWORDS.has(k)) bug(`unsupported JSON Schema keyword "${k}" at ${where}`);
      if (k === '$ref') this.resolve(v as string);
      if (k === 'format' && !FORMATS.has(v as string)) bug(`unsupported format "${String(v)}" at ${where}`);
      if (k === 'pattern') this.regex(v as string);
    }
    const defs = s.$defs as Record<string, Schema> | undefined;
    for (const [k, v] of Object.entries(defs ?? {})) this.check(v, `${where}/$defs/${k}`);
    const props = s.properties as Record<string, Schema> | undefined;
    for (const [k, v] of Object.entries(props ?? {})) this.check(v, `${where}/properties/${k}`);
    for (const k of ['additionalProperties', 'items', 'propertyNames'] as const) {
      const sub = s[k];
      if (sub !== undefined) this.check(sub as Schema, `${where}/${k}`);
    }
  }

  private regex(source: string): RegExp {
    let re = this.patterns.get(source);
    if (re === undefined) {
      re = new RegExp(source, 'u');
      this.patterns.set(source, re);
    }
    return re;
  }

  private resolve(ref: string): Schema {
    if (!ref.startsWith('#/')) bug(`only local $refs are supported: ${ref}`);
    let node: unknown = this.root;
    for (const raw of ref.slice(2).split('/')) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
      if (node === undefined) bug(`unresolvable $ref ${ref}`);
    }
    return node as Schema;
  }

  private walk(s: Schema, v: Json, path: string, out: SchemaProblem[], limit: number): void {
    if (out.length >= limit) return;
    if (s === true) return;
    if (s === false) {
      out.push({ path, message: 'no value is allowed here' });
      return;
    }
    const fail = (message: string): void => {
      if (out.length < limit) out.push({ path, message });
    };
    if (typeof s.$ref === 'string') this.walk(this.resolve(s.$ref), v, path, out, limit);
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => typeMatches(v, t))) {
        fail(`expected ${types.join(' or ')}, got ${typeOf(v)}`);
        return;
      }
    }
    if ('const' in s && !deepEqual(v, s.const)) fail(`expected ${JSON.stringify(s.const)}`);
    if (Array.isArray(s.enum) && !s.enum.some((e) => deepEqual(e, v))) fail(`expected one of ${JSON.stringify(s.enum)}`);
    if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) fail(`must be >= ${s.minimum}`);
      if (typeof s.maximum === 'number' && v > s.maximum) fail(`must be <= ${s.maximum}`);
    }
    if (typeof v === 'string') {
      if (typeof s.pattern === 'string' && !this.regex(s.pattern).test(v)) fail(`does not match ${s.pattern}`);
      if (s.format === 'date-time' && !(DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)))) fail('is not an RFC 3339 date-time');
    }
    if (Array.isArray(v)) {
      if (s.items !== undefined) v.forEach((item, i) => this.walk(s.items as Schema, item, pointer(path, i), out, limit));
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    if (Array.isArray(s.required)) {
      for (const k of s.required as string[]) if (!Object.hasOwn(v, k)) fail(`missing required property "${k}"`);
    }
    for (const [k, item] of Object.entries(v)) {
      if (s.propertyNames !== undefined) this.walk(s.propertyNames as Schema, k, pointer(path, k), out, limit);
      const sub = Object.hasOwn(props, k) ? props[k] : s.additionalProperties;
      if (sub === false) fail(`unknown property "${k}"`);
      else if (sub !== undefined) this.walk(sub as Schema, item, pointer(path, k), out, limit);
    }
  }
}
