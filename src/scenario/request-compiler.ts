// One request (or flow step) mapping → CompiledRequest: method, path or url, headers, body and
// expectations, with every template compiled once and static requests marked as such.
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { checkFieldName, checkFieldValue } from '../http/field-check.js';
import { framingConflict } from '../http/request-serializer.js';
import { compileJsonBody } from './json-body.js';
import type { Fields, NodeReader, YNode } from './node-reader.js';
import { describe } from './node-reader.js';
import { SCENARIO_KEYS } from './scenario-keys.js';
import { ACCEPT_ENCODING } from '../http/content-coding.js';
import { basicAuthValue, compileForm, compileMultipart, readAuth } from './request-helpers.js';
import type { BasicAuth, CompiledRequest, Expectation, RequestBody, SourcePos, Template } from './scenario.js';
import { compileTemplate, staticTemplate, type TemplateScope } from './template.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const ORIGIN = /^(https?):\/\/([^/?#\s]+)/i;
const STATUS_CLASS = /^([1-5])xx$/i;
const STATUS_RANGE = /^(\d{3})\s*-\s*(\d{3})$/;

export interface RequestEnv {
  readonly r: NodeReader;
  /** Directory of the scenario file (bodyFile paths are relative to it). */
  readonly dir: string;
  readonly scope: TemplateScope;
  /** The target's base path ("" or "/api"), prefixed to relative paths. */
  readonly basePath: string;
  /** client.headers, compiled; request headers of the same name replace them. */
  readonly clientHeaders: readonly (readonly [string, Template])[];
  /** Names given so far; generated names avoid them. */
  readonly names: NameBook;
  // issue 15 (sess-web): defaults from `client:` and overrides from the command line
  /** client.compressed. */
  readonly clientCompressed?: boolean;
  /** client.auth. */
  readonly clientAuth?: BasicAuth;
  /** run's -H / -u / --compressed: they win over the scenario's own values. */
  readonly forced?: RequestOverrides;
}

/** Command-line values applied to every request as it is compiled (`run -H`, `-u`, `--compressed`). */
export interface RequestOverrides {
  /** Headers that replace same-named ones everywhere (client and request headers). */
  readonly headers?: readonly (readonly [string, string])[];
  /** Basic auth for every request. */
  readonly auth?: { readonly user: string; readonly password: string };
  /** Offer compression on every request. */
  readonly compressed?: boolean;
}

/**
 * Request and step names are unique across a scenario (thresholds refer to them). Explicit names
 * are registered first (a duplicate is an error); a generated name ("GET /json") that collides
 * gets " #2", " #3", ... appended.
 */
export class NameBook {
  readonly used = new Set<string>();

  /** Registers the explicit `name:` of every item, before any is compiled. */
  registerExplicit(r: NodeReader, items: readonly Node[]): void {
    for (const item of items) {
      const n = r.deref(item);
      if (n == null || !isMap(n)) continue;
      const pair = n.items.find((p) => isScalar(p.key) && p.key.value === 'name');
      const v = pair === undefined ? undefined : r.deref(pair.value as YNode);
      if (v == null || !isScalar(v) || (typeof v.value !== 'string' && typeof v.value !== 'number')) continue;
      const name = String(v.value);
      if (this.used.has(name)) {
        r.error('ERR_SCENARIO_VALUE', `duplicate request name "${name}" (names must be unique: thresholds refer to them)`, v);
      }
      this.used.add(name);
    }
  }

  generate(base: string): string {
    let name = base;
    for (let n = 2; this.used.has(name); n++) name = `${base} #${n}`;
    this.used.add(name);
    return name;
  }
}

