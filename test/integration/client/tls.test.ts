// HostClient over TLS against a local https server with a self-signed certificate made by
// openssl for this run (skipped, saying why, when openssl is not usable).
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastbenchError } from '../../../src/core/errors.js';
import { http1 } from '../../../src/client/h1/connection.js';
import { HostClient, type HostClientOptions } from '../../../src/client/host-client.js';
import { Request } from '../../../src/client/request.js';
import { Response } from '../../../src/client/response.js';
import { fakeProtocol } from '../../fixtures/client/fake-protocol.js';
import { selfSignedCert, until } from '../../fixtures/client/servers.js';

const cert = selfSignedCert();
const skip = 'skip' in cert ? cert.skip : '';
if (skip !== '') console.log(`TLS tests skipped: ${skip}`);

let server: https.Server;
let port = 0;
let connections = 0;
const servernames: (string | false)[] = [];

beforeAll(async () => {
  if (skip !== '' || 'skip' in cert) return;
  server = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    if (req.url === '/close') res.setHeader('Connection', 'close');
    res.end(`secure ${req.url}`);
  });
  server.on('secureConnection', (s: tls.TLSSocket) => {
    connections++;
    servernames.push(s.servername);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  if (server === undefined) return;
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const clients: HostClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

function client(options: Partial<HostClientOptions>): HostClient {
  const c = new HostClient({ host: 'localhost', lookup: toLoopback, port, tls: true, ...options });
  clients.push(c);
  return c;
}

/** Maps "localhost" to 127.0.0.1 (Node asks for `all` addresses). */
function toLoopback(_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void): void {
  if (o.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}
const lookup = toLoopback as unknown as HostClientOptions['lookup'];

describe.skipIf(skip !== '')('HostClient over TLS', () => {
  it('talks https with insecure, sends SNI, and times the handshake', async () => {
    const c = client({ insecure: true, lookup });
    const res = new Response();
    await c.do(new Request({ url: '/x' }), res);
    expect(res.bodyText()).toBe('secure /x');
    expect(res.timing.tls).toBeGreaterThan(0);
    expect(res.timing.connect).toBeGreaterThan(0);
    expect(servernames.at(-1)).toBe('localhost');
    await c.do(new Request({ url: '/y' }), res);
    expect(res.timing.reused).toBe(true);
    expect(res.timing.tls).toBe(0);
  });

  it('rejects a self-signed certificate by default → ERR_TLS_CERT', async () => {
    const c = client({ lookup });
    let err: FastbenchError | undefined;
    try {
      await c.do(new Request({ url: '/' }), new Response());
    } catch (e) {
      err = e as FastbenchError;
    }
    expect(err?.code).toBe('ERR_TLS_CERT');
    expect(err?.category).toBe('transport');
  });

  it('accepts the certificate when its CA is given', async () => {
    const c = client({ lookup, tlsOptions: { ca: (cert as { cert: string }).cert } });
    const res = new Response();
    await c.do(new Request({ url: '/ca' }), res);
    expect(res.bodyText()).toBe('secure /ca');
  });

  it('resumes the TLS session on the next connection to the same host', async () => {
    const c = client({ insecure: true, lookup });
    const res = new Response();
    const before = connections;
    await c.do(new Request({ url: '/close' }), res); // the server closes: the next request dials again
    await new Promise((r) => setTimeout(r, 20)); // TLS 1.3 tickets arrive just after the handshake
    await c.do(new Request({ url: '/close' }), res);
    expect(connections - before).toBe(2);
    expect(c.dialer.dials).toBe(2);
    expect(c.dialer.resumed).toBe(1);
  });

  it('a server that never completes the handshake → ERR_TIMEOUT_TLS', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const sockets: net.Socket[] = [];
    silent.on('connection', (s) => sockets.push(s));
    try {
      const c = client({ port: (silent.address() as net.AddressInfo).port, insecure: true, lookup, tlsHandshakeTimeout: 40, sweepInterval: 5 });
      let err: FastbenchError | undefined;
      try {
        await c.do(new Request({ url: '/' }), new Response());
      } catch (e) {
        err = e as FastbenchError;
      }
      expect(err?.code).toBe('ERR_TIMEOUT_TLS');
      expect(err?.phase).toBe('tls');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

describe.skipIf(skip !== '')('ALPN: the dialer offers the pool\'s protocols; the answer picks the connection type', () => {
  /** A TLS server that records what each client offered and answers with `choose(offered)`. */
  async function alpnServer(choose: ((offered: string[]) => string | undefined) | null): Promise<{ port: number; offered: string[][]; close: () => Promise<void> }> {
    const offered: string[][] = [];
    const sockets = new Set<tls.TLSSocket>();
    const srv = tls.createServer(
      {
        key: (cert as { key: string }).key,
        cert: (cert as { cert: string }).cert,
        // null: a server that does no ALPN at all.
        ...(choose === null
          ? {}
          : {
              ALPNCallback: ({ protocols }: { protocols: string[] }) => {
                offered.push([...protocols]);
                return choose(protocols);
              },
            }),
      },
      (s) => {
        sockets.add(s);
        s.on('error', () => {});
        // Enough HTTP/1 for one exchange per request head.
        s.on('data', () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nh1'));
      },
    );
    srv.on('tlsClientError', () => {});
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    return {
      port: (srv.address() as net.AddressInfo).port,
      offered,
      close: async () => {
        for (const s of sockets) s.destroy();
        await new Promise<void>((r) => srv.close(() => r()));
      },
    };
  }

  it('offers the protocols in order; the server\'s choice of the second protocol gets that factory\'s connection', async () => {
    const srv = await alpnServer((p) => (p.includes('x-fake') ? 'x-fake' : undefined));
    try {
      const fake = fakeProtocol(4);
      const c = client({ port: srv.port, insecure: true, lookup, protocols: [http1, fake] });
      const pending = c.do(new Request({ url: '/f' }), new Response());
      await until(() => fake.made.length === 1 && fake.made[0]!.inFlight === 1);
      expect(srv.offered[0]).toEqual(['http/1.1', 'x-fake']);
      fake.made[0]!.answer('/f', 'via fake');
      expect((await pending).bodyText()).toBe('via fake');
    } finally {
      await srv.close();
    }
  });

  it('the same client speaks HTTP/1.1 when the server picks it (default list: just http/1.1)', async () => {
    const srv = await alpnServer((p) => (p.includes('http/1.1') ? 'http/1.1' : undefined));
    try {
      const fake = fakeProtocol(4);
      const c = client({ port: srv.port, insecure: true, lookup, protocols: [fake, http1] });
      const res = await c.do(new Request({ url: '/h' }), new Response());
      expect(res.bodyText()).toBe('h1');
      expect(fake.made.length).toBe(0);
      expect(srv.offered[0]).toEqual(['x-fake', 'http/1.1']);
      const plain = client({ port: srv.port, insecure: true, lookup });
      await plain.do(new Request({ url: '/h' }), new Response());
      expect(srv.offered[1]).toEqual(['http/1.1']);
    } finally {
      await srv.close();
    }
  });

  it('a server that accepts none of the offered protocols → ERR_PROTOCOL_UNSUPPORTED', async () => {
    const srv = await alpnServer(() => undefined);
    try {
      const c = client({ port: srv.port, insecure: true, lookup, protocols: [fakeProtocol(1, 'x-other')] });
      let err: FastbenchError | undefined;
      try {
        await c.do(new Request({ url: '/n' }), new Response());
      } catch (e) {
        err = e as FastbenchError;
      }
      expect(err?.code).toBe('ERR_PROTOCOL_UNSUPPORTED');
      expect(srv.offered[0]).toEqual(['x-other']);
    } finally {
      await srv.close();
    }
  });

  it('no ALPN answer means HTTP/1.1; offered only a protocol needing ALPN, that is ERR_PROTOCOL_UNSUPPORTED', async () => {
    const srv = await alpnServer(null);
    try {
      const c = client({ port: srv.port, insecure: true, lookup });
      expect((await c.do(new Request({ url: '/n' }), new Response())).bodyText()).toBe('h1');
      const fake = fakeProtocol(4);
      const only = client({ port: srv.port, insecure: true, lookup, protocols: [fake] });
      let err: FastbenchError | undefined;
      try {
        await only.do(new Request({ url: '/n' }), new Response());
      } catch (e) {
        err = e as FastbenchError;
      }
      expect(err?.code).toBe('ERR_PROTOCOL_UNSUPPORTED');
      expect(fake.made.length).toBe(0);
    } finally {
      await srv.close();
    }
  });
});
