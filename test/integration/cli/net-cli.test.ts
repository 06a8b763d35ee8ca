// TLS identity and proxy flags as a user types them: `request`, `bench` and `run` (built dist/,
// child processes) through tinyproxy and microsocks to the bundled server (plain and https),
// against nginx with `ssl_verify_client on`, and the environment's proxy variables.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type FastbenchServer } from '../../../src/server/server.js';
import { makePki, type Pki } from '../../fixtures/client/pki.js';
import { MICROSOCKS, type RunningProxy, TINYPROXY, startMicrosocks, startTinyproxy } from '../../fixtures/client/proxies.js';
import { type Nginx, nginxPath, startNginxServers } from '../../fixtures/nginx.js';
import { spawnCli } from './spawn-cli.js';

const made = makePki();
const pki = made as Pki;
const noPki = 'skip' in made ? made.skip : '';
const noTiny = existsSync(TINYPROXY) ? '' : `${TINYPROXY} is not installed`;
const noSocks = existsSync(MICROSOCKS) ? '' : `${MICROSOCKS} is not installed`;
const noNginx = nginxPath() === undefined ? 'nginx is not installed' : '';
for (const why of [noPki, noTiny, noSocks, noNginx]) if (why !== '') console.log(`some TLS/proxy CLI tests skipped: ${why}`);

let plain: FastbenchServer;
let plainUrl = '';
let secure: FastbenchServer | undefined;
let securePort = 0;
let nginx: (Nginx & { ports: number[] }) | undefined;
let strict: https.Server | undefined;
let strictPort = 0;
let dir = '';
const proxies: RunningProxy[] = [];

// No proxy variables from the test's own environment leak in, unless a test sets them.
const CLEAN = { http_proxy: '', https_proxy: '', HTTPS_PROXY: '', all_proxy: '', ALL_PROXY: '', no_proxy: '', NO_PROXY: '' };
const fastbench = (args: string[], env: Record<string, string> = {}) => spawnCli(args, { timeoutMs: 60_000, env: { ...CLEAN, ...env } });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fastbench-net-cli-'));
  plain = createServer({ port: 0, quiet: true });
  plainUrl = (await plain.listen()).url;
  if (noPki !== '') return;
  secure = createServer({ port: 0, quiet: true, tls: { cert: pki.read(pki.serverCert), key: pki.read(pki.serverKey) } });
  securePort = (await secure.listen()).port;
  if (noNginx === '') {
    nginx = await startNginxServers(
      (_d, [port]) => `
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${pki.serverCert};
    ssl_certificate_key ${pki.serverKey};
    ssl_client_certificate ${pki.caCert};
    ssl_verify_client on;
    location / { return 200 "hello $ssl_client_s_dn\\n"; }
  }`,
    );
  }
  strict = https.createServer({ key: pki.read(pki.serverKey), cert: pki.read(pki.serverCert), ca: pki.read(pki.caCert), requestCert: true, rejectUnauthorized: true }, (_q, r) => r.end('ok'));
  await new Promise<void>((r) => strict!.listen(0, '127.0.0.1', () => r()));
  strictPort = (strict.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const p of proxies) await p.stop();
  await plain?.close();
  await secure?.close();
  await nginx?.stop();
  if (strict !== undefined) {
    strict.closeAllConnections();
    await new Promise<void>((r) => strict!.close(() => r()));
  }
  rmSync(dir, { recursive: true, force: true });
});

async function proxy(p: Promise<RunningProxy | undefined>): Promise<RunningProxy> {
  const r = (await p)!;
  proxies.push(r);
  return r;
}

interface BenchJson {
  requests: { statusCounts: Record<string, number>; errorsByCode: Record<string, number> }[];
}
/** Status and error counts summed over the result's requests. */
function counts(stdout: string): { status: Record<string, number>; errors: Record<string, number> } {
  const r = JSON.parse(stdout) as BenchJson;
  const status: Record<string, number> = {};
  const errors: Record<string, number> = {};
  for (const q of r.requests) {
    for (const [k, v] of Object.entries(q.statusCounts)) status[k] = (status[k] ?? 0) + v;
    for (const [k, v] of Object.entries(q.errorsByCode)) errors[k] = (errors[k] ?? 0) + v;
  }
  return { status, errors };
}

