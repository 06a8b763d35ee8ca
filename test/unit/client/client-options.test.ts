import { describe, expect, it } from 'vitest';
import { resolveOrigin } from '../../../src/client/client-options.js';
import { HostClient } from '../../../src/client/host-client.js';
import { PipelineClient } from '../../../src/client/pipeline-client.js';

describe('client options', () => {
  it('reads addr, defaults ports by scheme and builds the Host header', () => {
    expect(resolveOrigin({ addr: 'example.test:8080' })).toMatchObject({ host: 'example.test', port: 8080, tls: false, hostHeader: 'example.test:8080' });
    expect(resolveOrigin({ host: 'example.test', tls: true })).toMatchObject({ port: 443, hostHeader: 'example.test' });
    expect(resolveOrigin({ addr: '[::1]:81' })).toMatchObject({ host: '::1', port: 81, hostHeader: '[::1]:81', where: '[::1]:81' });
    expect(resolveOrigin({ host: 'h', hostHeader: 'virtual.test' }).hostHeader).toBe('virtual.test');
    expect(resolveOrigin({ host: 'h', maxResponseBodySize: 10 }).limits.maxBodySize).toBe(10);
  });

  it.each([
    [{}, /option host/],
    [{ addr: 'a:b:c' }, /option addr/],
    [{ host: 'h', port: 0 }, /option port/],
    [{ host: 'h', maxConns: 0 }, /option maxConns/],
    [{ host: 'h', maxConns: 1.5 }, /option maxConns/],
    [{ host: 'h', readTimeout: -1 }, /option readTimeout/],
    [{ host: 'h', tls: 'yes' }, /option tls/],
    [{ host: 'h', limits: { maxHeaderBytes: 0 } }, /limits.maxHeaderBytes/],
    [{ host: 'h', hostHeader: 'a\r\nb' }, /option hostHeader/],
  ])('rejects %j once, at construction, with ERR_CONFIG', (opts, msg) => {
    let err: { code?: string; message: string } | undefined;
    try {
      resolveOrigin(opts as never);
    } catch (e) {
      err = e as { code: string; message: string };
    }
    expect(err?.code).toBe('ERR_CONFIG');
    expect(err?.message).toMatch(msg);
  });

  it('validates client-specific options', () => {
    expect(() => new HostClient({ host: 'h', maxConnWaitTimeout: -5 })).toThrow(/maxConnWaitTimeout/);
    expect(() => new HostClient({ host: 'h', retryIf: 3 as never })).toThrow(/retryIf/);
    expect(() => new PipelineClient({ host: 'h', maxPendingRequests: 0 })).toThrow(/maxPendingRequests/);
    const p = new PipelineClient({ host: 'h' });
    expect(p.origin.maxConns).toBe(1);
    expect(p.maxPendingRequests).toBe(16);
    void p.close();
  });
});