/** Compiles the request fields shared by `requests` entries and flow `steps`. */
export function compileRequestFields(
  env: RequestEnv,
  f: Fields,
  path: string,
  index: number,
  weight: number,
): CompiledRequest | undefined {
  const { r } = env;
  const before = r.errors.length;
  const pos: SourcePos = r.pos(f.node);

  const method = compileMethod(env, f, path);
  const { origin, target } = compileTarget(env, f, path);

  // Headers: client headers first, then the request's own (replacing same-named ones).
  const headers = new Map<string, [string, Template]>();
  for (const [name, t] of env.clientHeaders) headers.set(name.toLowerCase(), [name, t]);
  if (f.has('headers')) {
    for (const [name, t] of compileHeaders(env, f.value('headers'), `${path}.headers`)) headers.set(name.toLowerCase(), [name, t]);
  }

  const body = compileBody(env, f, path, headers);
  // issue 15 (sess-web): Basic auth, Accept-Encoding, command-line headers (all before framing checks)
  const basicAuth = applyAuth(env, f, path, headers);
  const compressed = applyCompression(env, f, path, headers);
  for (const [name, value] of env.forced?.headers ?? []) headers.set(name.toLowerCase(), [name, staticTemplate(value)]);
  checkFraming(env, f, path, method, headers, body);

  const expect = f.has('expect') ? readExpect(r, f.value('expect'), `${path}.expect`) : undefined;
  const stream = f.has('stream') ? readStream(env, f, path) : undefined;

  let name: string | undefined;
  if (f.has('name')) name = r.string(f.value('name'), `${path}.name`, { numbers: true, nonEmpty: true });
  if (r.errors.length > before || target === undefined) return undefined;

  const headerList = [...headers.values()];
  const isStatic =
    target.static && headerList.every(([, t]) => t.static) && (body.kind !== 'template' || body.template.static) && basicAuth === undefined;
  return {
    ...(compressed ? { compressed } : {}),
    ...(stream !== undefined ? { stream } : {}),
    ...(basicAuth !== undefined ? { basicAuth } : {}),
    name: name ?? env.names.generate(`${method} ${origin ?? ''}${target.source}`),
    index,
    weight,
    method,
    origin,
    path: target,
    headers: headerList,
    body,
    expect,
    static: isStatic,
    pos,
  };
}

function compileMethod(env: RequestEnv, f: Fields, path: string): string {
  const { r } = env;
  if (!f.has('method')) return 'GET';
  const m = r.string(f.value('method'), `${path}.method`);
  if (m !== undefined && !TOKEN.test(m)) r.error('ERR_SCENARIO_VALUE', `${path}.method: "${m}" is not an HTTP method`, f.value('method'));
  else if (m !== undefined) return m.toUpperCase();
  return 'GET';
}

/** Where: path (relative to the target) or url (absolute, with its origin). */
function compileTarget(env: RequestEnv, f: Fields, path: string): { origin: string | undefined; target: Template | undefined } {
  const { r } = env;
  if (f.has('path') && f.has('url')) {
    r.error('ERR_SCENARIO_VALUE', `${path}: give either "path" or "url", not both`, f.keyNode('url'));
  } else if (f.has('path')) {
    return { origin: undefined, target: compilePath(env, f.value('path')!, `${path}.path`) };
  } else if (f.has('url')) {
    const u = compileUrl(env, f.value('url')!, `${path}.url`);
    if (u !== undefined) return { origin: u.origin, target: u.path };
  } else {
    r.error('ERR_SCENARIO_MISSING', `${path} needs "path" (relative to the target) or "url"`, f.node);
  }
  return { origin: undefined, target: undefined };
}

/** The body (inline text or JSON, a file, a form or multipart); JSON, form and multipart set a default Content-Type. */
function compileBody(env: RequestEnv, f: Fields, path: string, headers: Map<string, [string, Template]>): RequestBody {
  const { r } = env;
  let body: RequestBody = { kind: 'none' };
  const given = BODY_KEYS.filter((k) => f.has(k));
  if (given.length > 1) {
    r.error('ERR_SCENARIO_VALUE', `${path}: give one of ${given.map((k) => `"${k}"`).join(', ')}, not ${given.length === 2 ? 'both' : 'several'}`, f.keyNode(given[1]!));
  } else if (f.has('form')) {
    const t = compileForm(env, f.value('form'), `${path}.form`);
    if (t !== undefined) body = { kind: 'template', template: t };
    if (!headers.has('content-type')) headers.set('content-type', ['content-type', staticTemplate('application/x-www-form-urlencoded')]);
  } else if (f.has('multipart')) {
    const m = compileMultipart(env, f.value('multipart'), `${path}.multipart`);
    if (m !== undefined) body = { kind: 'bytes', bytes: m.bytes, file: `${path}.multipart` };
    // The boundary is ours: a Content-Type given for the request is replaced by the one that names it.
    if (m !== undefined) headers.set('content-type', [headers.get('content-type')?.[0] ?? 'content-type', staticTemplate(m.contentType)]);
  } else if (f.has('body')) {
    const n = f.value('body')!;
    if (isMap(n) || isSeq(n)) {
      const t = compileJsonBody(r, n, `${path}.body`, env.scope);
      if (t !== undefined) body = { kind: 'template', template: t };
      if (!headers.has('content-type')) headers.set('content-type', ['content-type', staticTemplate('application/json')]);
    } else {
      const text = r.string(n, `${path}.body`, { numbers: true });
      if (text !== undefined) body = { kind: 'template', template: compileChecked(env, text, n) };
    }
  } else if (f.has('bodyFile')) {
    const n = f.value('bodyFile')!;
    const file = r.string(n, `${path}.bodyFile`, { nonEmpty: true });
    if (file !== undefined) {
      const bytes = readRelative(env, file, n);
      if (bytes !== undefined) body = { kind: 'bytes', bytes, file };
    }
  }
  return body;
}

