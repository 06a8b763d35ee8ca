// The TLS and proxy flags → client options / scenario overrides (files read, mistakes named).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { proxyEnv, proxyFlagList, proxySettings, tlsClientOptions, tlsFlagValues, tlsSettings } from '../../../src/cli/net-flags.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-net-flags-'));
const f = (name: string, body: string): string => {
  writeFileSync(join(dir, name), body);
  return join(dir, name);
};
const ca = f('ca.pem', 'CA');
const cert = f('c.pem', 'CERT');
const key = f('c.key', 'KEY');
const p12 = f('id.p12', 'P12');
const bin = f('id.bin', 'BIN');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TLS flags', () => {
  it('map onto node:tls options, curl style', () => {
    const o = tlsClientOptions({ cacert: ca, cert, key, pass: 'pw', servername: 'sni.test', 'tlsv1.2': true, tlsMax: '1.3', ciphers: 'X', alpn: 'http/1.1, h2' });
    expect(o.tlsOptions).toEqual({ ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY'), passphrase: 'pw', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ciphers: 'X' });
    expect(o).toMatchObject({ servername: 'sni.test', alpn: ['http/1.1', 'h2'] });
    expect(tlsClientOptions({})).toEqual({});
  });

  it('PKCS#12 by --cert-type P12 or by a .p12/.pfx name; "file:pass" split only when file exists', () => {
    expect(tlsFlagValues({ cert: `${p12}:secret` })).toEqual({ pfx: p12, passphrase: 'secret' });
    expect(tlsFlagValues({ cert: bin, certType: 'p12' })).toEqual({ pfx: bin });
    expect(tlsFlagValues({ cert: bin })).toEqual({ cert: bin });
    expect(tlsSettings({ cert: p12, pass: 'x' })).toEqual({ pfx: new Uint8Array(Buffer.from('P12')), passphrase: 'x' });
  });

  it('names the flag when something does not fit', () => {
    expect(() => tlsClientOptions({ cacert: join(dir, 'nope.pem') })).toThrow(expect.objectContaining({ code: 'ERR_USAGE_FILE', message: expect.stringContaining('--cacert') }));
    expect(() => tlsFlagValues({ key })).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION', message: expect.stringContaining('--key needs --cert') }));
    expect(() => tlsFlagValues({ cert: p12, key })).toThrow(expect.objectContaining({ message: expect.stringContaining('PKCS#12') }));
    expect(() => tlsFlagValues({ cert, certType: 'DER' })).toThrow(expect.objectContaining({ message: expect.stringContaining('--cert-type') }));
    expect(() => tlsFlagValues({ 'tlsv1.3': true, tlsMax: '1.2' })).toThrow(expect.objectContaining({ message: expect.stringContaining('--tls-max') }));
    expect(() => tlsFlagValues({ tlsMax: '4' })).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION' }));
    expect(() => tlsFlagValues({ alpn: 'h3' })).toThrow(expect.objectContaining({ message: expect.stringContaining('--alpn') }));
  });
});

describe('proxy flags', () => {
  it('checks -x URLs, keeps only the proxy variables of the environment', () => {
    expect(proxyFlagList({ proxy: ['http://a:1', 'socks5h://b:2'] })).toEqual(['http://a:1', 'socks5h://b:2']);
    expect(() => proxyFlagList({ proxy: 'ftp://x' })).toThrow(expect.objectContaining({ code: 'ERR_USAGE_BAD_OPTION', message: expect.stringContaining('--proxy') }));
    expect(proxyEnv({ PATH: '/bin', http_proxy: 'http://h:1', NO_PROXY: 'x', HTTP_PROXY: 'ignored-by-curl', https_proxy: '' })).toEqual({ http_proxy: 'http://h:1', NO_PROXY: 'x' });
    expect(proxySettings({ proxy: 'http://p:1', noproxy: 'a' }, {})).toEqual({ url: 'http://p:1', noProxy: 'a', env: {} });
  });
});
