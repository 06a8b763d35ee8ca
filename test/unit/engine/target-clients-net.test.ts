// Which proxy and TLS settings each backend of a run gets: a target's own { tls, proxy }, the
// client's, the environment (never for the bundled server), NO_PROXY; one SecureContext per block.
import { afterEach, describe, expect, it } from 'vitest';
import { TargetClients, checkTargetTls } from '../../../src/engine/target-clients.js';
import type { ClientSettings, Scenario, TlsSettings } from '../../../src/scenario/index.js';

const BASE: ClientSettings = { connections: 1, pipelining: 1, timeoutMs: 1000, keepalive: true, insecure: false, resolve: [], workers: 1 };
const open: TargetClients[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

function clients(origins: string[], settings: Partial<ClientSettings>, extra: Partial<ConstructorParameters<typeof TargetClients>[2]> = {}, extraOrigins: string[] = []): TargetClients {
  const c = new TargetClients(origins, extraOrigins, { settings: { ...BASE, ...settings }, maxConns: 1, pipelining: 1, maxQueued: 1, ...extra });
  open.push(c);
  return c;
}

const proxyOf = (c: TargetClients, g: number, b = 0): string | undefined => c.backend(g, b).client.origin.proxy?.label;

describe('TargetClients: proxies and TLS per backend', () => {
  it('a target\'s own proxy wins; the client proxy covers the rest, `url:` origins too; NO_PROXY exempts', () => {
    const c = clients(['http://a.test', 'http://b.test'], { proxy: { url: 'http://p:1', env: { NO_PROXY: 'c.test' } } }, { net: [{ origin: 'http://b.test', proxy: 'socks5h://s:2' }] }, ['http://c.test', 'https://d.test']);
    expect([proxyOf(c, 0, 0), proxyOf(c, 0, 1)]).toEqual(['http://p:1', 'socks5h://s:2']);
    expect(proxyOf(c, c.groupOf('http://c.test'))).toBeUndefined();
    expect(proxyOf(c, c.groupOf('https://d.test'))).toBe('http://p:1');
  });

  it('environment proxies apply to URL targets but not to the bundled server; an explicit proxy applies to both', () => {
    const env = { proxy: { env: { http_proxy: 'http://envp:3' } } };
    expect(proxyOf(clients(['http://127.0.0.1:8080'], env), 0)).toBe('http://envp:3');
    expect(proxyOf(clients(['http://127.0.0.1:8080'], env, { builtin: true }), 0)).toBeUndefined();
    expect(proxyOf(clients(['http://127.0.0.1:8080'], { proxy: { url: 'http://mine:4', env: { http_proxy: 'http://envp:3' } } }, { builtin: true }), 0)).toBe('http://mine:4');
  });

  it('no proxy settings: direct, nothing parsed', () => {
    expect(proxyOf(clients(['http://a.test'], {}), 0)).toBeUndefined();
  });

  it('tls blocks become node:tls options with one SecureContext per block; servername and alpn reach the pool', () => {
    const tls: TlsSettings = { ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', minVersion: 'TLSv1.2', servername: 'sni.test', alpn: ['http/1.1'] };
    const c = clients(['https://a.test', 'https://b.test', 'http://c.test'], { tls });
    const a = c.backend(0, 0).client;
    const b = c.backend(0, 1).client;
    expect(a.origin.tlsOptions?.secureContext).toBeDefined();
    expect(a.origin.tlsOptions?.secureContext).toBe(b.origin.tlsOptions?.secureContext);
    expect(a.origin.servername).toBe('sni.test');
    expect(a.protocols.map((p) => p.protocol)).toEqual(['http/1.1']);
    expect(c.backend(0, 2).client.origin.tlsOptions).toBeUndefined(); // plain http: no TLS settings
  });

  it('checkTargetTls loads every block before the run: a bad cipher list is ERR_TLS_CONFIG', () => {
    const s = { client: { ...BASE, tls: { ciphers: 'NOT-A-CIPHER' } }, target: { kind: 'builtin' } } as unknown as Scenario;
    expect(() => checkTargetTls(s)).toThrow(expect.objectContaining({ code: 'ERR_TLS_CONFIG' }));
    const own = { client: BASE, target: { kind: 'url', origins: ['https://a'], basePath: '', net: [{ origin: 'https://a', tls: { minVersion: 'TLSv9' } }] } } as unknown as Scenario;
    expect(() => checkTargetTls(own)).toThrow(expect.objectContaining({ code: 'ERR_TLS_CONFIG' }));
  });
});
