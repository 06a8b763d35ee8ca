import { describe, expect, it } from 'vitest';
import { FastbenchError } from '../../../src/core/errors.js';
import { Phase, closedError, timeoutError, toClientError } from '../../../src/client/client-errors.js';

const sys = (code: string): Error => Object.assign(new Error(`boom ${code}`), { code });

describe('toClientError', () => {
  it.each([
    ['ECONNREFUSED', Phase.Connect, 'ERR_CONN_REFUSED'],
    ['ECONNRESET', Phase.Headers, 'ERR_CONN_RESET'],
    ['EPIPE', Phase.Write, 'ERR_CONN_RESET'],
    ['ENOTFOUND', Phase.Dns, 'ERR_DNS_NOT_FOUND'],
    ['EAI_AGAIN', Phase.Dns, 'ERR_DNS_FAILED'],
    ['ETIMEDOUT', Phase.Connect, 'ERR_TIMEOUT_CONNECT'],
    ['ETIMEDOUT', Phase.Body, 'ERR_CONN_RESET'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', Phase.Tls, 'ERR_TLS_CERT'],
    ['CERT_HAS_EXPIRED', Phase.Tls, 'ERR_TLS_CERT'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', Phase.Tls, 'ERR_TLS_CERT'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', Phase.Tls, 'ERR_TLS_HANDSHAKE'],
    ['EPROTO', Phase.Tls, 'ERR_TLS_HANDSHAKE'],
    ['EHOSTUNREACH', Phase.Connect, 'ERR_CONN_OTHER'],
  ])('%s in phase %s → %s', (code, phase, want) => {
    const e = toClientError(sys(code), phase, '127.0.0.1:1');
    expect(e).toBeInstanceOf(FastbenchError);
    expect(e.code).toBe(want);
    expect(e.message).toContain('127.0.0.1:1');
    expect((e.cause as Error).message).toBe(`boom ${code}`);
  });

  it('passes FastbenchErrors through and names non-system errors', () => {
    const f = new FastbenchError('ERR_HTTP_BAD_STATUS');
    expect(toClientError(f, Phase.Headers, 'x')).toBe(f);
    expect(toClientError(new Error('weird'), Phase.Headers, 'h:1').message).toMatch(/h:1: weird/);
  });

  it('makes phase-named timeouts and closed errors', () => {
    const t = timeoutError(Phase.Headers, 'readTimeout of 5 ms');
    expect(t.code).toBe('ERR_TIMEOUT_HEADERS');
    expect(t.phase).toBe('headers');
    expect(timeoutError(Phase.ConnWait, 'x').code).toBe('ERR_TIMEOUT_CONN_WAIT');
    expect(timeoutError(Phase.Tls, 'x').code).toBe('ERR_TIMEOUT_TLS');
    expect(closedError(false, 'h').code).toBe('ERR_CONN_CLOSED_EARLY');
    expect(closedError(true, 'h').code).toBe('ERR_CONN_CLOSED_MID_RESPONSE');
  });
});
