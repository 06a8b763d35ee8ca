// TLS identity against real servers: nginx with `ssl_verify_client on` (it completes the
// handshake and answers 400 when the client certificate is missing or bad), and a node:tls
// server that refuses the handshake itself (→ ERR_TLS_CLIENT_CERT). The CA, server and client
// certificates (and a PKCS#12 of the client's) are made with openssl in a temp dir.
import https from 'node:https';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, type ClientOptions } from '../../../src/client/client.js';
import { Request } from '../../../src/client/request.js';
import { Response } from '../../../src/client/response.js';
import type { FastbenchError } from '../../../src/core/errors.js';
import { makePki, type Pki } from '../../fixtures/client/pki.js';
import { type Nginx, nginxPath, startNginxServers } from '../../fixtures/nginx.js';

const made = makePki();
const skipPki = 'skip' in made ? made.skip : '';
const skipNginx = nginxPath() === undefined ? 'nginx is not installed' : '';
if (skipPki !== '') console.log(`mTLS tests skipped: ${skipPki}`);
if (skipNginx !== '') console.log(`nginx mTLS tests skipped: ${skipNginx}`);
const pki = made as Pki;

let nginx: (Nginx & { ports: number[] }) | undefined;
let strict: https.Server | undefined;
let strictPort = 0;
const clients: Client[] = [];

beforeAll(async () => {
  if (skipPki !== '') return;
  if (skipNginx === '') {
    nginx = await startNginxServers(
      (_dir, [mtls, tls12]) => `
  server {
    listen 127.0.0.1:${mtls} ssl;
    ssl_certificate ${pki.serverCert};
    ssl_certificate_key ${pki.serverKey};
    ssl_client_certificate ${pki.caCert};
    ssl_verify_client on;
    location / { return 200 "client=$ssl_client_s_dn sni=$ssl_server_name proto=$ssl_protocol alpn=$ssl_alpn_protocol\\n"; }
  }
  server {
    listen 127.0.0.1:${tls12} ssl;
    ssl_certificate ${pki.serverCert};
    ssl_certificate_key ${pki.serverKey};
    ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305;
    location / { return 200 "proto=$ssl_protocol cipher=$ssl_cipher\\n"; }
  }`,
      { ports: 2 },
    );
  }
  strict = https.createServer({ key: pki.read(pki.serverKey), cert: pki.read(pki.serverCert), ca: pki.read(pki.caCert), requestCert: true, rejectUnauthorized: true }, (_req, res) => res.end('strict ok'));
  await new Promise<void>((r) => strict!.listen(0, '127.0.0.1', () => r()));
  strictPort = (strict.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await nginx?.stop();
  if (strict !== undefined) {
    strict.closeAllConnections();
    await new Promise<void>((r) => strict!.close(() => r()));
  }
});

function client(o: ClientOptions): Client {
  const c = new Client({ connectTimeout: 5000, ...o });
  clients.push(c);
  return c;
}

async function get(c: Client, url: string): Promise<{ res: Response; err: FastbenchError | undefined }> {
  const res = new Response();
  try {
    await c.do(new Request({ url }), res);
    return { res, err: undefined };
  } catch (e) {
    return { res, err: e as FastbenchError };
  }
}

const ca = (): Buffer => pki.read(pki.caCert);

describe.skipIf(skipPki !== '' || skipNginx !== '')('mutual TLS against nginx (ssl_verify_client on)', () => {
  const url = (path = '/'): string => `https://localhost:${nginx!.ports[0]}${path}`;

  it('without a client certificate nginx refuses the request (400, "No required SSL certificate")', async () => {
    const { res, err } = await get(client({ tlsOptions: { ca: ca() } }), url());
    expect(err).toBeUndefined();
    expect(res.status).toBe(400);
    expect(res.bodyText()).toContain('No required SSL certificate was sent');
  });

  it('with the client certificate and key (PEM) → 200, nginx sees our subject', async () => {
    const { res, err } = await get(client({ tlsOptions: { ca: ca(), cert: pki.read(pki.clientCert), key: pki.read(pki.clientKey) } }), url());
    expect(err).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.bodyText()).toContain('client=CN=fastbench client');
  });

  it('with the PKCS#12 and its passphrase → 200', async () => {
    const { res } = await get(client({ tlsOptions: { ca: ca(), pfx: pki.read(pki.clientP12), passphrase: pki.p12Pass } }), url());
    expect(res.status).toBe(200);
    expect(res.bodyText()).toContain('client=CN=fastbench client');
  });

  it('a CA bundle that did not sign the server → ERR_TLS_CERT; --insecure still connects', async () => {
    const identity = { cert: pki.read(pki.clientCert), key: pki.read(pki.clientKey) };
    const wrong = await get(client({ tlsOptions: { ca: pki.read(pki.otherCaCert), ...identity } }), url());
    expect(wrong.err?.code).toBe('ERR_TLS_CERT');
    const insecure = await get(client({ insecure: true, tlsOptions: { ca: pki.read(pki.otherCaCert), ...identity } }), url());
    expect(insecure.res.status).toBe(200);
  });

  it('servername sets SNI; alpn [http/1.1] is what is offered', async () => {
    const { res } = await get(client({ insecure: true, servername: 'alt.example', alpn: ['http/1.1'], tlsOptions: { cert: pki.read(pki.clientCert), key: pki.read(pki.clientKey) } }), url());
    expect(res.bodyText()).toContain('sni=alt.example');
    expect(res.bodyText()).toContain('alpn=http/1.1');
  });

  it('minVersion/maxVersion and ciphers reach the handshake', async () => {
    const tls12 = `https://localhost:${nginx!.ports[1]}/`;
    const only13 = await get(client({ tlsOptions: { ca: ca(), minVersion: 'TLSv1.3' } }), tls12);
    expect(only13.err?.code).toBe('ERR_TLS_HANDSHAKE');
    const pinned = await get(client({ tlsOptions: { ca: ca(), maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' } }), tls12);
    expect(pinned.err).toBeUndefined();
    expect(pinned.res.bodyText()).toContain('proto=TLSv1.2 cipher=ECDHE-ECDSA-CHACHA20-POLY1305');
  });
});

describe.skipIf(skipPki !== '')('TLS identity errors', () => {
  it('a server that refuses the handshake without a client certificate → ERR_TLS_CLIENT_CERT; with it → 200', async () => {
    const url = `https://localhost:${strictPort}/`;
    const refused = await get(client({ tlsOptions: { ca: ca() } }), url);
    expect(refused.err?.code).toBe('ERR_TLS_CLIENT_CERT');
    const ok = await get(client({ tlsOptions: { ca: ca(), pfx: pki.read(pki.clientP12), passphrase: pki.p12Pass } }), url);
    expect(ok.res.bodyText()).toBe('strict ok');
  });

  it('a wrong PKCS#12 passphrase, or a key of another certificate → ERR_TLS_CONFIG when the client is made', () => {
    expect(() => client({ tlsOptions: { pfx: pki.read(pki.clientP12), passphrase: 'wrong' } })).toThrow(expect.objectContaining({ code: 'ERR_TLS_CONFIG' }));
    expect(() => client({ tlsOptions: { cert: pki.read(pki.clientCert), key: pki.read(pki.serverKey) } })).toThrow(expect.objectContaining({ code: 'ERR_TLS_CONFIG', message: expect.stringMatching(/does not belong/) }));
  });
});