const BODY_KEYS = ['body', 'bodyFile', 'form', 'multipart'] as const;

/**
 * issue 15: `auth:` (request's, else client's; `-u` wins) → an Authorization header when static,
 * else the templates, rendered per send (returned). Replaces any Authorization header.
 */
function applyAuth(env: RequestEnv, f: Fields, path: string, headers: Map<string, [string, Template]>): BasicAuth | undefined {
  const forced = env.forced?.auth;
  let auth: BasicAuth | undefined;
  if (forced !== undefined) auth = { user: staticTemplate(forced.user), password: staticTemplate(forced.password) };
  else if (f.has('auth')) auth = readAuth(env.r, f.value('auth'), `${path}.auth`, env.scope);
  else auth = env.clientAuth;
  if (auth === undefined) return undefined;
  const name = headers.get('authorization')?.[0] ?? 'Authorization';
  if (auth.user.static && auth.password.static) {
    headers.set('authorization', [name, staticTemplate(basicAuthValue(auth.user.literals[0]!, auth.password.literals[0]!))]);
    return undefined;
  }
  headers.delete('authorization');
  return auth;
}

/** issue 18: `stream: true | false | chunks | sse` → time the body chunk by chunk (or event by event). */
function readStream(env: RequestEnv, f: Fields, path: string): 'chunks' | 'sse' | undefined {
  const node = env.r.deref(f.value('stream'));
  const v = node != null && isScalar(node) ? node.value : undefined;
  if (v === true || v === 'chunks') return 'chunks';
  if (v === 'sse') return 'sse';
  if (v === false) return undefined;
  env.r.error('ERR_SCENARIO_VALUE', `${path}.stream must be true, false, chunks or sse`, node);
  return undefined;
}

/** issue 15: `compressed:` (request's, else client's; `--compressed` wins) → Accept-Encoding, unless one is given. */
function applyCompression(env: RequestEnv, f: Fields, path: string, headers: Map<string, [string, Template]>): boolean {
  let on = env.clientCompressed === true;
  if (f.has('compressed')) on = env.r.boolean(f.value('compressed'), `${path}.compressed`) ?? on;
  if (env.forced?.compressed === true) on = true;
  if (on && !headers.has('accept-encoding')) headers.set('accept-encoding', ['Accept-Encoding', staticTemplate(ACCEPT_ENCODING)]);
  return on;
}

/**
 * A Content-Length / Transfer-Encoding header is replaced on the wire by the framing the body needs
 * (http/request-serializer.ts); one that contradicts a body known now is refused here, pointing at
 * the header's value (or at the request, when it comes from client.headers).
 */
function checkFraming(env: RequestEnv, f: Fields, path: string, method: string, headers: Map<string, [string, Template]>, body: RequestBody): void {
  const bodyLength =
    body.kind === 'none' ? 0
    : body.kind === 'bytes' ? body.bytes.byteLength
    : body.template.static ? Buffer.byteLength(body.template.literals[0]!, 'utf8')
    : undefined;
  for (const [lower, [name, t]] of headers) {
    if (lower !== 'content-length' && lower !== 'transfer-encoding') continue;
    const why = framingConflict(name, t.static ? t.literals[0]! : '', t.static ? bodyLength : undefined, method);
    if (why === undefined) continue;
    const own = f.has('headers') ? headerValueNode(env.r, f.value('headers'), lower) : undefined;
    env.r.error('ERR_SCENARIO_VALUE', `${path}.headers: ${why}${own === undefined ? ' (from client.headers)' : ''}`, own ?? f.node);
  }
}

