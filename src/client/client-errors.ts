// Turning what sockets, DNS and TLS throw into our stable codes, in one place.
//
// Node reports failures as system errors with a string `code` (ECONNREFUSED, ENOTFOUND, ...) or
// OpenSSL verification codes (DEPTH_ZERO_SELF_SIGNED_CERT, ...). Everything the client hands to a
// caller is a FastbenchError; the original error rides along as `cause`.
import { type ErrorCode, FastbenchError } from '../core/errors.js';

/** Where an exchange was when something failed or timed out (also the `phase` detail of errors). */
export const enum Phase {
  /** Waiting in the queue for a free connection. */
  ConnWait = 0,
  /** Resolving the host name. */
  Dns = 1,
  /** TCP connect. */
  Connect = 2,
  /** TLS handshake. */
  Tls = 3,
  /** Handing the request to the kernel. */
  Write = 4,
  /** Request written, response head not complete yet. */
  Headers = 5,
  /** Response head received, body not complete yet. */
  Body = 6,
}

export const PHASE_NAMES = ['conn-wait', 'dns', 'connect', 'tls', 'write', 'headers', 'body'] as const;

const TIMEOUT_CODES = [
  'ERR_TIMEOUT_CONN_WAIT',
  'ERR_TIMEOUT_DNS',
  'ERR_TIMEOUT_CONNECT',
  'ERR_TIMEOUT_TLS',
  'ERR_TIMEOUT_WRITE',
  'ERR_TIMEOUT_HEADERS',
  'ERR_TIMEOUT_BODY',
] as const;

/** The timeout error for a phase; `what` says which limit fired (e.g. "readTimeout of 50 ms"). */
export function timeoutError(phase: Phase, what: string): FastbenchError {
  const name = PHASE_NAMES[phase];
  return new FastbenchError(TIMEOUT_CODES[phase], `${what} exceeded while in phase ${name}`, { phase: name });
}

/** OpenSSL / Node codes that mean "the certificate was not accepted" (as opposed to a failed handshake). */
const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** TLS alerts a server sends when it does not accept our client certificate (or its absence). */
const CLIENT_CERT_ALERTS = new Set([
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);

const DNS_FAILED_CODES = new Set(['EAI_AGAIN', 'EAI_FAIL', 'ENODATA', 'ESERVFAIL', 'EREFUSED', 'ECONNREFUSED_DNS', 'EBADRESP', 'ETIMEOUT', 'EAI_NODATA', 'EAI_NONAME']);

/**
 * Maps whatever a socket, the resolver or TLS threw to a FastbenchError. `phase` is where the
 * connection was (dialing phases turn ETIMEDOUT into a connect timeout); `where` names the peer
 * ("127.0.0.1:8080") for the message. FastbenchErrors pass through unchanged.
 */
export function toClientError(err: unknown, phase: Phase, where: string): FastbenchError {
  if (err instanceof FastbenchError) return err;
  const sys = err as NodeJS.ErrnoException | undefined;
  const sysCode = typeof sys?.code === 'string' ? sys.code : '';
  const detail = sysCode !== '' ? `${where} (${sysCode})` : `${where}: ${String((sys as Error | undefined)?.message ?? err)}`;
  let code: ErrorCode;
  switch (sysCode) {
    case 'ECONNREFUSED':
      code = 'ERR_CONN_REFUSED';
      break;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      code = 'ERR_CONN_RESET';
      break;
    case 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL':
      // The server accepts none of the protocols offered by ALPN.
      code = 'ERR_PROTOCOL_UNSUPPORTED';
      break;
    case 'ENOTFOUND':
      code = 'ERR_DNS_NOT_FOUND';
      break;
    case 'ETIMEDOUT':
      code = phase <= Phase.Tls ? (phase === Phase.Tls ? 'ERR_TIMEOUT_TLS' : 'ERR_TIMEOUT_CONNECT') : 'ERR_CONN_RESET';
      break;
    default:
      if (CERT_CODES.has(sysCode)) code = 'ERR_TLS_CERT';
      else if (CLIENT_CERT_ALERTS.has(sysCode)) code = 'ERR_TLS_CLIENT_CERT';
      else if (DNS_FAILED_CODES.has(sysCode) || (phase === Phase.Dns && sysCode.startsWith('E'))) code = 'ERR_DNS_FAILED';
      else if (phase === Phase.Tls || sysCode.startsWith('ERR_SSL_') || sysCode === 'EPROTO' || sysCode.startsWith('ERR_TLS_')) code = 'ERR_TLS_HANDSHAKE';
      else code = 'ERR_CONN_OTHER';
  }
  const e = new FastbenchError(code, undefined, { cause: err, phase: PHASE_NAMES[phase] });
  // The registry message plus where and the system code: "connection refused: 127.0.0.1:9 (ECONNREFUSED)".
  e.message = `${e.message}: ${detail}`;
  return e;
}

/**
 * The error for an exchange whose connection ended without a (complete) response.
 * `started` tells whether any byte of the response had arrived.
 */
export function closedError(started: boolean, where: string, cause?: unknown): FastbenchError {
  return new FastbenchError(
    started ? 'ERR_CONN_CLOSED_MID_RESPONSE' : 'ERR_CONN_CLOSED_EARLY',
    started ? `connection to ${where} closed while the response was being read` : `connection to ${where} closed before the response began`,
    cause !== undefined ? { cause, phase: started ? 'body' : 'headers' } : { phase: started ? 'body' : 'headers' },
  );
}

/** Copies an error for another exchange that failed for the same reason (each gets its own object). */
export function sameError(e: FastbenchError): FastbenchError {
  const copy = new FastbenchError(e.code, e.message, { cause: e.cause, phase: e.phase, offset: e.offset });
  return copy;
}
