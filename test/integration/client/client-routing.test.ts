// Client (per-host routing, DNS cache, resolve overrides, redirects) and LBClient against real
// node:http servers on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../../src/client/client.js';
import { DnsCache } from '../../../src/client/dns-cache.js';
import { HostClient } from '../../../src/client/host-client.js';
import { LBClient } from '../../../src/client/lb-client.js';
import { Request } from '../../../src/client/request.js';
import { Response } from '../../../src/client/response.js';

interface Seen {
  host: string;
  method: string;
  url: string;
  auth: string | undefined;
  body: string;
}

function start(name: string, seen: Seen[]): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ host: req.headers.host ?? '', method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
      const m = /^\/r\/(\d+)$/.exec(req.url ?? '');
      if (m) {
        const n = Number(m[1]);
        res.writeHead(302, { location: n > 1 ? `/r/${n - 1}` : '/end' }).end();
      } else if (req.url === '/see-other') {
        res.writeHead(303, { location: '/end' }).end();
      } else if (req.url?.startsWith('/cross')) {
        res.writeHead(307, { location: `http://b.test:${(server.address() as AddressInfo).port}/end` }).end();
      } else if (req.url === '/loop') {
        res.writeHead(301, { location: '/loop' }).end();
      } else if (req.url === '/nowhere') {
        res.writeHead(302).end();
      } else {
        res.end(`${name}:${req.method}:${req.url}`);
      }
    });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({ server, port: (server.address() as AddressInfo).port })));
}

