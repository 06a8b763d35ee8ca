// Loads a scenario file (YAML or JSON), validates everything before any traffic, and compiles it
// into a Scenario. Validation collects every problem it can in one pass; loadScenario throws them
// as one ScenarioValidationError (the first problem, with all of them in `.errors`).
import { readFileSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import { LineCounter, isMap, parseDocument } from 'yaml';
import { FastbenchError } from '../core/errors.js';
import { readClient, readTarget } from './client-settings.js';
import { readData } from './data-file.js';
import { readFlows, readSessionFlow } from './flow-compiler.js';
import { readPhases } from './load-phases.js';
import { hasSearchItem, readSearchLoad } from './search-spec.js';
import { NodeReader, type Fields, type YNode } from './node-reader.js';
import { applyOverrides, intervalProblem, type ScenarioOverrides } from './overrides.js';
import { NameBook, compileRequestFields, type RequestEnv, type RequestOverrides } from './request-compiler.js';
import { readHooksFile } from './hooks-file.js';
import { readCookies } from './request-helpers.js';
import { SCENARIO_KEYS } from './scenario-keys.js';
import type { CompiledRequest, CookieSettings, Flow, Phase, Scenario, SearchSpec } from './scenario.js';
import type { TemplateScope } from './template.js';
import { readThresholds } from './thresholds.js';
import { ScenarioValidationError } from './validation-error.js';

export interface LoadOptions {
  /** `-e NAME=value` pairs; they win over the process environment for {{env.NAME}}. */
  readonly env?: Readonly<Record<string, string>>;
  /** The environment {{env.NAME}} falls back to; defaults to process.env. */
  readonly processEnv?: Readonly<Record<string, string | undefined>>;
  /** Command-line overrides, applied after validation. */
  readonly overrides?: ScenarioOverrides;
  // issue 15 (sess-web)
  /** Command-line values applied as each request compiles (`run -H`, `-u`, `--compressed`). */
  readonly requestOverrides?: RequestOverrides;
  /** `--cookie name=value` seeds, added to `cookies.values` (and so turning the jars on). */
  readonly cookies?: readonly (readonly [string, string])[];
}

export interface ScenarioCheck {
  /** Undefined when there are errors. */
  readonly scenario: Scenario | undefined;
  /** Every problem found, in source order. */
  readonly errors: readonly FastbenchError[];
}

/** Reads, validates and compiles a scenario file; throws ScenarioValidationError on problems. */
export function loadScenario(file: string, options: LoadOptions = {}): Scenario {
  return unwrap(checkScenario(file, options));
}

/** Like loadScenario, for text already in memory (`file` names it and anchors relative paths). */
export function parseScenario(text: string, file: string, options: LoadOptions = {}): Scenario {
  return unwrap(checkScenarioText(text, file, options));
}

/** Reads and validates a scenario file, returning all problems instead of throwing. */
export function checkScenario(file: string, options: LoadOptions = {}): ScenarioCheck {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    return { scenario: undefined, errors: [new FastbenchError('ERR_USAGE_FILE', `cannot read scenario "${file}" (${why})`, { file })] };
  }
  return checkScenarioText(text, file, options);
}

export function checkScenarioText(text: string, file: string, options: LoadOptions = {}): ScenarioCheck {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const r = new NodeReader(file, text, lineCounter, doc);
  for (const e of doc.errors) {
    const msg = e.code === 'DUPLICATE_KEY' ? 'duplicate key (each key may appear once in a mapping)' : e.message.split('\n')[0]!;
    r.errorAt('ERR_SCENARIO_PARSE', msg, r.posAtOffset(e.pos[0]));
  }
  if (r.errors.length > 0) return done(r, undefined);
  if (doc.contents === null || (doc.contents.range !== undefined && doc.contents.toJSON() === null)) {
    r.error('ERR_SCENARIO_MISSING', 'the scenario is empty: it needs at least "load" and "requests" or "flows"', undefined);
    return done(r, undefined);
  }
  const top = r.fields(doc.contents, 'the scenario', SCENARIO_KEYS.top);
  if (top === undefined) return done(r, undefined);
  const scenario = compile(r, top, file, options);
  if (scenario === undefined || r.errors.length > 0) return done(r, undefined);
  try {
    return done(r, options.overrides === undefined ? scenario : applyOverrides(scenario, options.overrides));
  } catch (e) {
    if (e instanceof FastbenchError) return { scenario: undefined, errors: [e] };
    throw e;
  }
}

