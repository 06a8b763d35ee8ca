// Hooks for hooks-hmac.yaml: every request named in `beforeRequest` is signed, AWS-SigV4 style,
// with node:crypto (the FB-HMAC-SHA256 scheme of the bundled server's /hmac/verify, documented in
// src/server/routes/signed.ts). The key is the server's public demo key — never a real secret:
// take a real one from the environment (process.env) and keep it out of the file.
import { createHash, createHmac } from 'node:crypto';

const KEY_ID = 'demo';
const SECRET = process.env.FB_HMAC_SECRET ?? 'fastbench-demo-secret';
const SIGNED_HEADERS = 'host;x-fb-content-sha256;x-fb-date';

const sha256Hex = (data) => createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => createHmac('sha256', key).update(data).digest();

/** 2026-12-06T07:30:00.123Z → 20261206T073000Z */
function fbDate(d) {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function headerValue(headers, name) {
  for (const k of Object.keys(headers)) if (k.toLowerCase() === name) return String(headers[k]);
  return undefined;
}

// Plain assignments on req: the engine serialises what the hook leaves.
function sign(req) {
  const date = fbDate(new Date());
  const day = date.slice(0, 8);
  const bodySha = sha256Hex(req.body ?? '');
  const q = req.path.indexOf('?');
  const path = q < 0 ? req.path : req.path.slice(0, q);
  const query = q < 0 ? '' : req.path.slice(q + 1);
  const host = headerValue(req.headers, 'host');
  const canonical = [req.method, path, query, `host:${host}`, `x-fb-content-sha256:${bodySha}`, `x-fb-date:${date}`, '', SIGNED_HEADERS, bodySha].join('\n');
  const toSign = ['FB-HMAC-SHA256', date, `${day}/fastbench/fb_request`, sha256Hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(`FB4${SECRET}`, day), 'fastbench'), 'fb_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  req.headers['X-Fb-Date'] = date;
  req.headers['X-Fb-Content-Sha256'] = bodySha;
  req.headers.Authorization = `FB-HMAC-SHA256 Credential=${KEY_ID}/${day}, SignedHeaders=${SIGNED_HEADERS}, Signature=${signature}`;
}

// By request name: "plain" has no hook and keeps the serialise-once fast path.
export const beforeRequest = { 'signed get': sign, 'signed post': sign };
