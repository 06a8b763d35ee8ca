// A YAML/JSON mapping or list given as `body:` is sent as JSON. Its string values may hold
// templates; values from data and vars are JSON-escaped as they are rendered, so the body stays
// valid JSON whatever the data holds. A string that is exactly {{seq}} or {{randomInt a b}}
// becomes a JSON number.
import { isMap, isScalar, isSeq } from 'yaml';
import type { NodeReader, YNode } from './node-reader.js';
import type { Template } from './scenario.js';
import { TemplateBuilder, compileTemplate, escapeJson, isSingleNumber, type TemplateScope } from './template.js';

export function compileJsonBody(r: NodeReader, node: YNode, path: string, scope: TemplateScope): Template | undefined {
  const b = new TemplateBuilder();
  const before = r.errors.length;
  emit(r, node, path, scope, b, 0);
  if (r.errors.length > before) return undefined;
  const n = r.deref(node);
  return b.build(JSON.stringify(n?.toJSON()));
}

function emit(r: NodeReader, node: YNode, path: string, scope: TemplateScope, b: TemplateBuilder, depth: number): void {
  const n = r.deref(node);
  if (depth > 64) {
    r.error('ERR_SCENARIO_VALUE', `${path} is nested too deeply`, n);
    return;
  }
  if (n == null) {
    b.literal('null');
  } else if (isMap(n)) {
    b.literal('{');
    n.items.forEach((pair, i) => {
      const key = isScalar(pair.key) ? pair.key.value : undefined;
      if (typeof key !== 'string' && typeof key !== 'number' && typeof key !== 'boolean') {
        r.error('ERR_SCENARIO_TYPE', `keys of ${path} must be plain names`, pair.key as YNode);
        return;
      }
      if (i > 0) b.literal(',');
      b.literal(`${JSON.stringify(String(key))}:`);
      emit(r, pair.value as YNode, `${path}.${String(key)}`, scope, b, depth + 1);
    });
    b.literal('}');
  } else if (isSeq(n)) {
    b.literal('[');
    n.items.forEach((item, i) => {
      if (i > 0) b.literal(',');
      emit(r, item as YNode, `${path}[${i}]`, scope, b, depth + 1);
    });
    b.literal(']');
  } else if (isScalar(n)) {
    const v = n.value;
    if (typeof v === 'string') {
      const { template, issues } = compileTemplate(v, scope, true);
      for (const issue of issues) r.error('ERR_SCENARIO_TEMPLATE', issue.message, n, issue.index);
      if (isSingleNumber(template)) {
        b.append(template);
      } else {
        b.literal('"');
        b.literal(escapeJson(template.literals[0]!));
        for (let i = 0; i < template.parts.length; i++) {
          b.part(template.parts[i]!);
          b.literal(escapeJson(template.literals[i + 1]!));
        }
        b.literal('"');
      }
    } else if (typeof v === 'number') {
      if (!Number.isFinite(v)) r.error('ERR_SCENARIO_VALUE', `${path}: ${v} cannot be sent as JSON`, n);
      else b.literal(JSON.stringify(v));
    } else if (typeof v === 'bigint') {
      b.literal(v.toString());
    } else if (typeof v === 'boolean' || v === null) {
      b.literal(String(v));
    } else {
      r.error('ERR_SCENARIO_TYPE', `${path} cannot be sent as JSON`, n);
    }
  } else {
    r.error('ERR_SCENARIO_TYPE', `${path} cannot be sent as JSON`, n);
  }
}