function compile(r: NodeReader, top: Fields, file: string, options: LoadOptions): Scenario | undefined {
  const processEnv = options.processEnv ?? process.env;
  const env = (name: string): string | undefined => options.env?.[name] ?? processEnv[name];
  const dir = dirname(file);

  for (const key of ['$schema', 'description'] as const) if (top.has(key)) r.string(top.value(key), key);
  const name = top.has('name') ? r.string(top.value('name'), 'name', { numbers: true, nonEmpty: true }) : basename(file, extname(file));
  const description = top.has('description') ? r.string(top.value('description'), 'description') : undefined;

  const data = top.has('data') ? readData(r, top.value('data'), dir, file) : undefined;
  const baseScope: TemplateScope = { env, columns: data?.columns, dataFile: data?.file, vars: undefined };
  const { client, headers: clientHeaders, compressed: clientCompressed, auth: clientAuth } = readClient(r, top.value('client'), baseScope, dir);
  const cookies = cookieSettings(top.has('cookies') ? readCookies(r, top.value('cookies'), baseScope) : undefined, options.cookies);
  const target = readTarget(r, top, baseScope, dir, client.tls);

  const { phases, search } = readLoad(r, top, client.connections, dir);

  const reqEnv: RequestEnv = {
    r,
    dir,
    scope: baseScope,
    basePath: target?.kind === 'url' ? target.basePath : '',
    clientHeaders,
    names: new NameBook(),
    ...(clientCompressed !== undefined ? { clientCompressed } : {}),
    ...(clientAuth !== undefined ? { clientAuth } : {}),
    ...(options.requestOverrides !== undefined ? { forced: options.requestOverrides } : {}),
  };
  let requests: CompiledRequest[] = [];
  const flows: Flow[] = [];
  let setup: Flow | undefined;
  let teardown: Flow | undefined;
  const before = r.errors.length;
  if (top.has('requests') && top.has('flows')) {
    r.error('ERR_SCENARIO_VALUE', 'give either "requests" or "flows", not both', top.keyNode('flows'));
  } else if (top.has('requests')) {
    requests = readRequests(reqEnv, top.value('requests'));
  } else if (top.has('flows')) {
    // setup first: its captures take the first variable slots, which every flow (and teardown) sees.
    const stepIndex = { next: 0 };
    setup = top.has('setup') ? readSessionFlow(reqEnv, top.value('setup'), 'setup', stepIndex, new Map()) : undefined;
    const shared = new Map((setup?.vars ?? []).map((v, i) => [v, i] as const));
    flows.push(...readFlows(reqEnv, top.value('flows'), (n, p) => readWeight(r, n, p), { shared }, stepIndex.next));
    stepIndex.next += flows.reduce((n, f) => n + f.steps.length, 0);
    teardown = top.has('teardown') ? readSessionFlow(reqEnv, top.value('teardown'), 'teardown', stepIndex, shared) : undefined;
  } else {
    r.error('ERR_SCENARIO_MISSING', 'the scenario needs "requests" (or "flows")', top.node);
  }
  checkModes(r, top, phases, flows.length > 0);
  const extras = readExtras(r, top, dir);
  const all = flows.length > 0 ? flows.flatMap((f) => f.steps) : requests;
  // After request errors, generated names may be missing from the book: check explicit ones only.
  const names = { known: reqEnv.names.used, partial: r.errors.length > before };
  const thresholds = top.has('thresholds') ? readThresholds(r, top.value('thresholds'), names) : [];

  if (r.errors.length > 0 || name === undefined || target === undefined || phases === undefined) return undefined;
  const weighted: readonly { weight: number }[] = flows.length > 0 ? flows : all;
  return {
    name,
    description,
    file,
    target,
    client,
    phases,
    ...(search !== undefined ? { search } : {}),
    mode: flows.length > 0 ? 'flows' : 'requests',
    requests: flows.length > 0 ? [] : all,
    flows,
    ...(setup !== undefined ? { setup, sharedVars: setup.vars.length } : {}),
    ...(teardown !== undefined ? { teardown } : {}),
    ...extras,
    cumulativeWeights: cumulative(weighted.map((w) => w.weight)),
    data,
    thresholds,
    ...(cookies !== undefined ? { cookies } : {}),
  };
}

/** `load:` — the phases, or (issue 18) a capacity search, which runs its own phases (engine/capacity-search.ts). */
function readLoad(r: NodeReader, top: Fields, connections: number, dir: string): { phases: Phase[] | undefined; search?: SearchSpec } {
  if (!top.has('load')) {
    r.error('ERR_SCENARIO_MISSING', 'the scenario needs "load" (a list of phases)', top.node);
    return { phases: undefined };
  }
  if (hasSearchItem(r, top.value('load'))) return { phases: [], search: readSearchLoad(r, top.value('load'), connections) };
  return { phases: readPhases(r, top.value('load'), connections, dir) };
}

