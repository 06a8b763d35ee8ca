// `flows:` → Flow objects. Each flow is an ordered list of steps (requests) whose captures feed
// `{{vars.name}}` in later steps. A variable may only be used after the step that captures it.
// `setup:` / `teardown:` are flows run once per virtual user; setup's captures keep their slots
// for every flow (and teardown). `think:` (a step's, or the flow's default) and `pace:` too.
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { compileJsonPath, groupCount } from './capture.js';
import type { Fields, NodeReader, YNode } from './node-reader.js';
import { NameBook, compileRequestFields, type RequestEnv } from './request-compiler.js';
import { SCENARIO_KEYS } from './scenario-keys.js';
import type { Capture, Flow, FlowStep } from './scenario.js';
import { readThink, type ThinkTime } from './think-time.js';
import { compileWsStep } from './ws-step-compiler.js';

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What flows share with the `setup` flow: its variable slots (kept across iterations). */
export interface FlowContext {
  /** Slots captured by `setup`; every flow's own captures come after them. */
  readonly shared: ReadonlyMap<string, number>;
}

const NO_SHARED: FlowContext = { shared: new Map() };

/** Reads `flows:`. Step indexes count across all flows, in file order. */
export function readFlows(
  env: RequestEnv,
  node: YNode,
  readWeight: (n: YNode, path: string) => number | undefined,
  ctx: FlowContext = NO_SHARED,
  firstStep = 0,
): Flow[] {
  const { r } = env;
  const flows: Flow[] = [];
  const items = r.list(node, 'flows');
  if (items === undefined) return flows;
  if (items.length === 0) r.error('ERR_SCENARIO_VALUE', 'flows needs at least one flow', node);
  const stepIndex = { next: firstStep };
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
    const paceMs = f.has('pace') ? r.duration(f.value('pace'), `${path}.pace`) : 0;
    const body = readFlowBody(env, f, path, stepIndex, ctx.shared);
    if (name === undefined || weight === undefined || paceMs === undefined || body === undefined) return;
    flows.push({ name, index: flows.length, weight, ...body, ...(paceMs > 0 ? { paceMs } : {}), pos: r.pos(f.node) });
  });
  return flows;
}

/**
 * `setup:` / `teardown:` — a flow run once per virtual user, written as a list of steps or as
 * { steps, think }. Its steps are reported as "<kind>/<name>". Setup's captures keep their slots
 * (`shared`); teardown may use them.
 */
export function readSessionFlow(
  env: RequestEnv,
  node: YNode,
  kind: 'setup' | 'teardown',
  stepIndex: { next: number },
  shared: ReadonlyMap<string, number>,
): Flow | undefined {
  const { r } = env;
  const n = r.deref(node);
  let f: Fields | undefined;
  let stepsNode: YNode = n;
  if (n != null && isMap(n)) {
    f = r.fields(n, kind, SCENARIO_KEYS.session);
    if (f === undefined) return undefined;
    stepsNode = f.value('steps');
  }
  const items = r.deref(stepsNode);
  const stepNodes = items != null && isSeq(items) ? (items.items as Node[]) : [];
  // Explicit names are checked among themselves, then prefixed: "login" in setup is "setup/login".
  const book = new NameBook();
  book.registerExplicit(r, stepNodes);
  const local: RequestEnv = { ...env, names: book };
  const body = readFlowBody(local, f, kind, stepIndex, shared, stepsNode ?? n);
  if (body === undefined) return undefined;
  const steps = body.steps.map((st) => ({ ...st, name: `${kind}/${st.name}` }));
  for (const st of steps) env.names.used.add(st.name);
  return { name: kind, index: -1, weight: 1, steps, vars: body.vars, pos: r.pos(n) };
}

/** The steps of a flow (or setup/teardown) and its variable slots; `f` holds its `think`. */
function readFlowBody(
  env: RequestEnv,
  f: Fields | undefined,
  path: string,
  stepIndex: { next: number },
  shared: ReadonlyMap<string, number>,
  stepsNode: YNode = f?.value('steps'),
): { steps: FlowStep[]; vars: string[] } | undefined {
  const { r } = env;
  if (stepsNode == null) {
    r.error('ERR_SCENARIO_MISSING', `${path} needs "steps" (a list of requests)`, f?.node);
    return undefined;
  }
  const flowThink = f !== undefined && f.has('think') ? readThink(r, f.value('think'), `${path}.think`) : undefined;
  if (f !== undefined && f.has('think') && flowThink === undefined) return undefined;
  const stepsPath = f === undefined ? path : `${path}.steps`;
  const stepNodes = r.list(stepsNode, stepsPath) ?? [];
  if (stepNodes.length === 0) r.error('ERR_SCENARIO_VALUE', `${stepsPath} needs at least one step`, stepsNode);

  // First pass: which step captures what, so a too-early use gets a precise message.
  const stepFields = stepNodes.map((s, si) => r.fields(s, `${stepsPath}[${si}]`, SCENARIO_KEYS.step));
  const capturedAt = stepFields.map((sf) => captureNames(r, sf));

  const slots = new Map<string, number>(shared);
  const steps: FlowStep[] = [];
  stepFields.forEach((sf, si) => {
    if (sf === undefined) return;
    const spath = `${stepsPath}[${si}]`;
    const later = new Set(capturedAt.slice(si).flat());
    const scope = { ...env.scope, vars: new Map(slots), laterVars: later };
    const req = sf.keyNode('ws') !== undefined
      ? compileWsStep({ ...env, scope }, sf, spath, stepIndex.next++) // issue 18 websocket
      : compileRequestFields({ ...env, scope }, sf, spath, stepIndex.next++, 1);
    const captures = sf.has('capture') ? readCaptures(r, sf.value('capture'), `${spath}.capture`, slots) : [];
    const think = sf.has('think') ? readThink(r, sf.value('think'), `${spath}.think`) : (flowThink ?? NO_THINK);
    if (req !== undefined && think !== undefined) {
      steps.push(think.dist === 'fixed' ? { ...req, captures, thinkMs: think.ms } : { ...req, captures, thinkMs: 0, think });
    }
  });
  if (steps.length !== stepNodes.length) return undefined;
  return { steps, vars: [...slots.keys()] };
}

const NO_THINK: ThinkTime = { dist: 'fixed', ms: 0 };

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