describe('Client', () => {
  const seen: Seen[] = [];
  let server: Server;
  let port: number;
  beforeAll(async () => {
    ({ server, port } = await start('s', seen));
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it('routes host names through resolve overrides, one pool per origin, Host kept', async () => {
    const client = new Client({ resolve: [`a.test:${port}:127.0.0.1`, `b.test:${port}:127.0.0.1`] });
    try {
      const res = new Response();
      for (const h of ['a.test', 'b.test', 'a.test']) {
        await client.do(new Request({ url: `http://${h}:${port}/hello` }), res);
        expect(res.status).toBe(200);
        expect(res.bodyText()).toBe('s:GET:/hello');
      }
      expect(seen.slice(-3).map((s) => s.host)).toEqual([`a.test:${port}`, `b.test:${port}`, `a.test:${port}`]);
      expect(client.hostCount).toBe(2);
    } finally {
      await client.close();
    }
  });

  it('maps 120 host names onto loopback with one DNS lookup per host', async () => {
    const lookups: string[] = [];
    const dns = new DnsCache({ resolver: (host, cb) => { lookups.push(host); setImmediate(() => cb(null, [{ address: '127.0.0.1', family: 4 }])); } });
    const client = new Client({ dnsCache: dns });
    try {
      const names = Array.from({ length: 120 }, (_, i) => `host${i}.test`);
      await Promise.all(names.map((n) => client.do(new Request({ url: `http://${n}:${port}/x` }), new Response())));
      await Promise.all(names.map((n) => client.do(new Request({ url: `http://${n}:${port}/y` }), new Response())));
      expect(lookups.sort()).toEqual([...names].sort());
      expect(client.hostCount).toBe(120);
    } finally {
      await client.close();
    }
  });

  it('refuses relative URLs and requests after close with typed errors', async () => {
    const client = new Client();
    expect(() => client.dispatch(new Request({ url: '/x' }), new Response(), { onResponse() {} })).toThrowError(expect.objectContaining({ code: 'ERR_USAGE_BAD_URL' }));
    await client.close();
    expect(() => client.dispatch(new Request({ url: `http://127.0.0.1:${port}/` }), new Response(), { onResponse() {} })).toThrowError(expect.objectContaining({ code: 'ERR_CLIENT_CLOSED' }));
  });

  it('doRedirects follows a chain and records the hops', async () => {
    const client = new Client();
    try {
      const res = new Response();
      const hops = { urls: [] as string[] };
      await client.doRedirects(new Request({ url: `http://127.0.0.1:${port}/r/3` }), res, 5, hops);
      expect(res.status).toBe(200);
      expect(res.bodyText()).toBe('s:GET:/end');
      expect(hops.urls.map((u) => new URL(u).pathname)).toEqual(['/r/3', '/r/2', '/r/1', '/end']);
    } finally {
      await client.close();
    }
  });

  it('doRedirects: limits, 303 turns POST into GET, missing Location', async () => {
    const client = new Client();
    try {
      await expect(client.doRedirects(new Request({ url: `http://127.0.0.1:${port}/loop` }), new Response(), 3)).rejects.toMatchObject({ code: 'ERR_TOO_MANY_REDIRECTS' });
      const res = new Response();
      await client.doRedirects(new Request({ method: 'POST', url: `http://127.0.0.1:${port}/see-other`, body: 'payload' }), res, 2);
      expect(res.bodyText()).toBe('s:GET:/end');
      expect(seen.at(-1)!.body).toBe('');
      await expect(client.doRedirects(new Request({ url: `http://127.0.0.1:${port}/nowhere` }), new Response(), 2)).rejects.toMatchObject({ code: 'ERR_BAD_REDIRECT' });
    } finally {
      await client.close();
    }
  });

  it('doRedirects: 307 to another origin keeps the body but drops credentials', async () => {
    const client = new Client({ resolve: [`a.test:${port}:127.0.0.1`, `b.test:${port}:127.0.0.1`] });
    try {
      const res = new Response();
      await client.doRedirects(new Request({ method: 'PUT', url: `http://a.test:${port}/cross`, headers: [['Authorization', 'Bearer secret']], body: 'data' }), res, 2);
      const [first, second] = seen.slice(-2);
      expect(first).toMatchObject({ host: `a.test:${port}`, auth: 'Bearer secret', body: 'data' });
      expect(second).toMatchObject({ host: `b.test:${port}`, method: 'PUT', auth: undefined, body: 'data' });
    } finally {
      await client.close();
    }
  });
});

describe('LBClient', () => {
  const seen: Seen[] = [];
  const servers: Server[] = [];
  const ports: number[] = [];
  beforeAll(async () => {
    for (const name of ['one', 'two']) {
      const s = await start(name, seen);
      servers.push(s.server);
      ports.push(s.port);
    }
  });
  afterAll(() => Promise.all(servers.map((s) => new Promise<void>((ok) => s.close(() => ok())))));

  it('spreads requests over backends', async () => {
    const lb = new LBClient({ clients: ports.map((p) => new HostClient({ host: '127.0.0.1', port: p })) });
    try {
      const res = await Promise.all(Array.from({ length: 40 }, () => lb.do(new Request({ url: '/spread' }), new Response())));
      const names = res.map((r) => r.bodyText().split(':')[0]);
      expect(names.filter((n) => n === 'one').length).toBeGreaterThan(5);
      expect(names.filter((n) => n === 'two').length).toBeGreaterThan(5);
    } finally {
      await lb.close();
    }
  });

  it('skips a backend that keeps failing, and tries it again later', async () => {
    // a port with nothing listening: take one and close it
    const dead = await start('dead', []);
    await new Promise<void>((ok) => dead.server.close(() => ok()));
    const lb = new LBClient({
      clients: [new HostClient({ host: '127.0.0.1', port: dead.port, dialBackoffBase: 1, dialBackoffMax: 5 }), new HostClient({ host: '127.0.0.1', port: ports[0]! })],
      maxFailures: 2,
      penaltyMs: 60_000,
    });
    try {
      const codes: string[] = [];
      for (let i = 0; i < 12; i++) {
        try {
          const r = await lb.do(new Request({ url: '/x' }), new Response());
          codes.push(String(r.status));
        } catch (e) {
          codes.push((e as { code: string }).code);
        }
      }
      const failures = codes.filter((c) => c === 'ERR_CONN_REFUSED').length;
      expect(failures).toBeGreaterThanOrEqual(1);
      expect(failures).toBeLessThanOrEqual(2);
      expect(codes.slice(-6).every((c) => c === '200')).toBe(true);
    } finally {
      await lb.close();
    }
  });
});
