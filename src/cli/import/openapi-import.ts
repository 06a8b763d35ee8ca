// `fastbench import openapi FILE`: an OpenAPI 3.0 / 3.1 description (YAML or JSON) → one weighted
// request per operation.
//
// - $refs (local and to other files beside it; never over the network) are resolved by
//   @readme/openapi-parser; a circular schema stays a cycle, which the example builder bounds.
// - The target is servers[0] (its {variables} filled with their defaults); --target URL replaces
//   its origin, and its path too when it has one (else the server's path stays the base).
// - Path parameters, required query / header / cookie parameters get the parameter's example, the
//   first of its examples, or a value built from its schema (schema-example.ts), URL-encoded.
// - The body: the first JSON, form or text media type of requestBody, with its example (or first
//   example), else one built from its schema. Form bodies are URL-encoded.
// - Security: the operation's (or the document's) first requirement becomes a header or query
//   parameter with an `{{env.NAME}}` placeholder (bearer, basic, apiKey; oauth2 / openIdConnect
//   as a bearer token).
// - expect.status: the success statuses the operation declares (2xx/3xx codes or ranges), when it
//   declares any.
// Every warning names the operation by JSON pointer: `#/paths/~1pets~1{id}/get`.
import { resolve as resolvePath } from 'node:path';
import { FastbenchError } from '../../core/errors.js';
import { chooseOrigin, literal, literalJson, type ImportLog, type PhaseDoc, type RequestDoc, type ScenarioDoc } from './import-output.js';
import { isObject, parseYamlInput, pointer, readInput } from './json-input.js';
import { exampleFor } from './schema-example.js';

