// The request helpers of issue 15 (cookies, compression, basic auth, form and multipart bodies):
//   cookies:    keep | iteration | off | { keep, values: { name: value } }   (top level)
//   compressed: true | false                 (client: default for all; request/step: its own)
//   auth:       { user, password }            (client: default for all; request/step: its own)
//   form:       { name: value | [values] }   → application/x-www-form-urlencoded body
//   multipart:  { name: text | { file, type, filename } } → multipart/form-data, built at load time
// Everything is decided at load time: a static Authorization or Accept-Encoding header is just
// another static header (the request stays serialize-once); only a templated `auth` (data/vars)
// renders per send.
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { NodeReader, YNode } from './node-reader.js';
import type { RequestEnv } from './request-compiler.js';
import { compileChecked, readRelative } from './request-compiler.js';
import { SCENARIO_KEYS } from './scenario-keys.js';
import type { BasicAuth, CookieSettings, Template } from './scenario.js';
import { formEncode, type TemplateScope } from './template.js';

// RFC 6265 4.1.1: cookie-name is a token; cookie-octet excludes controls, space, DQUOTE, comma,
// semicolon and backslash.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;

/** Why a `name=value` cookie cannot be sent, or undefined when it can. */
export function cookieProblem(name: string, value: string): string | undefined {
  if (!COOKIE_NAME.test(name)) return `"${name}" is not a cookie name (a token: letters, digits, !#$%&'*+-.^_\`|~)`;
  if (!COOKIE_VALUE.test(value)) return `the value of cookie ${name} has a space, comma, semicolon, quote, backslash or control character (percent-encode it)`;
  return undefined;
}

/** `name=value` (curl's -b/--cookie form; several joined with ";" allowed) → pairs, or a reason. */
export function parseCookiePairs(text: string): [string, string][] | string {
  const out: [string, string][] = [];
  for (const piece of text.split(';')) {
    const p = piece.trim();
    if (p === '') continue;
    const eq = p.indexOf('=');
    if (eq <= 0) return `"${p}" is not name=value`;
    const name = p.slice(0, eq).trim();
    const value = p.slice(eq + 1).trim();
    const why = cookieProblem(name, value);
    if (why !== undefined) return why;
    out.push([name, value]);
  }
  if (out.length === 0) return 'expected name=value';
  return out;
}

/** `cookies:` at the top level. */
export function readCookies(r: NodeReader, node: YNode, scope: TemplateScope): CookieSettings | undefined {
  const n = r.deref(node);
  if (n != null && isScalar(n)) {
    const v = n.value;
    if (v === 'keep' || v === 'iteration' || v === 'off') return { mode: v, values: [] };
    if (v === false) return { mode: 'off', values: [] };
    if (v === true) return { mode: 'iteration', values: [] };
    r.error('ERR_SCENARIO_VALUE', `cookies must be keep, iteration, off or { keep, values }, got ${JSON.stringify(v)}`, n);
    return undefined;
  }
  const f = r.fields(n, 'cookies', SCENARIO_KEYS.cookies);
  if (f === undefined) return undefined;
  const keep = f.has('keep') ? r.boolean(f.value('keep'), 'cookies.keep') : false;
  const values: [string, string][] = [];
  if (f.has('values')) {
    const envScope = { ...scope, envOnly: true };
    for (const [name, keyNode, value] of r.entries(f.value('values'), 'cookies.values') ?? []) {
      const text = r.string(value, `cookies.values.${name}`, { numbers: true });
      if (text === undefined) continue;
      const t = compileChecked({ r, scope: envScope }, text, value as Node);
      if (!t.static) continue;
      const why = cookieProblem(name, t.literals[0]!);
      if (why !== undefined) {
        r.error('ERR_SCENARIO_VALUE', `cookies.values: ${why}`, COOKIE_NAME.test(name) ? value : keyNode);
        continue;
      }
      values.push([name, t.literals[0]!]);
    }
  }
  return { mode: keep === true ? 'keep' : 'iteration', values };
}

/** `auth: { user, password }` → templates (password may be empty or absent). */
export function readAuth(r: NodeReader, node: YNode, path: string, scope: TemplateScope): BasicAuth | undefined {
  const f = r.fields(node, path, SCENARIO_KEYS.auth);
  if (f === undefined) return undefined;
  if (!f.has('user')) {
    r.error('ERR_SCENARIO_MISSING', `${path} needs "user" (and "password")`, f.node);
    return undefined;
  }
  const user = r.string(f.value('user'), `${path}.user`, { numbers: true });
  const password = f.has('password') ? r.string(f.value('password'), `${path}.password`, { numbers: true }) : '';
  if (user === undefined || password === undefined) return undefined;
  const u = compileChecked({ r, scope }, user, f.value('user')!);
  if (u.literals.some((l) => l.includes(':'))) {
    r.error('ERR_SCENARIO_VALUE', `${path}.user may not contain ":" (Basic auth joins user:password)`, f.value('user'));
    return undefined;
  }
  const p = f.has('password') ? compileChecked({ r, scope }, password, f.value('password')!) : { source: '', literals: [''], parts: [], static: true };
  return { user: u, password: p };
}