/** The optional top-level settings: `seed`, `interval`, `hooks` (issue 16). */
function readExtras(r: NodeReader, top: Fields, dir: string): Pick<Scenario, 'seed' | 'intervalMs' | 'hooks'> {
  const seed = top.has('seed') ? r.number(top.value('seed'), 'seed', { integer: true, min: 0 }) : undefined;
  const intervalMs = top.has('interval') ? readInterval(r, top.value('interval')) : undefined;
  const hooks = top.has('hooks') ? readHooksFile(r, top.value('hooks'), dir) : undefined;
  return {
    ...(seed !== undefined ? { seed } : {}),
    ...(intervalMs !== undefined ? { intervalMs } : {}),
    ...(hooks !== undefined ? { hooks } : {}),
  };
}

/** setup/teardown need flows; a replay phase (issue 16) sends the log's requests with a request's headers and checks: not with flows. */
function checkModes(r: NodeReader, top: Fields, phases: readonly Phase[] | undefined, flows: boolean): void {
  for (const key of ['setup', 'teardown'] as const) {
    if (top.has(key) && !top.has('flows')) r.error('ERR_SCENARIO_VALUE', `"${key}" needs "flows" (its captures are flow variables)`, top.keyNode(key));
  }
  if (flows && phases?.some((p) => p.model === 'replay') === true) {
    r.error('ERR_SCENARIO_VALUE', 'a replay phase sends the log\'s requests: use "requests" (their headers and checks apply), not "flows"', top.keyNode('flows'));
  }
}

/** `cookies:` with the command line's --cookie seeds added (a seed turns a jar on, unless `off`). */
function cookieSettings(fromFile: CookieSettings | undefined, seeds: readonly (readonly [string, string])[] | undefined): CookieSettings | undefined {
  if (seeds === undefined || seeds.length === 0) return fromFile;
  const base = fromFile ?? { mode: 'iteration' as const, values: [] };
  const values = base.values.filter(([n]) => !seeds.some(([s]) => s === n));
  return { mode: base.mode === 'off' ? 'iteration' : base.mode, values: [...values, ...seeds] };
}

/** `interval:` a duration from MIN_INTERVAL_MS to MAX_INTERVAL_MS. */
function readInterval(r: NodeReader, node: YNode): number | undefined {
  const ms = r.duration(node, 'interval');
  if (ms === undefined) return undefined;
  const why = intervalProblem(ms);
  if (why !== undefined) {
    r.error('ERR_SCENARIO_VALUE', `interval: ${why}`, node);
    return undefined;
  }
  return ms;
}

function readRequests(env: RequestEnv, node: YNode): CompiledRequest[] {
  const { r } = env;
  const items = r.list(node, 'requests', isMap(r.deref(node)));
  if (items === undefined) return [];
  if (items.length === 0) r.error('ERR_SCENARIO_VALUE', 'requests needs at least one request', node);
  env.names.registerExplicit(r, items);
  const out: CompiledRequest[] = [];
  items.forEach((item, i) => {
    const path = `requests[${i}]`;
    const f = r.fields(item, path, SCENARIO_KEYS.request);
    if (f === undefined) return;
    const weight = f.has('weight') ? readWeight(r, f.value('weight'), `${path}.weight`) : 1;
    const req = compileRequestFields(env, f, path, i, weight ?? 1);
    if (req !== undefined && weight !== undefined) out.push(req);
  });
  return out;
}

function readWeight(r: NodeReader, node: YNode, path: string): number | undefined {
  return r.number(node, path, { min: 0, minExclusive: true });
}

function cumulative(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  let acc = 0;
  const out = weights.map((w) => (acc += w) / total);
  if (out.length > 0) out[out.length - 1] = 1;
  return out;
}

/** Index picked by a uniform random r in [0, 1) from cumulative weights (binary search). */
export function pickWeighted(cumulativeWeights: readonly number[], r: number): number {
  let lo = 0;
  let hi = cumulativeWeights.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (r < cumulativeWeights[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function done(r: NodeReader, scenario: Scenario | undefined): ScenarioCheck {
  const errors = [...r.errors].sort((a, b) =>
    a.file !== b.file ? (a.file === r.file ? -1 : b.file === r.file ? 1 : 0) : (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  return { scenario: errors.length > 0 ? undefined : scenario, errors };
}

function unwrap(check: ScenarioCheck): Scenario {
  if (check.errors.length > 0 || check.scenario === undefined) {
    throw new ScenarioValidationError(check.errors.length > 0 ? check.errors : [new FastbenchError('ERR_INTERNAL', 'no scenario')]);
  }
  return check.scenario;
}
