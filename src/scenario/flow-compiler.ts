// `flows:` → Flow objects. Each flow is an ordered list of steps (requests) whose captures feed
// `{{vars.name}}` in later steps. A variable may only be used after the step that captures it.
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { compileJsonPath, groupCount } from './capture.js';
import type { Fields, NodeReader, YNode } from './node-reader.js';
import { compileRequestFields, type RequestEnv } from './request-compiler.js';
import { SCENARIO_KEYS } from './scenario-keys.js';
import type { Capture, Flow, FlowStep } from './scenario.js';

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Reads `flows:`. Step indexes count across all flows, in file order. */
export function readFlows(env: RequestEnv, node: YNode, readWeight: (n: YNode, path: string) => number | undefined): Flow[] {
  const { r } = env;
  const flows: Flow[] = [];
  const items = r.list(node, 'flows');
  if (items === undefined) return flows;
  if (items.length === 0) r.error('ERR_SCENARIO_VALUE', 'flows needs at least one flow', node);
  let stepIndex = 0;
  env.names.registerExplicit(
    r,
    items.flatMap((item) => {
      const n = r.deref(item);
      const steps = n != null && isMap(n) ? r.deref(n.get('steps', true) as YNode) : undefined;
      return steps != null && isSeq(steps) ? (steps.items as Node[]) : [];
    }),
  );
  items.forEach((item, fi) => {
    const path = `flows[${fi}]`;
    const f = r.fields(item, path, SCENARIO_KEYS.flow);
    if (f === undefined) return;
    const name = f.has('name') ? r.string(f.value('name'), `${path}.name`, { numbers: true, nonEmpty: true }) : `flow ${fi + 1}`;
    const weight = f.has('weight') ? readWeight(f.value('weight'), `${path}.weight`) : 1;
    if (!f.has('steps')) {
      r.error('ERR_SCENARIO_MISSING', `${path} needs "steps" (a list of requests)`, f.node);
      return;
    }
    const stepNodes = r.list(f.value('steps'), `${path}.steps`) ?? [];
    if (stepNodes.length === 0) r.error('ERR_SCENARIO_VALUE', `${path}.steps needs at least one step`, f.value('steps'));

    // First pass: which step captures what, so a too-early use gets a precise message.
    const stepFields = stepNodes.map((s, si) => r.fields(s, `${path}.steps[${si}]`, SCENARIO_KEYS.step));
    const capturedAt = stepFields.map((sf) => captureNames(r, sf));

    const slots = new Map<string, number>();
    const steps: FlowStep[] = [];
    stepFields.forEach((sf, si) => {
      if (sf === undefined) return;
      const spath = `${path}.steps[${si}]`;
      const later = new Set(capturedAt.slice(si).flat());
      const scope = { ...env.scope, vars: new Map(slots), laterVars: later };
      const req = compileRequestFields({ ...env, scope }, sf, spath, stepIndex++, 1);
      const captures = sf.has('capture') ? readCaptures(r, sf.value('capture'), `${spath}.capture`, slots) : [];
      const thinkMs = sf.has('think') ? r.duration(sf.value('think'), `${spath}.think`, { allowZero: true }) : 0;
      if (req !== undefined && thinkMs !== undefined) {
        steps.push({ ...req, captures, thinkMs });
      }
    });
    if (name === undefined || weight === undefined || steps.length !== stepNodes.length) return;
    flows.push({ name, index: flows.length, weight, steps, vars: [...slots.keys()], pos: r.pos(f.node) });
  });
  return flows;
}

function captureNames(r: NodeReader, sf: Fields | undefined): string[] {
  const n = sf === undefined ? undefined : r.deref(sf.value('capture'));
  if (n == null || !isMap(n)) return [];
  return n.items.flatMap((p) => (isScalar(p.key) && typeof p.key.value === 'string' ? [p.key.value] : []));
}

/**
 * capture: { name: "$.json.path" | { json: path } | { header: name } | { regex: pattern } }
 * Assigns each new variable the next slot; capturing the same name again reuses its slot.
 */
function readCaptures(r: NodeReader, node: YNode, path: string, slots: Map<string, number>): Capture[] {
  const out: Capture[] = [];
  for (const [name, keyNode, value] of r.entries(node, path) ?? []) {
    if (!VAR_NAME.test(name)) {
      r.error('ERR_SCENARIO_VALUE', `${path}: "${name}" is not a variable name (letters, digits, _)`, keyNode);
      continue;
    }
    // The name gets its slot even when the capture is malformed, so later uses of it are not
    // reported as a second problem.
    let slot = slots.get(name);
    if (slot === undefined) {
      slot = slots.size;
      slots.set(name, slot);
    }
    const c = readCapture(r, value, `${path}.${name}`, keyNode);
    if (c !== undefined) out.push({ ...c, name, slot } as Capture);
  }
  return out;
}

type CaptureKind = 'json' | 'header' | 'regex';

type CaptureSource =
  | { source: 'json'; text: string; path: readonly (string | number)[] }
  | { source: 'header'; text: string; header: string }
  | { source: 'regex'; text: string; regex: RegExp };

function readCapture(r: NodeReader, value: YNode, path: string, keyNode: Node): CaptureSource | undefined {
  let kind: CaptureKind = 'json';
  let textNode: YNode = value;
  if (value != null && isMap(value)) {
    const f = r.fields(value, path, SCENARIO_KEYS.capture);
    if (f === undefined) return undefined;
    const given = f.keys();
    if (given.length !== 1) {
      r.error(
        given.length === 0 ? 'ERR_SCENARIO_MISSING' : 'ERR_SCENARIO_VALUE',
        `${path} needs exactly one of json, header or regex`,
        value,
      );
      return undefined;
    }
    kind = given[0] as CaptureKind;
    textNode = f.value(kind);
  } else if (value == null || (isScalar(value) && value.value === null)) {
    r.error('ERR_SCENARIO_MISSING', `${path} needs a JSON path ("$.token") or { json | header | regex }`, keyNode);
    return undefined;
  }
  const text = r.string(textNode, kind === 'json' && textNode === value ? path : `${path}.${kind}`, { nonEmpty: true });
  if (text === undefined) return undefined;
  if (kind === 'header') {
    if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(text)) {
      r.error('ERR_SCENARIO_VALUE', `${path}.header: "${text}" is not a header name`, textNode);
      return undefined;
    }
    return { source: 'header', text, header: text.toLowerCase() };
  }
  if (kind === 'regex') {
    let regex: RegExp;
    try {
      regex = new RegExp(text);
    } catch (e) {
      r.error('ERR_SCENARIO_VALUE', `${path}.regex is not a valid regular expression: ${(e as Error).message}`, textNode);
      return undefined;
    }
    const groups = groupCount(regex);
    if (groups !== 1) {
      r.error('ERR_SCENARIO_VALUE', `${path}.regex must have exactly one capturing group, it has ${groups}`, textNode);
      return undefined;
    }
    return { source: 'regex', text, regex };
  }
  const compiled = compileJsonPath(text);
  if ('error' in compiled) {
    r.error('ERR_SCENARIO_VALUE', compiled.error, textNode, compiled.index);
    return undefined;
  }
  return { source: 'json', text, path: compiled };
}
