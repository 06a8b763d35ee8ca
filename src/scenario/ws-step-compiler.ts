// A `ws:` flow step (issue 18) → a CompiledRequest carrying `ws`: the upgrade request (GET `path`
// or `url`, with the client's and the step's headers) compiled like any step's, plus the messages
// to send and the replies to expect, all templates.
//
//   - name: chat
//     ws: { path: /ws/echo, send: [hello, "n{{seq}}"], expect: [hello, { contains: "n" }] }
//     think: 1s
//
// `send`: a string or a list; `expect`: a string (exact match) or { contains: text }, or a list of
// them — one for every reply (same length as `send`), or a single one applied to every reply.
import { isMap, isScalar, isSeq, type Pair } from 'yaml';
import { Fields, type YNode } from './node-reader.js';
import { compileChecked, compileRequestFields, type RequestEnv } from './request-compiler.js';
import { SCENARIO_KEYS } from './scenario-keys.js';
import type { CompiledRequest, Template, WsExpect } from './scenario.js';

/** The step keys a `ws:` step takes besides `ws` itself. */
const STEP_KEYS = new Set(['ws', 'name', 'think']);
/** The `ws:` keys that describe the upgrade request (compiled as a request's). */
const REQUEST_KEYS = new Set(['path', 'url', 'headers']);

/** Compiles step `sf` (which has `ws`). */
export function compileWsStep(env: RequestEnv, sf: Fields, path: string, index: number): CompiledRequest | undefined {
  const { r } = env;
  const before = r.errors.length;
  for (const k of sf.keys()) {
    if (!STEP_KEYS.has(k)) r.error('ERR_SCENARIO_VALUE', `${path}: a ws step takes only name, think and ws (put "${k}" inside ws, or make it a request step)`, sf.keyNode(k));
  }
  const wpath = `${path}.ws`;
  const wf = r.fields(sf.value('ws'), wpath, SCENARIO_KEYS.ws);
  if (wf === undefined) return undefined;
  // The upgrade request: path/url and headers, compiled like any request's (GET).
  const pairs = new Map<string, Pair>();
  for (const p of wf.node.items) if (isScalar(p.key) && REQUEST_KEYS.has(String(p.key.value))) pairs.set(String(p.key.value), p as Pair);
  const req = compileRequestFields(env, new Fields(wf.node, pairs, r), wpath, index, 1);
  const send = wf.has('send') ? readTexts(env, wf.value('send'), `${wpath}.send`) : [];
  let expect: (WsExpect | undefined)[] = send.map(() => undefined);
  if (wf.has('expect')) {
    const node = r.deref(wf.value('expect'));
    const items = node != null && isSeq(node) ? (node.items as YNode[]) : [node];
    const list = items.map((n, i) => readExpect(env, n, isSeq(node) ? `${wpath}.expect[${i}]` : `${wpath}.expect`));
    if (send.length === 0) r.error('ERR_SCENARIO_VALUE', `${wpath}.expect needs "send": a reply is awaited for each message sent`, wf.keyNode('expect'));
    else if (list.length === 1) expect = send.map(() => list[0]);
    else if (list.length === send.length) expect = list;
    else r.error('ERR_SCENARIO_VALUE', `${wpath}.expect lists ${list.length} replies for ${send.length} messages (give one for each, or one for all)`, node);
  }
  let name: string | undefined;
  if (sf.has('name')) name = r.string(sf.value('name'), `${path}.name`, { numbers: true, nonEmpty: true });
  if (req === undefined || r.errors.length > before) return undefined;
  // compileRequestFields named it "GET <path>": a ws step is "WS <path>" unless named.
  env.names.used.delete(req.name);
  if (name === undefined) name = env.names.generate(`WS ${req.origin ?? ''}${req.path.source}`);
  return { ...req, name, static: false, ws: { send, expect } };
}

/** A string or a list of strings, each a template. */
function readTexts(env: RequestEnv, node: YNode, path: string): Template[] {
  const { r } = env;
  const n = r.deref(node);
  const items = n != null && isSeq(n) ? (n.items as YNode[]) : [n];
  const out: Template[] = [];
  items.forEach((item, i) => {
    const p = n != null && isSeq(n) ? `${path}[${i}]` : path;
    const text = r.string(item, p, { numbers: true });
    if (text !== undefined) out.push(compileChecked(env, text, r.deref(item)!));
  });
  return out;
}

function readExpect(env: RequestEnv, node: YNode, path: string): WsExpect | undefined {
  const { r } = env;
  const n = r.deref(node);
  if (n != null && isMap(n)) {
    const f = r.fields(n, path, SCENARIO_KEYS.wsExpect);
    if (f === undefined) return undefined;
    if (!f.has('contains')) {
      r.error('ERR_SCENARIO_MISSING', `${path} needs "contains" (or give the exact reply as a string)`, n);
      return undefined;
    }
    const text = r.string(f.value('contains'), `${path}.contains`, { numbers: true, nonEmpty: true });
    return text === undefined ? undefined : { kind: 'contains', text: compileChecked(env, text, f.value('contains')!) };
  }
  const text = r.string(n, path, { numbers: true });
  return text === undefined ? undefined : { kind: 'exact', text: compileChecked(env, text, n!) };
}
