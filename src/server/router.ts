// The bundled server's router. Static paths live in a Map from path to a per-method table, so the
// benchmark routes are found with one Map lookup and one property read — no allocation. Patterns
// with params (`/status/:code<int>`, typed constraints after Fiber's idea) and a trailing wildcard
// (`/anything/*`) live in a segment tree matched with backtracking: static segment first, then
// constrained params, then plain params, then the wildcard.
//
// Semantics:
// - No route matches the path → 404 (or the `notFound` handler).
// - A route matches the path but not the method → 405 with `Allow` (the union over all matching
//   routes). OPTIONS without its own handler → 204 with the same `Allow`.
// - HEAD is served by the GET handler unless HEAD is registered itself. The handler answers as for
//   GET; the connection loop sends the head (with the Content-Length or chunked framing the
//   handler chose) and drops the body.
// - Paths are compared as sent (case-sensitive, not percent-decoded, trailing slash significant).
//   Param values are the raw segment text; `int` and `float` params are numbers.
import { FastbenchError } from '../core/errors.js';
import type { Handler, RequestDispatcher, RouteParams, ServerRequest, ServerResponse } from './types.js';

/** Pass `'*'` as the method to handle every method. */
export const ANY_METHOD = '*';

const EMPTY_PARAMS: RouteParams = Object.freeze({}) as RouteParams;
const TEXT = 'text/plain; charset=utf-8';
const NOT_FOUND_BODY = Buffer.from('404 Not Found\n');
const NOT_FOUND_HEADERS: readonly string[] = Object.freeze(['Content-Type', TEXT]);
const NOT_ALLOWED_BODY = Buffer.from('405 Method Not Allowed\n');

// ---------------------------------------------------------------------------------------------
// Constraints

type Check = (raw: string) => boolean;

interface Constraint {
  /** The constraint text as written (`int;min(1)`): param nodes are shared per text. */
  readonly key: string;
  readonly checks: readonly Check[];
  /** `int` / `float`: the value is passed as a number. */
  readonly numeric: boolean;
}

const INT_RE = /^-?\d{1,15}$/;
const FLOAT_RE = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;
const ALPHA_RE = /^[A-Za-z]+$/;
const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function bad(pattern: string, why: string): FastbenchError {
  return new FastbenchError('ERR_CONFIG', `route ${JSON.stringify(pattern)}: ${why}`);
}

