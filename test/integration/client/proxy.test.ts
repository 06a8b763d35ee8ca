// The client through real proxies started here on loopback: tinyproxy (HTTP CONNECT, BasicAuth,
// ConnectPort) and microsocks (SOCKS5, user/password), for http and https targets. That the
// traffic really went through the proxy is shown by the proxy's log (tinyproxy), by names only
// the proxy or only we can resolve (socks5h vs socks5), and by stopping the proxy.
import https from 'node:https';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../../../src/client/client.js';
import { HostClient, type HostClientOptions } from '../../../src/client/host-client.js';
import { Request } from '../../../src/client/request.js';
import { Response } from '../../../src/client/response.js';
import type { FastbenchError } from '../../../src/core/errors.js';
import { makePki, type Pki } from '../../fixtures/client/pki.js';
import { type RunningProxy, MICROSOCKS, TINYPROXY, startMicrosocks, startTinyproxy } from '../../fixtures/client/proxies.js';
import { type TestServer, startHttp, startRaw } from '../../fixtures/client/servers.js';
import { existsSync } from 'node:fs';

const noTiny = existsSync(TINYPROXY) ? '' : `${TINYPROXY} is not installed`;
const noSocks = existsSync(MICROSOCKS) ? '' : `${MICROSOCKS} is not installed`;
if (noTiny !== '') console.log(`tinyproxy tests skipped: ${noTiny}`);
if (noSocks !== '') console.log(`SOCKS5 tests skipped: ${noSocks}`);
const pki = makePki();
const noPki = 'skip' in pki ? pki.skip : '';
if (noPki !== '') console.log(`https-through-proxy tests skipped: ${noPki}`);

let plain: TestServer;
let secure: https.Server | undefined;
let securePort = 0;
const proxies: RunningProxy[] = [];
const clients: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  plain = await startHttp((req, res) => res.end(`plain ${req.url}`));
  if (!('skip' in pki)) {
    secure = https.createServer({ key: pki.read(pki.serverKey), cert: pki.read(pki.serverCert) }, (req, res) => res.end(`secure ${req.url}`));
    await new Promise<void>((r) => secure!.listen(0, '127.0.0.1', () => r()));
    securePort = (secure.address() as net.AddressInfo).port;
  }
});

afterAll(async () => {
  for (const c of clients) await c.close();
  for (const p of proxies) await p.stop();
  await plain.close();
  if (secure !== undefined) {
    secure.closeAllConnections();
    await new Promise<void>((r) => secure!.close(() => r()));
  }
});

async function proxy(p: Promise<RunningProxy | undefined>): Promise<RunningProxy> {
  const r = await p;
  if (r === undefined) throw new Error('proxy binary vanished');
  proxies.push(r);
  return r;
}

function client(o: ConstructorParameters<typeof Client>[0]): Client {
  const c = new Client({ connectTimeout: 5000, ...o });
  clients.push(c);
  return c;
}

async function get(c: Client | HostClient, url: string): Promise<{ res: Response; err: FastbenchError | undefined }> {
  const res = new Response();
  try {
    await c.do(new Request({ url }), res);
    return { res, err: undefined };
  } catch (e) {
    return { res, err: e as FastbenchError };
  }
}