function headerValueNode(r: NodeReader, node: YNode, lowerName: string): Node | undefined {
  if (!isMap(r.deref(node))) return undefined;
  for (const [name, keyNode, value] of r.entries(node, '') ?? []) {
    if (name.toLowerCase() === lowerName) return (value ?? keyNode) as Node;
  }
  return undefined;
}

/** Compiles a template, reporting its issues at their exact columns. */
export function compileChecked(env: Pick<RequestEnv, 'r' | 'scope'>, text: string, node: Node): Template {
  const { template, issues } = compileTemplate(text, env.scope);
  for (const i of issues) env.r.error('ERR_SCENARIO_TEMPLATE', i.message, node, i.index);
  return template;
}

function compilePath(env: RequestEnv, node: Node, path: string): Template | undefined {
  const text = env.r.string(node, path, { nonEmpty: true });
  if (text === undefined) return undefined;
  if (!text.startsWith('/') && !text.startsWith('{{')) {
    env.r.error('ERR_SCENARIO_VALUE', `${path} must start with "/" (use "url" for absolute URLs)`, node);
    return undefined;
  }
  const t = compileChecked(env, text, node);
  if (!checkTargetChars(env, t, node, path)) return undefined;
  if (env.basePath === '') return t;
  return { ...t, literals: [env.basePath + t.literals[0]!, ...t.literals.slice(1)] };
}

function compileUrl(env: RequestEnv, node: Node, path: string): { origin: string; path: Template } | undefined {
  const text = env.r.string(node, path, { nonEmpty: true });
  if (text === undefined) return undefined;
  const t = compileChecked(env, text, node);
  const head = t.literals[0]!;
  const m = ORIGIN.exec(head);
  const next = m === null ? undefined : head[m[0].length];
  const originComplete = m !== null && (next === '/' || next === '?' || (next === undefined && t.parts.length === 0));
  let origin: string | undefined;
  if (originComplete) {
    try {
      origin = new URL(m[0]).origin;
    } catch {
      origin = undefined;
    }
  }
  if (origin === undefined) {
    env.r.error('ERR_SCENARIO_VALUE', `${path} must be an absolute http(s) URL whose scheme, host and port are not templated`, node);
    return undefined;
  }
  let rest = head.slice(m![0].length);
  if (rest === '' || rest[0] === '?') rest = '/' + rest;
  const literals = [rest, ...t.literals.slice(1)];
  const p: Template = { ...t, source: templateText(literals, t.parts), literals };
  return checkTargetChars(env, p, node, path) ? { origin, path: p } : undefined;
}

/** A template written back as text (env values resolved), for names and messages. */
function templateText(literals: readonly string[], parts: Template['parts']): string {
  let out = literals[0]!;
  for (let i = 0; i < parts.length; i++) out += `{{${parts[i]!.name}}}${literals[i + 1]!}`;
  return out;
}

function checkTargetChars(env: RequestEnv, t: Template, node: Node, path: string): boolean {
  for (const lit of t.literals) {
    for (let i = 0; i < lit.length; i++) {
      const c = lit.charCodeAt(i);
      if (c <= 0x20 || c === 0x7f || c === 0x23 /* # */) {
        const what = c === 0x23 ? 'a fragment ("#")' : c === 0x20 ? 'a space (encode it as %20)' : 'a control character';
        env.r.error('ERR_SCENARIO_VALUE', `${path} contains ${what}`, node);
        return false;
      }
    }
  }
  return true;
}