/** Splits `int;regex(a;b)` on top-level semicolons. */
function splitConstraints(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ';' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

function numArgs(pattern: string, name: string, args: string, count: number): number[] {
  const nums = args.split(',').map((a) => Number(a.trim()));
  if (nums.length !== count || nums.some((n) => !Number.isFinite(n))) {
    throw bad(pattern, `${name}() takes ${count} number${count > 1 ? 's' : ''}`);
  }
  return nums;
}

function compileConstraint(pattern: string, text: string): Constraint {
  const checks: Check[] = [];
  let numeric = false;
  for (const part of splitConstraints(text)) {
    const open = part.indexOf('(');
    const name = open < 0 ? part : part.slice(0, open);
    if (open >= 0 && !part.endsWith(')')) throw bad(pattern, `unclosed constraint ${part}`);
    const args = open < 0 ? '' : part.slice(open + 1, -1);
    switch (name) {
      case 'int': checks.push((s) => INT_RE.test(s)); numeric = true; break;
      case 'float': checks.push((s) => FLOAT_RE.test(s)); numeric = true; break;
      case 'bool': checks.push((s) => s === 'true' || s === 'false'); break;
      case 'alpha': checks.push((s) => ALPHA_RE.test(s)); break;
      case 'guid': checks.push((s) => GUID_RE.test(s)); break;
      case 'min': { const [m] = numArgs(pattern, name, args, 1); checks.push((s) => Number(s) >= m!); break; }
      case 'max': { const [m] = numArgs(pattern, name, args, 1); checks.push((s) => Number(s) <= m!); break; }
      case 'range': {
        const [lo, hi] = numArgs(pattern, name, args, 2);
        checks.push((s) => { const n = Number(s); return n >= lo! && n <= hi!; });
        break;
      }
      case 'len': { const [n] = numArgs(pattern, name, args, 1); checks.push((s) => s.length === n); break; }
      case 'minLen': { const [n] = numArgs(pattern, name, args, 1); checks.push((s) => s.length >= n!); break; }
      case 'maxLen': { const [n] = numArgs(pattern, name, args, 1); checks.push((s) => s.length <= n!); break; }
      case 'regex': {
        let re: RegExp;
        try {
          re = new RegExp(`^(?:${args})$`);
        } catch {
          throw bad(pattern, `invalid regex(${args})`);
        }
        checks.push((s) => re.test(s));
        break;
      }
      default:
        throw bad(pattern, `unknown constraint ${JSON.stringify(name)}`);
    }
  }
  return { key: text, checks, numeric };
}

// ---------------------------------------------------------------------------------------------
// Routes and the segment tree

/** The handlers of one path (static) or one pattern (dynamic). */
class Route {
  /** Method → handler; HEAD is filled from GET unless registered. Null prototype. */
  readonly handlers: Record<string, Handler | undefined> = Object.create(null) as Record<string, Handler | undefined>;
  anyMethod: Handler | undefined;
  private explicitHead = false;
  /** Prebuilt 405 / OPTIONS headers, rebuilt at registration. */
  allow = '';
  notAllowedHeaders: readonly string[] = [];
  optionsHeaders: readonly string[] = [];

  constructor(readonly pattern: string, readonly paramNames: readonly string[]) {}

  add(method: string, handler: Handler): void {
    if (method === ANY_METHOD) {
      this.anyMethod = handler;
    } else {
      this.handlers[method] = handler;
      if (method === 'HEAD') this.explicitHead = true;
      else if (method === 'GET' && !this.explicitHead) this.handlers.HEAD = handler;
    }
    const methods = Object.keys(this.handlers);
    if (this.handlers.OPTIONS === undefined) methods.push('OPTIONS');
    this.allow = methods.join(', ');
    this.notAllowedHeaders = Object.freeze(['Allow', this.allow, 'Content-Type', TEXT]);
    this.optionsHeaders = Object.freeze(['Allow', this.allow]);
  }

  handlerFor(method: string): Handler | undefined {
    return this.handlers[method] ?? this.anyMethod;
  }
}

interface ParamChild {
  readonly constraint: Constraint | undefined;
  readonly node: TreeNode;
}

class TreeNode {
  readonly statics = new Map<string, TreeNode>();
  readonly params: ParamChild[] = [];
  route: Route | undefined;
  /** Route for a trailing `*`: matches the rest of the path after this node's slash (maybe ''). */
  wildcard: Route | undefined;
}

/** The outcome of `Router.match` (for tests and tools; dispatch does not allocate one for static paths). */
export interface RouteMatch {
  status: 200 | 404 | 405;
  handler: Handler | undefined;
  params: RouteParams;
  /** The `Allow` value when status is 405 (or for OPTIONS). */
  allow: string;
  pattern: string | undefined;
}

export interface RouterOptions {
  /** Answers paths no route matches (default: 404 text). */
  notFound?: Handler;
}

export class Router implements RequestDispatcher {
  private readonly statics = new Map<string, Route>();
  private readonly root = new TreeNode();
  private readonly patterns = new Map<string, Route>();
  private readonly notFound: Handler | undefined;

  constructor(options: RouterOptions = {}) {
    this.notFound = options.notFound;
  }

  /** Registers `handler` for `method` (or several, or ANY_METHOD) on `pattern`. */
  on(method: string | readonly string[], pattern: string, handler: Handler): this {
    const route = this.routeFor(pattern);
    for (const m of typeof method === 'string' ? [method] : method) route.add(m, handler);
    return this;
  }

  get(pattern: string, handler: Handler): this { return this.on('GET', pattern, handler); }
  post(pattern: string, handler: Handler): this { return this.on('POST', pattern, handler); }
  put(pattern: string, handler: Handler): this { return this.on('PUT', pattern, handler); }
  patch(pattern: string, handler: Handler): this { return this.on('PATCH', pattern, handler); }
  delete(pattern: string, handler: Handler): this { return this.on('DELETE', pattern, handler); }
  all(pattern: string, handler: Handler): this { return this.on(ANY_METHOD, pattern, handler); }

  dispatch(req: ServerRequest, res: ServerResponse): void {
    const route = this.statics.get(req.path);
    if (route !== undefined) {
      const h = route.handlers[req.method] ?? route.anyMethod;
      if (h !== undefined) {
        h(req, res, EMPTY_PARAMS);
        return;
      }
    }
    const m = this.matchDynamic(req.method, req.path);
    if (m.handler !== undefined) m.handler(req, res, m.params);
    else if (route !== undefined) this.refuse(route, req, res);
    else if (m.route !== undefined) this.refuse(m.route, req, res);
    else if (this.notFound !== undefined) this.notFound(req, res, EMPTY_PARAMS);
    else res.send(404, NOT_FOUND_BODY, NOT_FOUND_HEADERS);
  }

  /** Every registered pattern with the methods it answers (OPTIONS included), in registration order. */
  routeTable(): { pattern: string; methods: string }[] {
    return [...this.patterns.values()].map((r) => ({ pattern: r.pattern, methods: r.anyMethod !== undefined ? '*' : r.allow }));
  }

  /** Which handler would answer `method path`, with its params. */
  match(method: string, path: string): RouteMatch {
    const route = this.statics.get(path);
    const handler = route?.handlerFor(method);
    if (route !== undefined && handler !== undefined) {
      return { status: 200, handler, params: EMPTY_PARAMS, allow: route.allow, pattern: route.pattern };
    }
    const m = this.matchDynamic(method, path);
    if (m.handler !== undefined) return { status: 200, handler: m.handler, params: m.params, allow: m.route!.allow, pattern: m.route!.pattern };
    if (route !== undefined) return { status: 405, handler: undefined, params: EMPTY_PARAMS, allow: route.allow, pattern: route.pattern };
    if (m.route !== undefined) return { status: 405, handler: undefined, params: EMPTY_PARAMS, allow: m.route.allow, pattern: m.route.pattern };
    return { status: 404, handler: undefined, params: EMPTY_PARAMS, allow: '', pattern: undefined };
  }

  private refuse(route: Route, req: ServerRequest, res: ServerResponse): void {
    if (req.method === 'OPTIONS') res.send(204, undefined, route.optionsHeaders);
    else res.send(405, NOT_ALLOWED_BODY, route.notAllowedHeaders);
  }

  private routeFor(pattern: string): Route {
    const existing = this.patterns.get(pattern);
    if (existing !== undefined) return existing;
    if (!pattern.startsWith('/')) throw bad(pattern, 'must start with "/"');
    const segs = pattern.slice(1).split('/');
    let node = this.root;
    const names: string[] = [];
    let route: Route | undefined;
    let dynamic = false;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      if (seg.startsWith('*')) {
        if (i !== segs.length - 1) throw bad(pattern, 'a wildcard must be the last segment');
        names.push(seg.length > 1 ? seg.slice(1) : '*');
        route = node.wildcard ??= new Route(pattern, names);
        dynamic = true;
        break;
      }
      if (seg.startsWith(':')) {
        dynamic = true;
        const lt = seg.indexOf('<');
        if (lt >= 0 && !seg.endsWith('>')) throw bad(pattern, `unclosed constraint in ${seg}`);
        const name = lt < 0 ? seg.slice(1) : seg.slice(1, lt);
        if (!/^\w+$/.test(name)) throw bad(pattern, `invalid param name in ${seg}`);
        if (names.includes(name)) throw bad(pattern, `duplicate param ${name}`);
        names.push(name);
        const key = lt < 0 ? '' : seg.slice(lt + 1, -1);
        let child = node.params.find((p) => (p.constraint?.key ?? '') === key);
        if (child === undefined) {
          child = { constraint: key === '' ? undefined : compileConstraint(pattern, key), node: new TreeNode() };
          node.params.push(child);
          // Constrained params are tried before plain ones; otherwise registration order.
          node.params.sort((a, b) => (a.constraint === undefined ? 1 : 0) - (b.constraint === undefined ? 1 : 0));
        }
        node = child.node;
      } else {
        let next = node.statics.get(seg);
        if (next === undefined) node.statics.set(seg, (next = new TreeNode()));
        node = next;
      }
    }
    if (route === undefined) {
      if (!dynamic) {
        route = new Route(pattern, names);
        this.statics.set(pattern, route);
      } else {
        route = node.route ??= new Route(pattern, names);
      }
    }
    if (route.paramNames.join('/') !== names.join('/')) {
      throw bad(pattern, `conflicts with ${JSON.stringify(route.pattern)} (same shape, other param names)`);
    }
    this.patterns.set(pattern, route);
    return route;
  }

  /**
   * Walks the tree. Returns the first route (in priority order) that has a handler for `method`
   * with its params, or else the first route that matched the path at all (→ 405).
   */
  private matchDynamic(method: string, path: string): { handler: Handler | undefined; params: RouteParams; route: Route | undefined } {
    if (path.length === 0 || path.charCodeAt(0) !== 0x2f) return { handler: undefined, params: EMPTY_PARAMS, route: undefined };
    const values: (string | number)[] = [];
    let firstPathMatch: Route | undefined;
    let allow: Set<string> | undefined;
    const accept = (route: Route): boolean => {
      if (route.handlerFor(method) !== undefined) return true;
      if (firstPathMatch === undefined) firstPathMatch = route;
      else if (firstPathMatch !== route) {
        allow ??= new Set(firstPathMatch.allow.split(', '));
        for (const m of route.allow.split(', ')) allow.add(m);
      }
      return false;
    };
    const found = walk(this.root, path, 1, values, accept);
    if (found !== undefined) {
      const params: RouteParams = {};
      const names = found.paramNames;
      for (let i = 0; i < names.length; i++) params[names[i]!] = values[i]!;
      return { handler: found.handlerFor(method), params, route: found };
    }
    if (firstPathMatch !== undefined && allow !== undefined) {
      // Several patterns match this path with different methods: answer with the union.
      const merged = new Route(firstPathMatch.pattern, firstPathMatch.paramNames);
      merged.allow = [...allow].join(', ');
      merged.notAllowedHeaders = ['Allow', merged.allow, 'Content-Type', TEXT];
      merged.optionsHeaders = ['Allow', merged.allow];
      return { handler: undefined, params: EMPTY_PARAMS, route: merged };
    }
    return { handler: undefined, params: EMPTY_PARAMS, route: firstPathMatch };
  }
}

/** Matches the segment starting at `pos` (just after a '/') against `node`'s children. */
function walk(node: TreeNode, path: string, pos: number, values: (string | number)[], accept: (r: Route) => boolean): Route | undefined {
  let end = path.indexOf('/', pos);
  if (end < 0) end = path.length;
  const seg = path.slice(pos, end);
  const last = end === path.length;

  const child = node.statics.get(seg);
  if (child !== undefined) {
    const r = last ? child.route : walk(child, path, end + 1, values, accept);
    if (r !== undefined && (!last || accept(r))) return r;
  }
  if (seg.length > 0) {
    for (const p of node.params) {
      const c = p.constraint;
      if (c !== undefined && !c.checks.every((check) => check(seg))) continue;
      values.push(c !== undefined && c.numeric ? Number(seg) : seg);
      const r = last ? p.node.route : walk(p.node, path, end + 1, values, accept);
      if (r !== undefined && (!last || accept(r))) return r;
      values.pop();
    }
  }
  if (node.wildcard !== undefined) {
    values.push(path.slice(pos));
    if (accept(node.wildcard)) return node.wildcard;
    values.pop();
  }
  return undefined;
}
