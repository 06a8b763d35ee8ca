// client.tls / client.proxy / client.noProxy and targets given as { url, tls, proxy }.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyOverrides, checkScenarioText, type Scenario } from '../../../src/scenario/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-net-settings-'));
writeFileSync(join(dir, 'ca.pem'), 'CA-BYTES');
writeFileSync(join(dir, 'client.pem'), 'CERT-BYTES');
writeFileSync(join(dir, 'client.key'), 'KEY-BYTES');
writeFileSync(join(dir, 'other.p12'), 'P12-BYTES');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILE = join(dir, 'net.yaml');
const TAIL = 'load:\n  - duration: 1s\nrequests:\n  - path: /\n';
const check = (text: string) => checkScenarioText(text + TAIL, FILE, { processEnv: {} });
const ok = (text: string): Scenario => {
  const r = check(text);
  expect(r.errors.map((e) => e.format())).toEqual([]);
  return r.scenario!;
};
const errs = (text: string): string[] => check(text).errors.map((e) => `${e.code} ${e.line}:${e.column} ${e.message}`);
const text = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString();

describe('client.tls', () => {
  it('reads the files relative to the scenario, versions in either spelling, ALPN in order', () => {
    const s = ok(`target: https://api.test
client:
  tls:
    ca: ca.pem
    cert: client.pem
    key: ${join(dir, 'client.key')}
    passphrase: 1234
    servername: api.internal
    minVersion: 1.2
    maxVersion: TLSv1.3
    ciphers: ECDHE-RSA-AES128-GCM-SHA256
    alpn: [http/1.1, h2]
`);
    const t = s.client.tls!;
    expect([text(t.ca), text(t.cert), text(t.key)]).toEqual(['CA-BYTES', 'CERT-BYTES', 'KEY-BYTES']);
    expect(t).toMatchObject({ passphrase: '1234', servername: 'api.internal', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256', alpn: ['http/1.1', 'h2'] });
    expect(structuredClone(s).client.tls).toEqual(t); // plain data for worker_threads
  });

  it('reports each mistake at its place', () => {
    expect(errs('client:\n  tls:\n    ca: missing.pem\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_FILE 3:9 cannot read "missing.pem" \(no such file/)]);
    expect(errs('client:\n  tls:\n    pfx: other.p12\n    cert: client.pem\n    key: client.key\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 3:5 client.tls: give either "pfx" or "cert" and "key"/)]);
    expect(errs('client:\n  tls:\n    key: client.key\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_MISSING 3:5 client.tls: "key" needs "cert"/)]);
    expect(errs('client:\n  tls:\n    minVersion: 2\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 3:17 client.tls.minVersion must be one of/)]);
    expect(errs('client:\n  tls:\n    minVersion: 1.3\n    maxVersion: 1.2\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 3:5 client.tls: minVersion TLSv1.3 is above maxVersion TLSv1.2/)]);
    expect(errs('client:\n  tls:\n    alpn: [h3]\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 3:12 client.tls.alpn: "h3" is not a protocol/)]);
    expect(errs('client:\n  tls:\n    cacert: ca.pem\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_UNKNOWN_KEY 3:5/)]);
  });
});

describe('client.proxy and client.noProxy', () => {
  it('keeps a checked proxy URL and the no-proxy list', () => {
    const s = ok('client:\n  proxy: socks5h://u:p@127.0.0.1:1080\n  noProxy: [localhost, .internal.test, "10.0.0.0/8"]\n');
    expect(s.client.proxy).toEqual({ url: 'socks5h://u:p@127.0.0.1:1080', noProxy: 'localhost,.internal.test,10.0.0.0/8' });
    expect(ok('client:\n  noProxy: "a.test, b.test"\n').client.proxy).toEqual({ noProxy: 'a.test, b.test' });
  });

  it('refuses schemes it cannot speak', () => {
    expect(errs('client:\n  proxy: https://p:443\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 2:10 client.proxy: .*http:\/\/, socks5:\/\/ or socks5h:\/\//)]);
    expect(errs('client:\n  proxy: http://p:3128/x\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 2:10 client.proxy: .*no path/)]);
  });
});

describe('{{env.NAME}} in secrets', () => {
  it('expands env templates in passphrase and proxy URLs (only env: other templates are refused)', () => {
    const r = checkScenarioText(`client:\n  tls: { passphrase: "{{env.PASS}}" }\n  proxy: "http://u:{{env.PPW}}@127.0.0.1:3128"\n` + TAIL, FILE, { processEnv: { PASS: 'p@ss', PPW: 'pw' } });
    expect(r.errors).toEqual([]);
    expect(r.scenario!.client.tls!.passphrase).toBe('p@ss');
    expect(r.scenario!.client.proxy!.url).toBe('http://u:pw@127.0.0.1:3128');
    expect(errs('client:\n  proxy: "http://{{seq}}:1"\n')[0]).toMatch(/^ERR_SCENARIO_TEMPLATE 2:/);
  });
});

describe('targets as { url, tls, proxy }', () => {
  it('keeps each origin\'s own settings, its tls merged over the client\'s', () => {
    const s = ok(`client:
  tls: { ca: ca.pem, minVersion: 1.2 }
targets:
  - https://a.test
  - url: https://b.test:8443
    tls: { cert: client.pem, key: client.key }
    proxy: http://127.0.0.1:3128
  - url: http://c.test
    proxy: socks5://127.0.0.1:1080
`);
    expect(s.target.kind === 'url' && s.target.origins).toEqual(['https://a.test', 'https://b.test:8443', 'http://c.test']);
    const net = s.target.kind === 'url' ? s.target.net! : [];
    expect(net.map((n) => [n.origin, n.proxy])).toEqual([['https://b.test:8443', 'http://127.0.0.1:3128'], ['http://c.test', 'socks5://127.0.0.1:1080']]);
    expect(text(net[0]!.tls!.ca)).toBe('CA-BYTES');
    expect(text(net[0]!.tls!.cert)).toBe('CERT-BYTES');
    expect(net[0]!.tls!.minVersion).toBe('TLSv1.2');
  });

  it('a single target mapping works; url is required; unknown keys are named', () => {
    const s = ok('target:\n  url: https://one.test/base\n  tls:\n    servername: x.test\n');
    expect(s.target).toMatchObject({ kind: 'url', origins: ['https://one.test'], basePath: '/base', net: [{ origin: 'https://one.test', tls: { servername: 'x.test' } }] });
    expect(errs('target:\n  tls: {}\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_MISSING 2:3 target needs "url"/)]);
    expect(errs('targets:\n  - url: https://a.test\n    proxi: http://p:1\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_UNKNOWN_KEY 3:5 .*proxy/)]);
  });
});

describe('overrides', () => {
  it('flags merge over client.tls and set the proxy, the no-proxy list and the environment', () => {
    const s = ok('client:\n  tls: { ca: ca.pem, servername: a.test }\n  proxy: http://p:1\n');
    const o = applyOverrides(s, { tls: { servername: 'b.test' }, proxy: 'socks5h://q:2', proxyEnv: { NO_PROXY: 'x' } });
    expect(o.client.tls).toMatchObject({ servername: 'b.test' });
    expect(text(o.client.tls!.ca)).toBe('CA-BYTES');
    expect(o.client.proxy).toEqual({ url: 'socks5h://q:2', env: { NO_PROXY: 'x' } });
    // No flags, no environment: the scenario's settings untouched.
    expect(applyOverrides(s, { proxyEnv: {} }).client.proxy).toEqual({ url: 'http://p:1' });
  });
});
