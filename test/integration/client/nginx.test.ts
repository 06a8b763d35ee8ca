// The pooled clients against a real nginx (Debian package): keep-alive reuse, HEAD, a large
// static file, pipelining. Skipped with a printed reason when nginx is absent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostClient } from '../../../src/client/host-client.js';
import { PipelineClient } from '../../../src/client/pipeline-client.js';
import { Request } from '../../../src/client/request.js';
import { Response } from '../../../src/client/response.js';
import { type Nginx, nginxPath, startNginx } from '../../fixtures/nginx.js';

const have = nginxPath() !== undefined;
if (!have) console.log('skipping nginx client tests: nginx is not installed (apt-get install nginx-light; CI installs it)');

const big = Buffer.alloc(1 << 20, 'abcdefghij');

describe.runIf(have)('clients against nginx', () => {
  let nginx: Nginx;
  beforeAll(async () => {
    nginx = (await startNginx(
      `
    location = /plaintext { default_type text/plain; return 200 "Hello, World!"; }
    location = /big.bin { }
    location = /missing { return 404; }
    location = /redirect { return 302 /plaintext; }
    `,
      { 'big.bin': big },
    ))!;
  });
  afterAll(() => nginx?.stop());

  it('reuses keep-alive connections', async () => {
    const c = new HostClient({ host: '127.0.0.1', port: nginx.port, maxConns: 2 });
    try {
      const res = new Response();
      const req = new Request({ url: '/plaintext' });
      for (let i = 0; i < 50; i++) {
        await c.do(req, res);
        expect(res.status).toBe(200);
        expect(res.bodyText()).toBe('Hello, World!');
        res.reset();
      }
      expect(c.connCount).toBeLessThanOrEqual(2);
    } finally {
      await c.close();
    }
  });

  it('HEAD has no body; 404 and 302 are plain responses', async () => {
    const c = new HostClient({ host: '127.0.0.1', port: nginx.port });
    try {
      const head = await c.do(new Request({ method: 'HEAD', url: '/big.bin' }), new Response());
      expect(head.status).toBe(200);
      expect(head.header('content-length')).toBe(String(big.length));
      expect(head.body.length).toBe(0);
      expect((await c.do(new Request({ url: '/missing' }), new Response())).status).toBe(404);
      const r = await c.do(new Request({ url: '/redirect' }), new Response());
      expect(r.status).toBe(302);
      expect(r.header('location')).toMatch(/\/plaintext$/);
      // the connection is still good after all of that
      expect((await c.do(new Request({ url: '/plaintext' }), new Response())).bodyText()).toBe('Hello, World!');
    } finally {
      await c.close();
    }
  });

  it('reads a 1 MiB static file intact', async () => {
    const c = new HostClient({ host: '127.0.0.1', port: nginx.port });
    try {
      const res = await c.do(new Request({ url: '/big.bin' }), new Response());
      expect(res.body.equals(big)).toBe(true);
    } finally {
      await c.close();
    }
  });

  it('pipelines 200 requests over 2 connections, answers in order', async () => {
    const c = new PipelineClient({ host: '127.0.0.1', port: nginx.port, maxConns: 2, maxPendingRequests: 10 });
    try {
      const all = await Promise.all(
        Array.from({ length: 200 }, (_, i) => c.do(new Request({ url: i % 2 ? '/plaintext' : '/missing' }), new Response())),
      );
      all.forEach((r, i) => expect(r.status).toBe(i % 2 ? 200 : 404));
    } finally {
      await c.close();
    }
  });
});