/** The Authorization value of Basic auth. */
export function basicAuthValue(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * `form: { name: value | [value, ...] }` → one template of the urlencoded body: names and literal
 * text encoded now, {{data}}/{{vars}} values encoded as they are rendered.
 */
export function compileForm(env: Pick<RequestEnv, 'r' | 'scope'>, node: YNode, path: string): Template | undefined {
  const { r } = env;
  const entries = r.entries(node, path);
  if (entries === undefined) return undefined;
  const literals: string[] = [''];
  const parts: Template['parts'][number][] = [];
  let first = true;
  for (const [name, keyNode, value] of entries) {
    const v = r.deref(value);
    const items: YNode[] = v != null && isSeq(v) ? (v.items as Node[]) : [v];
    for (const item of items) {
      const text = r.string(item, `${path}.${name}`, { numbers: true });
      if (text === undefined) continue;
      const t = compileChecked(env, text, (item ?? keyNode) as Node);
      literals[literals.length - 1] += `${first ? '' : '&'}${formEncode(name)}=`;
      first = false;
      literals[literals.length - 1] += formEncode(t.literals[0]!);
      for (let i = 0; i < t.parts.length; i++) {
        parts.push({ ...t.parts[i]!, json: false, form: true });
        literals.push(formEncode(t.literals[i + 1]!));
      }
    }
  }
  return { source: `form ${path}`, literals, parts, static: parts.length === 0 };
}

/**
 * `multipart: { name: text | { file, type, filename } }` → the whole multipart/form-data body,
 * built once at load time (files read now), with a random boundary that appears in no part.
 */
export function compileMultipart(env: Pick<RequestEnv, 'r' | 'scope' | 'dir'>, node: YNode, path: string): { bytes: Buffer; contentType: string } | undefined {
  const { r } = env;
  const entries = r.entries(node, path);
  if (entries === undefined) return undefined;
  const envScope: TemplateScope = { ...env.scope, envOnly: true };
  type Part = { name: string; filename: string | undefined; type: string | undefined; data: Buffer };
  const partsOut: Part[] = [];
  const before = r.errors.length;
  for (const [name, keyNode, value] of entries) {
    if (/["\r\n]/.test(name)) {
      r.error('ERR_SCENARIO_VALUE', `${path}: field name "${name}" may not contain a quote or line break`, keyNode);
      continue;
    }
    const v = r.deref(value);
    if (v != null && isMap(v)) {
      const f = r.fields(v, `${path}.${name}`, SCENARIO_KEYS.multipartFile);
      if (f === undefined) continue;
      if (!f.has('file')) {
        r.error('ERR_SCENARIO_MISSING', `${path}.${name} needs "file" (a path relative to the scenario)`, v);
        continue;
      }
      const file = r.string(f.value('file'), `${path}.${name}.file`, { nonEmpty: true });
      const type = f.has('type') ? r.string(f.value('type'), `${path}.${name}.type`, { nonEmpty: true }) : 'application/octet-stream';
      const filename = f.has('filename') ? r.string(f.value('filename'), `${path}.${name}.filename`, { nonEmpty: true }) : file === undefined ? undefined : basename(file);
      if (file === undefined || type === undefined || filename === undefined) continue;
      if (/[\r\n\0]/.test(type) || /["\r\n\0]/.test(filename)) {
        r.error('ERR_SCENARIO_VALUE', `${path}.${name}: type and filename may not contain quotes, line breaks or NUL`, v);
        continue;
      }
      const data = readRelative(env, file, f.value('file')!);
      if (data !== undefined) partsOut.push({ name, filename, type, data });
    } else {
      const text = r.string(value, `${path}.${name}`, { numbers: true });
      if (text === undefined) continue;
      const t = compileChecked({ r, scope: envScope }, text, value as Node);
      if (t.static) partsOut.push({ name, filename: undefined, type: undefined, data: Buffer.from(t.literals[0]!, 'utf8') });
    }
  }
  if (r.errors.length > before) return undefined;
  let boundary: string;
  do boundary = `fastbench-${randomBytes(12).toString('hex')}`;
  while (partsOut.some((p) => p.data.includes(boundary)));
  const chunks: Buffer[] = [];
  for (const p of partsOut) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"`;
    head += '\r\n';
    if (p.type !== undefined) head += `Content-Type: ${p.type}\r\n`;
    chunks.push(Buffer.from(head + '\r\n', 'utf8'), p.data, Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return { bytes: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}
