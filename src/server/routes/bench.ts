// The TechEmpower-style benchmark routes: the fastest answers the server can give. Bodies and
// header lists are built once at load; a request costs one Map lookup and one res.send.
// (TechEmpower's own rules want /json serialized per request; we measure the transport, so the
// body is a constant Buffer here.)
import { checkFlat } from '../../http/response-serializer.js';
import type { Router } from '../router.js';
import type { Handler } from '../types.js';

const HELLO = Buffer.from('Hello, World!', 'latin1');
const HELLO_JSON = Buffer.from(JSON.stringify({ message: 'Hello, World!' }), 'latin1');
const PLAIN_HEADERS: readonly string[] = Object.freeze(['Content-Type', 'text/plain']);
const JSON_HEADERS: readonly string[] = Object.freeze(['Content-Type', 'application/json']);
checkFlat(PLAIN_HEADERS);
checkFlat(JSON_HEADERS);

export const plaintext: Handler = (_req, res) => res.send(200, HELLO, PLAIN_HEADERS);
export const json: Handler = (_req, res) => res.send(200, HELLO_JSON, JSON_HEADERS);

/** `/`, `/plaintext` → "Hello, World!"; `/json` → {"message":"Hello, World!"} (GET and HEAD). */
export function registerBench(router: Router): void {
  router.get('/', plaintext);
  router.get('/plaintext', plaintext);
  router.get('/json', json);
}