export interface OpenApiOptions {
  /** Base URL used instead of servers[0] (or joined to a relative one). */
  target?: string;
  load: PhaseDoc[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type Obj = Record<string, unknown>;

/** A parameter's or media type's own example, else one from its schema. */
function valueOf(o: Obj, log: ImportLog, where: string): unknown {
  if (o['example'] !== undefined) return o['example'];
  if (isObject(o['examples'])) {
    const first = Object.values(o['examples'])[0];
    if (isObject(first) && first['value'] !== undefined) return first['value'];
    if (isObject(first) && first['externalValue'] !== undefined) log.warn(where, 'an externalValue example is not fetched; a value is built from the schema');
  }
  return exampleFor(o['schema']);
}

function scalarText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return Array.isArray(v) ? v.map(scalarText).join(',') : JSON.stringify(v);
  return String(v);
}

/** servers[0] with its variables' defaults, as an absolute URL (or undefined when relative / absent). */
function serverUrl(api: Obj, opts: OpenApiOptions, log: ImportLog): { origin: string; base: string } {
  const servers = Array.isArray(api['servers']) ? api['servers'] : [];
  const first = isObject(servers[0]) ? servers[0] : undefined;
  let url = first !== undefined && typeof first['url'] === 'string' ? first['url'] : '';
  if (first !== undefined && isObject(first['variables'])) {
    for (const [name, v] of Object.entries(first['variables'])) {
      if (isObject(v) && v['default'] !== undefined) url = url.replaceAll(`{${name}}`, String(v['default']));
    }
  }
  let abs: URL | undefined;
  try {
    abs = /^https?:\/\//i.test(url) ? new URL(url) : undefined;
  } catch {
    abs = undefined;
  }
  if (opts.target !== undefined) {
    // --target's own path when it has one, else the server's path (absolute or relative URL).
    const t = new URL(opts.target);
    const serverPath = abs !== undefined ? abs.pathname : url.startsWith('/') ? url : '';
    const base = t.pathname !== '/' ? t.pathname : serverPath;
    return { origin: t.origin, base: base.replace(/\/+$/, '') };
  }
  if (abs === undefined) {
    log.warn('#/servers/0/url', url === '' ? 'no servers: the target is http://localhost (pass --target URL)' : `server URL "${url}" is not absolute http(s): it is taken as a base path on http://localhost (pass --target URL)`);
    return { origin: 'http://localhost', base: url.startsWith('/') ? url.replace(/\/+$/, '') : '' };
  }
  return { origin: abs.origin, base: abs.pathname.replace(/\/+$/, '') };
}

interface SecurityPlace {
  headers: Record<string, string>;
  query: string[];
}

/** The first security requirement (operation's, else the document's) as headers / query params. */
function security(api: Obj, op: Obj, where: string, log: ImportLog): SecurityPlace {
  const out: SecurityPlace = { headers: {}, query: [] };
  const reqs = Array.isArray(op['security']) ? op['security'] : Array.isArray(api['security']) ? api['security'] : [];
  const first = reqs.find(isObject);
  if (first === undefined) return out;
  const components = isObject(api['components']) ? api['components'] : {};
  const schemes = isObject(components['securitySchemes']) ? components['securitySchemes'] : {};
  const cookies: string[] = [];
  for (const name of Object.keys(first)) {
    const s = schemes[name];
    if (!isObject(s)) {
      log.warn(`${where}/security`, `security scheme "${name}" is not defined in components.securitySchemes`);
      continue;
    }
    const type = String(s['type']);
    const scheme = String(s['scheme'] ?? '').toLowerCase();
    if (type === 'http' && scheme === 'basic') {
      out.headers['Authorization'] = `Basic ${log.secret(`${name}_basic`, `scheme:${name}`, `base64 of user:password for security scheme "${name}"`, where)}`;
    } else if ((type === 'http' && scheme === 'bearer') || type === 'oauth2' || type === 'openIdConnect') {
      out.headers['Authorization'] = `Bearer ${log.secret(`${name}_token`, `scheme:${name}`, `a bearer token for security scheme "${name}"`, where)}`;
      if (type !== 'http') log.warn(`${where}/security`, `${type} scheme "${name}": the token is not fetched; set it as a bearer token`);
    } else if (type === 'apiKey' && typeof s['name'] === 'string') {
      const v = log.secret(name, `scheme:${name}`, `the API key of security scheme "${name}" (${String(s['in'])} ${s['name']})`, where);
      if (s['in'] === 'header') out.headers[s['name']] = v;
      else if (s['in'] === 'query') out.query.push(`${encodeURIComponent(s['name'])}=${v}`);
      else if (s['in'] === 'cookie') cookies.push(`${s['name']}=${v}`);
    } else {
      log.warn(`${where}/security`, `security scheme "${name}" (${type}${scheme ? ` ${scheme}` : ''}) is not mapped`);
    }
  }
  if (cookies.length > 0) out.headers['Cookie'] = cookies.join('; ');
  return out;
}

/** The first media type of requestBody the scenario can send, and its body. */
function requestBody(op: Obj, where: string, log: ImportLog, headers: Record<string, string>): unknown {
  const rb = op['requestBody'];
  if (!isObject(rb) || !isObject(rb['content'])) return undefined;
  const content = rb['content'];
  const types = Object.keys(content);
  const pick = types.find((t) => /[/+]json\b/i.test(t)) ?? types.find((t) => /^application\/x-www-form-urlencoded/i.test(t)) ?? types.find((t) => /^text\//i.test(t));
  if (pick === undefined) {
    log.warn(`${where}/requestBody`, `no JSON, form or text media type (${types.join(', ') || 'none'}): the request is sent without a body`);
    return undefined;
  }
  const media = isObject(content[pick]) ? content[pick] : {};
  const value = valueOf(media, log, `${where}/requestBody/content/${pick.replaceAll('~', '~0').replaceAll('/', '~1')}`);
  if (/^application\/x-www-form-urlencoded/i.test(pick)) {
    headers['Content-Type'] = pick;
    const fields = isObject(value) ? value : {};
    return literal(Object.entries(fields).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(scalarText(v))}`).join('&'));
  }
  if (/[/+]json\b/i.test(pick)) {
    if (pick.toLowerCase() !== 'application/json') headers['Content-Type'] = pick;
    // A mapping or list is sent as JSON; a scalar JSON body is written as its JSON text.
    return value !== null && typeof value === 'object' ? literalJson(value) : literal(JSON.stringify(value));
  }
  headers['Content-Type'] = pick;
  return literal(scalarText(value));
}

/** The declared success statuses: "200", "2XX" → [200, "2xx"]. */
function successStatuses(op: Obj): (number | string)[] {
  const responses = isObject(op['responses']) ? Object.keys(op['responses']) : [];
  const out: (number | string)[] = [];
  for (const code of responses) {
    if (/^[23]\d\d$/.test(code)) out.push(Number(code));
    else if (/^[23]XX$/i.test(code)) out.push(code.toLowerCase());
  }
  return out;
}

function operationRequest(api: Obj, path: string, method: string, op: Obj, pathItem: Obj, base: string, log: ImportLog): RequestDoc {
  const where = `#${pointer('paths', path, method)}`;
  const params = new Map<string, Obj>();
  // Path-level parameters, overridden by the operation's of the same name and place.
  for (const list of [pathItem['parameters'], op['parameters']]) {
    if (!Array.isArray(list)) continue;
    for (const p of list) if (isObject(p) && typeof p['name'] === 'string') params.set(`${String(p['in'])}:${p['name']}`, p);
  }
  let target = path;
  const query: string[] = [];
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (const p of params.values()) {
    const name = p['name'] as string;
    const pwhere = `${where}/parameters (${String(p['in'])} ${name})`;
    const required = p['required'] === true || p['in'] === 'path';
    if (!required && p['example'] === undefined && p['examples'] === undefined) continue;
    const v = scalarText(valueOf(p, log, pwhere));
    switch (p['in']) {
      case 'path':
        target = target.replaceAll(`{${name}}`, encodeURIComponent(v));
        break;
      case 'query':
        query.push(`${encodeURIComponent(name)}=${encodeURIComponent(v)}`);
        break;
      case 'header':
        if (/^(accept|content-type|authorization)$/i.test(name)) break; // the spec ignores these as parameters
        headers[name] = v;
        break;
      case 'cookie':
        cookies.push(`${name}=${encodeURIComponent(v)}`);
        break;
      default:
        log.warn(pwhere, `parameter location "${String(p['in'])}" is not mapped`);
    }
  }
  if (Array.isArray(op['servers']) || Array.isArray(pathItem['servers'])) {
    log.warn(where, 'servers given for this path or operation are not used: every request goes to the one target');
  }
  const leftover = /\{([^}]+)\}/.exec(target);
  if (leftover !== null) {
    log.warn(where, `path parameter {${leftover[1]}} is not declared: "1" is used`);
    target = target.replace(/\{[^}]+\}/g, '1');
  }
  const sec = security(api, op, where, log);
  for (const [k, v] of Object.entries(headers)) headers[k] = literal(v);
  if (cookies.length > 0) headers['Cookie'] = literal(cookies.join('; '));
  const allHeaders: Record<string, string> = { ...headers, ...sec.headers };
  if (headers['Cookie'] !== undefined && sec.headers['Cookie'] !== undefined) allHeaders['Cookie'] = `${headers['Cookie']}; ${sec.headers['Cookie']}`;
  const body = requestBody(op, where, log, allHeaders);
  const q = [...query.map(literal), ...sec.query];
  const req: RequestDoc = {
    name: typeof op['operationId'] === 'string' && op['operationId'] !== '' ? op['operationId'] : `${method.toUpperCase()} ${path}`,
  };
  if (method !== 'get') req.method = method.toUpperCase();
  req.path = literal(base + target) + (q.length > 0 ? `?${q.join('&')}` : '');
  if (Object.keys(allHeaders).length > 0) req.headers = allHeaders;
  if (body !== undefined) req.body = body;
  const ok = successStatuses(op);
  if (ok.length > 0) req.expect = { status: ok };
  return req;
}

/** The OpenAPI import (async: the parser reads files). */
export async function importOpenApi(file: string, opts: OpenApiOptions, log: ImportLog): Promise<ScenarioDoc> {
  const raw = parseYamlInput(readInput(file), file, 'the OpenAPI file');
  if (!isObject(raw)) throw new FastbenchError('ERR_IMPORT_FORMAT', '/: an OpenAPI document is a mapping', { file });
  if (raw['swagger'] !== undefined) throw new FastbenchError('ERR_IMPORT_FORMAT', `/swagger: Swagger ${String(raw['swagger'])} is not OpenAPI 3 (convert it first, e.g. with swagger2openapi)`, { file });
  if (typeof raw['openapi'] !== 'string' || !/^3\.[01]\./.test(raw['openapi'])) {
    throw new FastbenchError('ERR_IMPORT_FORMAT', `/openapi: expected "3.0.x" or "3.1.x", got ${JSON.stringify(raw['openapi'] ?? null)}`, { file });
  }
  let api: Obj;
  try {
    // The parser reads the file itself (relative $refs resolve beside it); no network.
    // Loaded here, not at start-up: the parser (and its schema validator) costs every other
    // command a few hundred ms to load.
    const { dereference } = await import('@readme/openapi-parser');
    api = (await dereference(resolvePath(file), { resolve: { external: true, http: false } as never, dereference: { circular: true } })) as unknown as Obj;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new FastbenchError('ERR_IMPORT_FORMAT', `$ref resolution failed: ${msg}`, { file });
  }
  const { origin, base } = serverUrl(api, opts, log);
  const paths = isObject(api['paths']) ? api['paths'] : {};
  const requests: RequestDoc[] = [];
  const names = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      if (method === 'trace') {
        log.warn(`#${pointer('paths', path, method)}`, 'TRACE is not load-tested; left out');
        continue;
      }
      const req = operationRequest(api, path, method, op, item, base, log);
      let name = req.name!;
      for (let i = 2; names.has(name); i++) name = `${req.name} #${i}`;
      names.add(name);
      req.name = name;
      requests.push(req);
    }
  }
  if (requests.length === 0) throw new FastbenchError('ERR_IMPORT_EMPTY', '/paths: the document has no operations', { file });
  const info = isObject(api['info']) ? api['info'] : {};
  const title = typeof info['title'] === 'string' && info['title'] !== '' ? info['title'] : 'openapi';
  return {
    name: title,
    description: `${requests.length} operation(s) of ${file}${typeof info['version'] === 'string' ? ` (version ${info['version']})` : ''}`,
    target: chooseOrigin([origin]),
    load: opts.load,
    requests,
  };
}