/** headers: { Name: value, ... } → checked, compiled pairs. */
export function compileHeaders(env: Pick<RequestEnv, 'r' | 'scope'>, node: YNode, path: string): [string, Template][] {
  const { r } = env;
  const out: [string, Template][] = [];
  for (const [name, keyNode, value] of r.entries(node, path) ?? []) {
    try {
      checkFieldName(name);
    } catch {
      r.error('ERR_SCENARIO_VALUE', `${path}: "${name}" is not a valid header name`, keyNode);
      continue;
    }
    const text = value != null && isScalar(value) && (typeof value.value === 'string' || typeof value.value === 'number') ? String(value.value) : undefined;
    if (text === undefined) {
      r.error('ERR_SCENARIO_TYPE', `${path}.${name} must be a string, got ${describe(value)}`, value ?? keyNode);
      continue;
    }
    const t = compileChecked(env, text, value!);
    try {
      for (const lit of t.literals) checkFieldValue(name, lit);
    } catch {
      r.error('ERR_SCENARIO_VALUE', `${path}.${name} contains a line break or control character`, value);
      continue;
    }
    out.push([name, t]);
  }
  return out;
}

/** Reads a file named in the scenario, relative to the scenario's directory. */
export function readRelative(env: Pick<RequestEnv, 'r' | 'dir'>, file: string, node: Node): Buffer | undefined {
  try {
    return readFileSync(resolvePath(env.dir, file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : ((e as Error).message ?? String(e));
    env.r.error('ERR_SCENARIO_FILE', `cannot read "${file}" (${why}; paths are relative to the scenario file)`, node);
    return undefined;
  }
}

/** expect: { status, headers, bodyContains } */
function readExpect(r: NodeReader, node: YNode, path: string): Expectation | undefined {
  const f = r.fields(node, path, SCENARIO_KEYS.expect);
  if (f === undefined) return undefined;
  const status: [number, number][] = [];
  if (f.has('status')) {
    for (const item of r.list(f.value('status'), `${path}.status`, true) ?? []) {
      const v = isScalar(item) ? item.value : undefined;
      const range = statusRange(v);
      if (range === undefined) {
        r.error('ERR_SCENARIO_VALUE', `${path}.status: ${describe(item)} is not a status (use 200, "2xx" or "200-204")`, item);
      } else {
        status.push(range);
      }
    }
  }
  const headers: [string, string][] = [];
  if (f.has('headers')) {
    for (const [name, keyNode, value] of r.entries(f.value('headers'), `${path}.headers`) ?? []) {
      if (!TOKEN.test(name)) r.error('ERR_SCENARIO_VALUE', `${path}.headers: "${name}" is not a valid header name`, keyNode);
      const text = r.string(value, `${path}.headers.${name}`, { numbers: true });
      if (text !== undefined) headers.push([name.toLowerCase(), text]);
    }
  }
  const bodyContains: string[] = [];
  if (f.has('bodyContains')) {
    for (const item of r.list(f.value('bodyContains'), `${path}.bodyContains`, true) ?? []) {
      const text = r.string(item, `${path}.bodyContains`, { numbers: true, nonEmpty: true });
      if (text !== undefined) bodyContains.push(text);
    }
  }
  return { status, headers, bodyContains };
}

function statusRange(v: unknown): [number, number] | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 100 && v <= 599 ? [v, v] : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  const cls = STATUS_CLASS.exec(s);
  if (cls !== null) return [Number(cls[1]) * 100, Number(cls[1]) * 100 + 99];
  const range = STATUS_RANGE.exec(s);
  if (range !== null) {
    const lo = Number(range[1]);
    const hi = Number(range[2]);
    return lo >= 100 && hi <= 599 && lo <= hi ? [lo, hi] : undefined;
  }
  return /^\d{3}$/.test(s) ? statusRange(Number(s)) : undefined;
}

/**
 * Is a response with this status a success? With an `expect.status` list, exactly the statuses it
 * names; without one, any status below 400 (k6's http_req_failed rule: 4xx and 5xx are failures).
 */
export function statusAccepted(expect: Expectation | undefined, status: number): boolean {
  if (expect === undefined || expect.status.length === 0) return status < 400;
  return statusExpected(expect, status);
}

/** Does a status meet the expectation? (no status list = any status) */
export function statusExpected(expect: Expectation, status: number): boolean {
  const ranges = expect.status;
  if (ranges.length === 0) return true;
  for (let i = 0; i < ranges.length; i++) {
    const [lo, hi] = ranges[i]!;
    if (status >= lo && status <= hi) return true;
  }
  return false;
}