describe.skipIf(noTiny !== '')('request / bench through tinyproxy', () => {
  it('request -x reaches the bundled server through the proxy (its log has the CONNECT)', async () => {
    const tp = await proxy(startTinyproxy());
    const r = await fastbench(['request', `${plainUrl}/anything/via`, '-x', tp.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).status).toBe(200);
    expect(tp.log()).toContain(`CONNECT 127.0.0.1:${new URL(plainUrl).port}`);
  });

  it('http_proxy in the environment is used; NO_PROXY and --noproxy skip it', async () => {
    const tp = await proxy(startTinyproxy());
    const port = new URL(plainUrl).port;
    const used = await fastbench(['request', `${plainUrl}/env`, '--json'], { http_proxy: tp.url });
    expect(used.code, used.stderr).toBe(0);
    expect(tp.log()).toContain(`CONNECT 127.0.0.1:${port}`);
    const before = tp.log().split('CONNECT').length;
    const skipped = await fastbench(['request', `${plainUrl}/env2`, '--json'], { http_proxy: tp.url, NO_PROXY: '127.0.0.0/8' });
    expect(skipped.code, skipped.stderr).toBe(0);
    const flag = await fastbench(['request', `${plainUrl}/env3`, '--json', '--noproxy', '127.0.0.1'], { http_proxy: tp.url });
    expect(flag.code, flag.stderr).toBe(0);
    expect(tp.log().split('CONNECT').length).toBe(before);
    // As curl: upper-case HTTP_PROXY is not read for http:// (only https_proxy has an upper-case twin).
    const upper = await fastbench(['request', `${plainUrl}/env4`, '--json'], { HTTP_PROXY: 'http://127.0.0.1:1' });
    expect(upper.code, upper.stderr).toBe(0);
  });

  it('bench through a proxy that wants credentials counts ERR_PROXY_AUTH; with user:pass all 200', async () => {
    const tp = await proxy(startTinyproxy({ auth: { user: 'u', password: 'p' } }));
    const denied = await fastbench(['bench', `${plainUrl}/plaintext`, '-n', '20', '-c', '2', '-d', '3s', '-x', tp.url.replace('u:p@', ''), '--json', '-q']);
    expect(counts(denied.stdout).errors.ERR_PROXY_AUTH).toBeGreaterThan(0);
    const ok = await fastbench(['bench', `${plainUrl}/plaintext`, '-n', '20', '-c', '2', '-x', tp.url, '--json', '-q']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(counts(ok.stdout).status['200']).toBe(20);
  });
});

describe.skipIf(noSocks !== '' || noPki !== '')('bench / run through microsocks', () => {
  it('bench -x socks5h:// to the bundled https server (TLS inside the tunnel, --cacert) → 200s; proxy stopped → counted refusals', async () => {
    const ms = await proxy(startMicrosocks());
    const url = `https://localhost:${securePort}/plaintext`;
    const ok = await fastbench(['bench', url, '-n', '30', '-c', '3', '-x', ms.url.replace('socks5:', 'socks5h:'), '--cacert', pki.caCert, '--json', '-q']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(counts(ok.stdout).status['200']).toBe(30);
    await ms.stop();
    const down = await fastbench(['bench', url, '-n', '5', '-c', '1', '-d', '3s', '-x', ms.url, '--cacert', pki.caCert, '--json', '-q']);
    expect(counts(down.stdout).errors.ERR_CONN_REFUSED).toBeGreaterThan(0);
  });

  it('run: client.proxy and a target with its own tls block', async () => {
    const ms = await proxy(startMicrosocks());
    const file = join(dir, 'proxied.yaml');
    writeFileSync(
      file,
      `name: proxied
client:
  proxy: ${ms.url}
targets:
  - url: https://localhost:${securePort}
    tls:
      ca: ${pki.caCert}
      minVersion: 1.2
load:
  - requests: 10
    connections: 2
requests:
  - path: /plaintext
`,
    );
    const r = await fastbench(['run', file, '--json', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(counts(r.stdout).status['200']).toBe(10);
    // Without the CA the same target is refused: the tls block is what made it pass.
    writeFileSync(file, `name: no-ca\nclient:\n  proxy: ${ms.url}\ntarget: https://localhost:${securePort}\nload:\n  - requests: 3\n    connections: 1\nrequests:\n  - path: /plaintext\n`);
    const refused = await fastbench(['run', file, '--json', '-q']);
    expect(counts(refused.stdout).errors.ERR_TLS_CERT).toBeGreaterThan(0);
  });
});

describe.skipIf(noPki !== '')('mutual TLS from the command line', () => {
  it.skipIf(noNginx !== '')('bench against nginx ssl_verify_client: no cert → 400s; --cert/--key → 200s; PKCS#12 → 200s', async () => {
    const url = `https://localhost:${nginx!.port}/`;
    const bare = await fastbench(['bench', url, '-n', '10', '-c', '1', '--cacert', pki.caCert, '--json', '-q']);
    expect(counts(bare.stdout).status['400']).toBe(10);
    const pem = await fastbench(['bench', url, '-n', '10', '-c', '1', '--cacert', pki.caCert, '--cert', pki.clientCert, '--key', pki.clientKey, '--json', '-q']);
    expect(pem.code, pem.stderr).toBe(0);
    expect(counts(pem.stdout).status['200']).toBe(10);
    const p12 = await fastbench(['bench', url, '-n', '10', '-c', '1', '--cacert', pki.caCert, '--cert', `${pki.clientP12}:${pki.p12Pass}`, '--cert-type', 'P12', '--json', '-q']);
    expect(p12.code, p12.stderr).toBe(0);
    expect(counts(p12.stdout).status['200']).toBe(10);
    const req = await fastbench(['request', url, '--cacert', pki.caCert, '--cert', pki.clientP12, '--pass', pki.p12Pass, '--tlsv1.2', '--tls-max', '1.2']);
    expect(req.code, req.stderr).toBe(0);
    expect(req.stdout).toContain('hello CN=fastbench client');
    // nginx 1.22 speaks TLS 1.2 at most by default: --tlsv1.3 reaches the handshake and fails it.
    const v13 = await fastbench(['request', url, '--cacert', pki.caCert, '--cert', pki.clientP12, '--pass', pki.p12Pass, '--tlsv1.3']);
    if (v13.code !== 0) expect(v13.stderr).toContain('error[ERR_TLS_HANDSHAKE]');
  });

  it('a server that refuses the handshake: errors counted as ERR_TLS_CLIENT_CERT', async () => {
    const r = await fastbench(['bench', `https://localhost:${strictPort}/`, '-n', '4', '-c', '1', '-d', '3s', '--cacert', pki.caCert, '--json', '-q']);
    expect(counts(r.stdout).errors.ERR_TLS_CLIENT_CERT).toBeGreaterThan(0);
  });

  it('a wrong passphrase is ERR_TLS_CONFIG, exit 2, before anything is sent; a wrong CA is ERR_TLS_CERT; -k still works', async () => {
    const bad = await fastbench(['bench', `https://localhost:${securePort}/`, '-n', '1', '--cert', pki.clientP12, '--pass', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error[ERR_TLS_CONFIG]');
    const file = join(dir, 'bad-tls.yaml');
    writeFileSync(file, `target: https://localhost:${securePort}\nclient:\n  tls:\n    pfx: ${pki.clientP12}\n    passphrase: nope\nload:\n  - requests: 1\nrequests:\n  - path: /\n`);
    for (const cmd of ['validate', 'run']) {
      const v = await fastbench([cmd, file]);
      expect(v.code).toBe(2);
      expect(v.stderr).toContain('error[ERR_TLS_CONFIG]');
    }
    const wrongCa = await fastbench(['request', `https://localhost:${securePort}/plaintext`, '--cacert', pki.otherCaCert, '--json']);
    expect(JSON.parse(wrongCa.stdout).error.code).toBe('ERR_TLS_CERT');
    const insecure = await fastbench(['request', `https://localhost:${securePort}/plaintext`, '--cacert', pki.otherCaCert, '-k', '--json']);
    expect(JSON.parse(insecure.stdout).status).toBe(200);
  });
});
