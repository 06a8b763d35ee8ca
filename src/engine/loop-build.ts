// What a load loop is built from, made once before the run: the prepared requests (requests mode)
// or each flow's prepared steps with setup's and teardown's last (flows mode), each flow's pace,
// the data feeder, the cookie jars' origins and the virtual users, seeded per worker and user.
import { mix32, Prng } from '../core/prng.js';
import { DataFeeder, type Scenario } from '../scenario/index.js';
import { UserCookies, cookieJarsEnabled } from './cookie-jar.js';
import { HookRequest, HookResponse, HookUserView, varsPrototype } from './hook-objects.js';
import type { LoopOptions } from './loop-types.js';
import { PreparedRequest } from './prepared-request.js';
import { VirtualUser } from './virtual-user.js';

export interface LoopParts {
  /** Requests mode: the scenario's requests. */
  readonly requests: PreparedRequest[];
  /** Flows mode: prepared steps per flow, then setup's and teardown's. */
  readonly flowSteps: PreparedRequest[][];
  /** Each flow's `pace`, ms (0: none). */
  readonly paceMs: number[];
  /** Indexes into flowSteps of the setup and teardown flows (-1: none). */
  readonly setupFlow: number;
  readonly teardownFlow: number;
  readonly feeder: DataFeeder | undefined;
  /** "scheme://host[:port]" per group and backend: the base of the URL a jar is asked about (issue 15). */
  readonly cookieBase: string[][];
  readonly users: VirtualUser[];
  /** With hooks, flows mode: per flow (flowSteps order), the prototype of a user's vars object. */
  readonly varsProtos: object[];
}

/** Request names in recorder order. */
export function requestNames(s: Scenario): string[] {
  if (s.mode !== 'flows') return s.requests.map((r) => r.name);
  return [...s.flows, s.setup, s.teardown].flatMap((f) => f?.steps.map((st) => st.name) ?? []);
}

export function buildLoopParts(options: LoopOptions): LoopParts {
  const s = options.scenario;
  const plan = options.plan;
  const flows = s.mode === 'flows';
  // One seed per run (--seed, or a random one), mixed with the worker's fleet slot and the user index.
  const seed = s.seed !== undefined ? s.seed >>> 0 : Math.floor(Math.random() * 0x1_0000_0000);
  const workerSeed = mix32(seed, plan.slot);
  let feeder: DataFeeder | undefined;
  if (s.data !== undefined && s.data.rows.length > 0) {
    const rng = new Prng(mix32(workerSeed, 0x0da7a));
    feeder = new DataFeeder(s.data, plan.slot, plan.slots, () => rng.float());
  }
  let index = 0;
  const keepalive = s.client.keepalive;
  const prepare = (steps: readonly Parameters<typeof makeRequest>[0][]): PreparedRequest[] =>
    steps.map((st) => makeRequest(st, index++, options, keepalive));
  const requests: PreparedRequest[] = [];
  const flowSteps: PreparedRequest[][] = [];
  const paceMs: number[] = [];
  let setupFlow = -1;
  let teardownFlow = -1;
  if (flows) {
    for (const f of s.flows) {
      flowSteps.push(prepare(f.steps));
      paceMs.push(f.paceMs ?? 0);
    }
    for (const f of [s.setup, s.teardown]) {
      if (f === undefined) continue;
      if (f === s.setup) setupFlow = flowSteps.length;
      else teardownFlow = flowSteps.length;
      flowSteps.push(prepare(f.steps));
      paceMs.push(0);
    }
  } else {
    requests.push(...prepare(s.requests));
  }
  const cookieBase: string[][] = [];
  const jars = cookieJarsEnabled(s);
  if (jars) {
    for (const g of options.clients.groups) {
      const scheme = g.origin.startsWith('https:') ? 'https://' : 'http://';
      cookieBase.push(g.backends.map((b) => scheme + b.hostHeader));
    }
  }
  const cookieOrigins = [...new Set(cookieBase.flat())];
  const maxVars = Math.max(0, ...[...s.flows, s.setup, s.teardown].map((f) => f?.vars.length ?? 0));
  const users: VirtualUser[] = [];
  for (let i = 0; i < plan.maxUsers; i++) {
    const u = new VirtualUser(i, mix32(workerSeed, i));
    u.vars = new Array<string>(maxVars).fill('');
    if (flows) u.ctx.vars = u.vars;
    if (jars) u.cookies = new UserCookies(s.cookies, cookieOrigins);
    if (options.scripts !== undefined) {
      u.hook = new HookUserView(i, s.data?.columns);
      u.hookReq = new HookRequest();
      u.hookRes = new HookResponse();
    }
    users.push(u);
  }
  const varsProtos = options.scripts !== undefined && flows ? [...s.flows, s.setup, s.teardown].flatMap((f) => (f !== undefined ? [varsPrototype(f.vars)] : [])) : [];
  return { requests, flowSteps, paceMs, setupFlow, teardownFlow, feeder, cookieBase, users, varsProtos };
}

function makeRequest(
  spec: ConstructorParameters<typeof PreparedRequest>[0],
  index: number,
  options: LoopOptions,
  keepalive: boolean,
): PreparedRequest {
  const scripts = options.scripts;
  if (scripts === undefined) return new PreparedRequest(spec, index, options.clients, keepalive);
  const before = scripts.hookFor('beforeRequest', spec.name);
  const after = scripts.hookFor('afterResponse', spec.name);
  return new PreparedRequest(spec, index, options.clients, keepalive, {
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
  });
}