describe.skipIf(noTiny !== '')('through tinyproxy (HTTP CONNECT)', () => {
  it('tunnels http and keeps the connection; the proxy logs the CONNECT; stopping it fails new dials', async () => {
    const tp = await proxy(startTinyproxy({ connectPorts: [plain.port] }));
    const c = client({ proxy: tp.url });
    const a = await get(c, `http://127.0.0.1:${plain.port}/one`);
    expect(a.err).toBeUndefined();
    expect(a.res.bodyText()).toBe('plain /one');
    const b = await get(c, `http://127.0.0.1:${plain.port}/two`);
    expect(b.res.bodyText()).toBe('plain /two');
    expect(b.res.timing.reused).toBe(true);
    expect(tp.log()).toContain(`CONNECT 127.0.0.1:${plain.port}`);
    await tp.stop();
    const again = client({ proxy: tp.url });
    const d = await get(again, `http://127.0.0.1:${plain.port}/three`);
    expect(d.err?.code).toBe('ERR_CONN_REFUSED');
  });

  it.skipIf(noPki !== '')('tunnels https (TLS to the origin inside the tunnel, verified with the CA)', async () => {
    const tp = await proxy(startTinyproxy());
    const c = client({ proxy: tp.url, tlsOptions: { ca: (pki as Pki).read((pki as Pki).caCert) } });
    const a = await get(c, `https://localhost:${securePort}/s`);
    expect(a.err).toBeUndefined();
    expect(a.res.bodyText()).toBe('secure /s');
    expect(a.res.timing.tls).toBeGreaterThan(0);
    expect(tp.log()).toContain(`CONNECT localhost:${securePort}`);
  });

  it('a CONNECT the proxy forbids → ERR_PROXY_CONNECT with its status', async () => {
    const tp = await proxy(startTinyproxy({ connectPorts: [1] }));
    const { err } = await get(client({ proxy: tp.url }), `http://127.0.0.1:${plain.port}/`);
    expect(err?.code).toBe('ERR_PROXY_CONNECT');
    expect(err?.message).toMatch(/answered CONNECT with 403/);
  });

  it('BasicAuth: no credentials → ERR_PROXY_AUTH (407); user:pass in the URL → 200', async () => {
    const tp = await proxy(startTinyproxy({ auth: { user: 'bob', password: 's3cret' } }));
    const bare = tp.url.replace('bob:s3cret@', '');
    const denied = await get(client({ proxy: bare }), `http://127.0.0.1:${plain.port}/`);
    expect(denied.err?.code).toBe('ERR_PROXY_AUTH');
    const wrong = await get(client({ proxy: tp.url.replace('s3cret', 'nope') }), `http://127.0.0.1:${plain.port}/`);
    expect(wrong.err?.code).toBe('ERR_PROXY_AUTH'); // tinyproxy answers 401 to wrong credentials
    const ok = await get(client({ proxy: tp.url }), `http://127.0.0.1:${plain.port}/auth`);
    expect(ok.err).toBeUndefined();
    expect(ok.res.bodyText()).toBe('plain /auth');
  });

  it('http_proxy from the environment, NO_PROXY bypasses it (pools are per (proxy, origin))', async () => {
    const tp = await proxy(startTinyproxy());
    const c = client({ proxy: { env: { http_proxy: tp.url, NO_PROXY: `localhost:${plain.port}` } } });
    expect((await get(c, `http://127.0.0.1:${plain.port}/via`)).res.bodyText()).toBe('plain /via');
    expect((await get(c, `http://localhost:${plain.port}/direct`)).res.bodyText()).toBe('plain /direct');
    const log = tp.log();
    expect(log).toContain(`CONNECT 127.0.0.1:${plain.port}`);
    expect(log).not.toContain(`CONNECT localhost:${plain.port}`);
    expect(c.hostCount).toBe(2);
  });
});

