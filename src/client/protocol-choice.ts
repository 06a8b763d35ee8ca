// `protocol: auto | http1 | h2` → the pool's list of connection factories (most preferred first,
// offered in this order by TLS ALPN; in cleartext the first one is spoken).
//
//   | choice | https (ALPN offer)  | http                      |
//   |--------|---------------------|---------------------------|
//   | auto   | h2, http/1.1        | HTTP/1.1                  |
//   | http1  | http/1.1            | HTTP/1.1                  |
//   | h2     | h2                  | HTTP/2 prior knowledge (h2c) |
import { FastbenchError } from '../core/errors.js';
import type { ConnectionFactory } from './client-connection.js';
import { type ProtocolChoice, checkProtocolChoice } from './client-options.js';
import { http1 } from './h1/connection.js';
import { http2 } from './h2/connection.js';

const H1_ONLY: readonly ConnectionFactory[] = Object.freeze([http1]);
const H2_ONLY: readonly ConnectionFactory[] = Object.freeze([http2]);
const H2_THEN_H1: readonly ConnectionFactory[] = Object.freeze([http2, http1]);

/** The factories for a protocol choice on a TLS or cleartext origin. */
export function protocolsFor(choice: ProtocolChoice | undefined, tls: boolean): readonly ConnectionFactory[] {
  switch (checkProtocolChoice(choice)) {
    case 'http1':
      return H1_ONLY;
    case 'h2':
      return H2_ONLY;
    default:
      return tls ? H2_THEN_H1 : H1_ONLY;
  }
}

/** ALPN ids this client speaks, and their connection factories. */
export const ALPN_IDS: readonly string[] = ['h2', 'http/1.1'];

/**
 * An explicit ALPN list (`alpn: [http/1.1, h2]`, curl-less) → the factories, in that order. On a
 * cleartext origin the first one is spoken. Unknown or repeated ids are an ERR_CONFIG.
 */
export function protocolsForAlpn(alpn: readonly string[]): readonly ConnectionFactory[] {
  if (!Array.isArray(alpn) || alpn.length === 0) throw new FastbenchError('ERR_CONFIG', `option alpn must be a non-empty list of ${ALPN_IDS.join(', ')}`);
  const out: ConnectionFactory[] = [];
  for (const id of alpn) {
    const f = id === 'h2' ? http2 : id === 'http/1.1' ? http1 : undefined;
    if (f === undefined) throw new FastbenchError('ERR_CONFIG', `option alpn: ${JSON.stringify(id)} is not a protocol this client speaks (${ALPN_IDS.join(', ')})`);
    if (out.includes(f)) throw new FastbenchError('ERR_CONFIG', `option alpn: ${JSON.stringify(id)} is listed twice`);
    out.push(f);
  }
  return Object.freeze(out);
}
