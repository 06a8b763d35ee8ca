// Status and redirect routes.
// /status/:code — any code 100–599. 1xx codes cannot be a final answer (a client would keep waiting
// for the final response), so they are answered 200 with `X-Fastbench-Requested-Status` and a
// note in the body. 204/304 carry no body; other 3xx carry `Location: /get`; 401/407 carry a
// Basic challenge; 405 an Allow; 429/503 a `Retry-After: 1`.
// /redirect/:n — n ≤ 100 302s: /redirect/n → /redirect/n-1 → … → /get (?absolute=true makes
// the Locations absolute from the Host header). /redirect-to?url=&status= — one redirect.
import { STATUS_TEXT } from '../../http/response-serializer.js';
import type { Router } from '../router.js';
import type { Handler } from '../types.js';
import { parseQuery } from './query-string.js';
import { TEXT_HEADERS, badRequest, first, hostOf, intArg } from './reply.js';

export const MAX_REDIRECTS = 100;
const CT = TEXT_HEADERS[0]!;
const TEXT = TEXT_HEADERS[1]!;

/** The header list /status/:code answers with (besides Content-Type). */
export function statusExtraHeaders(code: number): string[] {
  if (code >= 300 && code < 400 && code !== 304) return ['Location', '/get'];
  switch (code) {
    case 401: return ['WWW-Authenticate', 'Basic realm="fastbench"'];
    case 405: return ['Allow', 'GET, HEAD'];
    case 407: return ['Proxy-Authenticate', 'Basic realm="fastbench"'];
    case 429:
    case 503: return ['Retry-After', '1'];
    default: return [];
  }
}

export const status: Handler = (_req, res, params) => {
  const code = params.code as number;
  if (!Number.isInteger(code) || code < 100 || code > 599) return badRequest(res, 'status code must be 100-599');
  if (code < 200) {
    res.send(200, `200 OK (asked for ${code}: a 1xx status cannot be a final response)\n`,
      ['X-Fastbench-Requested-Status', String(code), CT, TEXT]);
    return;
  }
  const headers = statusExtraHeaders(code);
  if (code === 204 || code === 304) {
    res.send(code, undefined, headers);
    return;
  }
  headers.push(CT, TEXT);
  res.send(code, `${code} ${STATUS_TEXT[code] ?? 'Unknown'}\n`, headers);
};

/** `scheme://host` from the request's Host header (or '' when there is none). */
function origin(scheme: string, host: string | undefined): string {
  return host === undefined ? '' : `${scheme}://${host}`;
}

export function redirect(scheme: string): Handler {
  return (req, res, params) => {
    const n = params.n as number;
    if (!Number.isInteger(n) || n < 1 || n > MAX_REDIRECTS) return badRequest(res, `n must be 1-${MAX_REDIRECTS}`);
    const absolute = first(parseQuery(req.query).absolute) === 'true';
    const base = absolute ? origin(scheme, hostOf(req)) : '';
    const next = n === 1 ? '/get' : `/redirect/${n - 1}${absolute ? '?absolute=true' : ''}`;
    res.send(302, `Redirecting to ${next}\n`, ['Location', base + next, CT, TEXT]);
  };
}

/** Percent-encodes whatever may not appear raw in a header value or URI; throws on lone surrogates. */
function safeLocation(url: string): string {
  return url.replace(/[^\x21-\x7e]/g, (c) => encodeURIComponent(c));
}

export const redirectTo: Handler = (req, res) => {
  const q = parseQuery(req.query);
  const url = first(q.url);
  if (url === undefined || url === '') return badRequest(res, 'url is required');
  const code = intArg(first(q.status) ?? first(q.status_code), 302, 0, 999);
  if (!(code >= 300 && code <= 399)) return badRequest(res, 'status must be 300-399');
  let location: string;
  try {
    location = safeLocation(url);
  } catch {
    return badRequest(res, 'url is not valid text');
  }
  res.send(code, `Redirecting to ${location}\n`, ['Location', location, CT, TEXT]);
};

export function registerStatus(router: Router, scheme: string): void {
  router.all('/status/:code<int>', status);
  router.get('/redirect/:n<int>', redirect(scheme));
  router.all('/redirect-to', redirectTo);
}
