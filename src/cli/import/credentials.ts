// Which recorded values are credentials, and their replacement by `{{env.NAME}}` placeholders.
// An imported scenario never carries a cookie, a token, a password or an API key in clear: each
// becomes a variable the user sets at run time (the YAML's header comment lists them).
import { literal, type ImportLog } from './import-output.js';

/** Header names that always carry credentials. */
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'api-key',
  'apikey',
  'x-auth-token',
  'x-access-token',
  'x-csrf-token',
  'x-xsrf-token',
  'x-amz-security-token',
  'x-goog-api-key',
]);

/** Any name with one of these words (separated by - or _, or at an end) looks like a credential. */
const SECRET_WORD = /(?:^|[-_.])(?:auth|token|secret|password|passwd|pwd|apikey|api[-_]key|session|sessionid|sid|signature|sig|credentials?|csrf|xsrf|jwt|otp|private[-_]key)(?:$|[-_.])/i;

/** Query / form parameter names that are credentials on their own. */
const SECRET_PARAMS = new Set(['key', 'code', 'pass', 'access_token', 'id_token', 'refresh_token', 'client_secret', 'api_key', 'apikey']);

export function isSecretHeader(name: string): boolean {
  const n = name.toLowerCase();
  return SECRET_HEADERS.has(n) || SECRET_WORD.test(n);
}

export function isSecretParam(name: string): boolean {
  const n = name.toLowerCase();
  return SECRET_PARAMS.has(n) || SECRET_WORD.test(n);
}

/**
 * A header's value for the scenario: credentials become placeholders (an Authorization keeps its
 * scheme word: `Bearer {{env.AUTH_BEARER}}`; a Referer keeps its URL, credential query parameters
 * replaced), anything else is the recorded text made literal.
 */
export function headerValue(name: string, value: string, log: ImportLog, where: string): string {
  if (/^referr?er$/i.test(name)) {
    // A page URL: its query may carry a token (`?session=…`) like the request's own.
    const q = value.indexOf('?');
    if (q < 0) return literal(value);
    const hash = value.indexOf('#', q);
    const query = hash < 0 ? value.slice(q + 1) : value.slice(q + 1, hash);
    return literal(value.slice(0, q + 1)) + redactQuery(query, log, where) + (hash < 0 ? '' : literal(value.slice(hash)));
  }
  if (!isSecretHeader(name)) return literal(value);
  const lower = name.toLowerCase();
  if (lower === 'authorization' || lower === 'proxy-authorization') {
    const m = /^([A-Za-z][A-Za-z0-9._~+-]*)\s+(\S.*)$/.exec(value);
    if (m !== null) {
      const prefix = lower === 'authorization' ? 'AUTH' : 'PROXY_AUTH';
      return `${m[1]} ${log.secret(`${prefix}_${m[1]}`, m[2]!, `the ${name} header's ${m[1]} credentials`, where)}`;
    }
  }
  return log.secret(name, value, `the ${name} header`, where);
}

/**
 * A query string (`a=1&token=x`, without `?`) with credential parameters' values replaced; the
 * other parameters keep their recorded bytes. Returns the text made literal.
 */
export function redactQuery(query: string, log: ImportLog, where: string, kind = 'query parameter'): string {
  if (query === '') return '';
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return literal(pair);
      const name = safeDecode(pair.slice(0, eq));
      const value = pair.slice(eq + 1);
      if (value === '' || !isSecretParam(name)) return literal(pair);
      return `${literal(pair.slice(0, eq))}=${log.secret(name, safeDecode(value), `the ${name} ${kind}`, where)}`;
    })
    .join('&');
}

/** A form body (application/x-www-form-urlencoded) with credential fields replaced. */
export function redactForm(body: string, log: ImportLog, where: string): string {
  return redactQuery(body, log, where, 'form field');
}

/** A JSON value with the values of credential-named keys replaced (strings and numbers). */
export function redactJson(v: unknown, log: ImportLog, where: string): unknown {
  if (typeof v === 'string') return literal(v);
  if (Array.isArray(v)) return v.map((x) => redactJson(x, log, where));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = (typeof x === 'string' || typeof x === 'number') && isSecretParam(k) ? log.secret(k, String(x), `the JSON body field "${k}"`, where) : redactJson(x, log, where);
    }
    return out;
  }
  return v;
}

/** A cookie name as `cookies.values` takes it (an RFC 6265 token). */
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Recorded cookies (`a=1; b=2`: a Cookie header, curl's -b) as the scenario's `cookies.values`,
 * each value a placeholder named after its cookie (`{{env.COOKIE_A}}`): every virtual user's jar
 * starts with them. The jar holds one value per name: a name seen again keeps its first variable
 * (with one warning when the recorded value differs, never echoing either).
 */
export class CookieValues {
  readonly values: Record<string, string> = {};
  /** name → [recorded value, where first seen]; names already warned about. */
  private readonly first = new Map<string, [string, string]>();
  private readonly warned = new Set<string>();

  get size(): number {
    return this.first.size;
  }

  add(text: string, log: ImportLog, where: string): void {
    for (const piece of text.split(';')) {
      const pair = piece.trim();
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const name = eq < 0 ? '' : pair.slice(0, eq).trim();
      if (!COOKIE_NAME.test(name)) {
        log.warn(where, `a cookie that is not name=value with a token name; left out`);
        continue;
      }
      const value = pair.slice(eq + 1).trim();
      const seen = this.first.get(name);
      if (seen === undefined) {
        this.first.set(name, [value, where]);
        this.values[name] = log.secret(`COOKIE_${name}`, value, `the ${name} cookie`, where);
      } else if (seen[0] === value) {
        log.secret(`COOKIE_${name}`, value, `the ${name} cookie`, where); // one more place it was seen
      } else if (!this.warned.has(name)) {
        this.warned.add(name);
        log.warn(where, `cookie ${name} has another value than at ${seen[1]}: the jar starts with that first one (the server's Set-Cookie replaces it at run time)`);
      }
    }
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s;
  }
}