describe.skipIf(noSocks !== '')('through microsocks (SOCKS5)', () => {
  it('socks5h:// sends the name (the proxy resolves it): http and https', async () => {
    const ms = await proxy(startMicrosocks());
    const c = client({ proxy: ms.url.replace('socks5:', 'socks5h:'), ...(noPki === '' ? { tlsOptions: { ca: (pki as Pki).read((pki as Pki).caCert) } } : {}) });
    const a = await get(c, `http://localhost:${plain.port}/h`);
    expect(a.err).toBeUndefined();
    expect(a.res.bodyText()).toBe('plain /h');
    if (noPki === '') {
      const b = await get(c, `https://localhost:${securePort}/hs`);
      expect(b.err).toBeUndefined();
      expect(b.res.bodyText()).toBe('secure /hs');
    }
    // A name only the proxy would have to resolve, and cannot: the SOCKS5 reply code comes back.
    const { err } = await get(c, `http://no-such-host.invalid:${plain.port}/`);
    expect(err?.code).toBe('ERR_SOCKS_CONNECT');
    expect(err?.message).toMatch(/replied \d/);
  });

  it('socks5:// resolves here: a name only our resolver knows works; stopping the proxy fails new dials', async () => {
    const ms = await proxy(startMicrosocks());
    const lookup = ((host: string, o: { all?: boolean }, cb: (...a: unknown[]) => void): void => {
      if (host !== 'only-we-know.test') return cb(Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' }));
      if (o.all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
      else cb(null, '127.0.0.1', 4);
    }) as unknown as HostClientOptions['lookup'];
    const hc = new HostClient({ host: 'only-we-know.test', port: plain.port, proxy: ms.url, lookup, connectTimeout: 5000 });
    clients.push(hc);
    const a = await get(hc, '/local');
    expect(a.err).toBeUndefined();
    expect(a.res.bodyText()).toBe('plain /local');
    // The same name through socks5h fails at the proxy: so the name above was resolved by us.
    const remote = new HostClient({ host: 'only-we-know.test', port: plain.port, proxy: ms.url.replace('socks5:', 'socks5h:'), lookup, connectTimeout: 5000 });
    clients.push(remote);
    expect((await get(remote, '/')).err?.code).toBe('ERR_SOCKS_CONNECT');
    // Client's own DNS cache does the local lookup too.
    const cached = await get(client({ proxy: ms.url }), `http://localhost:${plain.port}/cache`);
    expect(cached.res.bodyText()).toBe('plain /cache');
    await ms.stop();
    const after = await get(client({ proxy: ms.url }), `http://127.0.0.1:${plain.port}/`);
    expect(after.err?.code).toBe('ERR_CONN_REFUSED');
  });

  it('user/password: wrong → ERR_PROXY_AUTH, right → 200', async () => {
    const ms = await proxy(startMicrosocks({ auth: { user: 'ann', password: 'pw1' } }));
    const wrong = await get(client({ proxy: ms.url.replace('pw1', 'bad') }), `http://127.0.0.1:${plain.port}/`);
    expect(wrong.err?.code).toBe('ERR_PROXY_AUTH');
    const none = await get(client({ proxy: ms.url.replace('ann:pw1@', '') }), `http://127.0.0.1:${plain.port}/`);
    expect(none.err?.code).toBe('ERR_PROXY_AUTH');
    const ok = await get(client({ proxy: ms.url }), `http://127.0.0.1:${plain.port}/ok`);
    expect(ok.err).toBeUndefined();
    expect(ok.res.bodyText()).toBe('plain /ok');
  });
});

describe('misbehaving proxies (raw sockets)', () => {
  it('a proxy that never answers CONNECT: the handshake is under connectTimeout → ERR_TIMEOUT_CONNECT', async () => {
    const silent = await startRaw(() => {});
    try {
      const { err } = await get(client({ proxy: `http://127.0.0.1:${silent.port}`, connectTimeout: 200 }), `http://127.0.0.1:${plain.port}/`);
      expect(err?.code).toBe('ERR_TIMEOUT_CONNECT');
      expect(err?.phase).toBe('connect');
    } finally {
      await silent.close();
    }
  });

  it('bytes past the end of the CONNECT answer → ERR_PROXY_PROTOCOL; a proxy closing mid-handshake → ERR_CONN_CLOSED_EARLY', async () => {
    const chatty = await startRaw((socket) => socket.write('HTTP/1.1 200 OK\r\n\r\nsurprise'));
    const closer = await startRaw((socket) => socket.end());
    try {
      expect((await get(client({ proxy: `http://127.0.0.1:${chatty.port}` }), `http://127.0.0.1:${plain.port}/`)).err?.code).toBe('ERR_PROXY_PROTOCOL');
      expect((await get(client({ proxy: `http://127.0.0.1:${closer.port}` }), `http://127.0.0.1:${plain.port}/`)).err?.code).toBe('ERR_CONN_CLOSED_EARLY');
    } finally {
      await chatty.close();
      await closer.close();
    }
  });
});
