// Routes made for the scripting-hook examples (issue 16): requests that only a computed value
// gets through, so a test can prove a hook signed or authorised what it sent.
//
//   ANY  /hmac/verify      an AWS-SigV4-style HMAC signature (scheme FB-HMAC-SHA256, below) made
//                          with the documented demo key: 200 {"ok":true}, 401 on any mismatch
//   POST /oauth/token      OAuth2 client credentials (RFC 6749 §4.4): grant_type=client_credentials
//                          with client demo / demo-secret (form body or Basic auth); answers
//                          {access_token, token_type, expires_in}; ?expires_in=N (1..3600 s) for
//                          short-lived tokens
//   GET  /oauth/protected  200 with a valid unexpired `Authorization: Bearer`, else 401
//   GET  /oauth/stats      {"issued": tokens issued by this server}
//
// FB-HMAC-SHA256 (SigV4's shape, our names; the demo key is public — never a real secret):
//   headers      X-Fb-Date: YYYYMMDDTHHMMSSZ, X-Fb-Content-Sha256: hex sha256 of the body,
//                Authorization: FB-HMAC-SHA256 Credential=demo/YYYYMMDD, SignedHeaders=host;x-fb-content-sha256;x-fb-date, Signature=HEX
//   canonical    METHOD \n path \n query \n host:H \n x-fb-content-sha256:B \n x-fb-date:D \n \n
//                host;x-fb-content-sha256;x-fb-date \n B
//   to sign      FB-HMAC-SHA256 \n D \n YYYYMMDD/fastbench/fb_request \n hex sha256(canonical)
//   key          k = HMAC("FB4" + secret, YYYYMMDD); k = HMAC(k, "fastbench"); k = HMAC(k, "fb_request")
//   signature    hex HMAC(k, to sign). The date must be within 15 minutes of the server's clock.
import { checkFlat } from '../../http/response-serializer.js';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Router } from '../router.js';
import type { ServerRequest, ServerResponse } from '../types.js';
import { hostOf, intArg, sendJson } from './reply.js';
import { parseQuery, type Query } from './query-string.js';

/** The demo key of /hmac/verify (public: for examples and tests only). */
export const DEMO_HMAC_KEY_ID = 'demo';
export const DEMO_HMAC_SECRET = 'fastbench-demo-secret';
/** The demo client of /oauth/token. */
export const DEMO_CLIENT_ID = 'demo';
export const DEMO_CLIENT_SECRET = 'demo-secret';

const SIGNED_HEADERS = 'host;x-fb-content-sha256;x-fb-date';
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_TOKENS = 10_000;
const UNAUTHORIZED_HEADERS: readonly string[] = Object.freeze(['Content-Type', 'application/json', 'WWW-Authenticate', 'Bearer error="invalid_token"']);
checkFlat(UNAUTHORIZED_HEADERS);
const AUTH = /^FB-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8}), SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

