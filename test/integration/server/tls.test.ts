// https with a self-signed certificate made by the openssl CLI, verified by a strict client.
import { execFileSync } from 'node:child_process';
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import { createServer } from '../../../src/server/server.js';
import { makeSelfSignedCertificate } from '../../../src/server/tls-cert.js';
import { stubApp } from './stub-app.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasOpenssl)('TLS', () => {
  it('serves https that a verifying client accepts for 127.0.0.1 and localhost', async () => {
    const tls = makeSelfSignedCertificate();
    const server = createServer({ port: 0, quiet: true, dispatcher: stubApp(), tls: { cert: tls.cert, key: tls.key } });
    try {
      const { url, port } = await server.listen();
      expect(url).toBe(`https://127.0.0.1:${port}`);
      for (const host of ['127.0.0.1', 'localhost']) {
        const body = await new Promise<string>((resolve, reject) => {
          const req = https.get({ host, port, path: '/echo', ca: tls.cert, agent: false }, (res) => {
            let b = '';
            res.on('data', (d) => (b += d));
            res.on('end', () => resolve(b));
          });
          req.on('error', reject);
        });
        expect(body).toBe('GET /echo 1.1 seq=0 x-test= body=');
      }
    } finally {
      await server.close(200);
      tls.cleanup();
    }
  });
});