function header(req: ServerRequest, name: string): string | undefined {
  const i = req.headers.indexOf(name);
  return i < 0 ? undefined : req.headers.value(i);
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** The FB-HMAC-SHA256 signature of a request (the scheme in the header). */
export function fbSignature(secret: string, method: string, path: string, query: string, host: string, date: string, bodySha: string): string {
  const canonical = [method, path, query, `host:${host}`, `x-fb-content-sha256:${bodySha}`, `x-fb-date:${date}`, '', SIGNED_HEADERS, bodySha].join('\n');
  const day = date.slice(0, 8);
  const toSign = ['FB-HMAC-SHA256', date, `${day}/fastbench/fb_request`, sha256Hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(`FB4${secret}`, day), 'fastbench'), 'fb_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

/** YYYYMMDDTHHMMSSZ → epoch ms (NaN when malformed). */
function parseFbDate(d: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(d);
  return m === null ? NaN : Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
}

/** Why the request's signature is not good, or undefined when it is. */
function hmacProblem(req: ServerRequest): string | undefined {
  const auth = header(req, 'authorization');
  const date = header(req, 'x-fb-date');
  const bodySha = header(req, 'x-fb-content-sha256');
  const host = hostOf(req);
  if (auth === undefined || date === undefined || bodySha === undefined || host === undefined) {
    return 'missing Authorization, X-Fb-Date, X-Fb-Content-Sha256 or Host';
  }
  const m = AUTH.exec(auth);
  if (m === null) return 'Authorization is not "FB-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…"';
  if (m[1] !== DEMO_HMAC_KEY_ID) return `unknown key id "${m[1]}"`;
  if (m[3] !== SIGNED_HEADERS) return `SignedHeaders must be ${SIGNED_HEADERS}`;
  const at = parseFbDate(date);
  if (!Number.isFinite(at) || Math.abs(Date.now() - at) > MAX_SKEW_MS || m[2] !== date.slice(0, 8)) return 'X-Fb-Date is malformed, stale or does not match the credential';
  if (sha256Hex(req.body) !== bodySha) return 'X-Fb-Content-Sha256 does not match the body';
  const want = Buffer.from(fbSignature(DEMO_HMAC_SECRET, req.method, req.path, req.query, host, date, bodySha), 'latin1');
  const got = Buffer.from(m[4]!, 'latin1');
  return timingSafeEqual(want, got) ? undefined : 'signature mismatch';
}

/** The client credentials of a token request: Basic auth, else the form body. */
function clientOf(req: ServerRequest, form: Query): [string | undefined, string | undefined] {
  const auth = header(req, 'authorization');
  if (auth !== undefined && auth.startsWith('Basic ')) {
    const plain = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const i = plain.indexOf(':');
    if (i > 0) return [plain.slice(0, i), plain.slice(i + 1)];
  }
  const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
  return [one(form.client_id), one(form.client_secret)];
}

export function registerSigned(router: Router): void {
  router.all('/hmac/verify', (req: ServerRequest, res: ServerResponse) => {
    const why = hmacProblem(req);
    if (why === undefined) sendJson(res, 200, { ok: true });
    else sendJson(res, 401, { ok: false, error: why });
  });

  // Tokens of this server: token → expiry (epoch ms); bounded (oldest dropped first).
  const tokens = new Map<string, number>();
  let issued = 0;
  router.post('/oauth/token', (req, res) => {
    const form = parseQuery(req.body.toString('utf8'));
    const grant = Array.isArray(form.grant_type) ? form.grant_type[0] : form.grant_type;
    if (grant !== 'client_credentials') return sendJson(res, 400, { error: 'unsupported_grant_type' });
    const [id, secret] = clientOf(req, form);
    if (id !== DEMO_CLIENT_ID || secret !== DEMO_CLIENT_SECRET) return sendJson(res, 401, { error: 'invalid_client' });
    const expiresIn = intArg(parseQuery(req.query).expires_in, 3600, 1, 3600);
    if (Number.isNaN(expiresIn)) return sendJson(res, 400, { error: 'invalid_request', error_description: 'expires_in must be whole seconds' });
    if (tokens.size >= MAX_TOKENS) tokens.delete(tokens.keys().next().value!);
    const token = randomBytes(18).toString('base64url');
    tokens.set(token, Date.now() + expiresIn * 1000);
    issued++;
    sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: expiresIn });
  });
  router.get('/oauth/protected', (req, res) => {
    const auth = header(req, 'authorization');
    const token = auth !== undefined && auth.startsWith('Bearer ') ? auth.slice(7) : undefined;
    const expiry = token !== undefined ? tokens.get(token) : undefined;
    if (expiry === undefined || expiry <= Date.now()) {
      res.send(401, '{"error":"invalid_token"}\n', UNAUTHORIZED_HEADERS);
      return;
    }
    sendJson(res, 200, { ok: true });
  });
  router.get('/oauth/stats', (_req, res) => sendJson(res, 200, { issued, live: tokens.size }));
}
