// The bundled server's routes for the hooks examples (issue 16): /hmac/verify accepts exactly the
// FB-HMAC-SHA256 signature of the request it got; /oauth/* issue and check client-credentials tokens.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_HMAC_SECRET, fbSignature } from '../../../src/server/routes/signed.js';
import { createServer, type FastbenchServer } from '../../../src/server/server.js';

let server: FastbenchServer;
let url = '';
beforeAll(async () => {
  server = createServer({ port: 0, quiet: true });
  url = (await server.listen()).url;
});
afterAll(() => server.close(100));

const fbDate = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

function signed(method: string, path: string, query: string, body: string, opts: { secret?: string; date?: Date; tamper?: string } = {}): RequestInit & { url: string } {
  const host = new URL(url).host;
  const date = fbDate(opts.date ?? new Date());
  const sha = createHash('sha256').update(body).digest('hex');
  const sig = fbSignature(opts.secret ?? DEMO_HMAC_SECRET, method, path, query, host, date, sha);
  return {
    url: `${url}${path}${query !== '' ? `?${query}` : ''}`,
    method,
    headers: {
      'X-Fb-Date': date,
      'X-Fb-Content-Sha256': sha,
      Authorization: `FB-HMAC-SHA256 Credential=demo/${date.slice(0, 8)}, SignedHeaders=host;x-fb-content-sha256;x-fb-date, Signature=${sig}`,
    },
    ...(method !== 'GET' ? { body: opts.tamper ?? body } : {}),
  };
}

async function status(init: RequestInit & { url: string }): Promise<number> {
  const res = await fetch(init.url, init);
  await res.arrayBuffer();
  return res.status;
}

describe('/hmac/verify', () => {
  it('accepts a good signature (GET with a query, POST with a body)', async () => {
    expect(await status(signed('GET', '/hmac/verify', 'a=1&b=2', ''))).toBe(200);
    expect(await status(signed('POST', '/hmac/verify', '', '{"x":1}'))).toBe(200);
  });

  it('refuses a wrong secret, a tampered body, a stale date and no signature with 401', async () => {
    expect(await status(signed('GET', '/hmac/verify', '', '', { secret: 'guess' }))).toBe(401);
    expect(await status(signed('POST', '/hmac/verify', '', '{"x":1}', { tamper: '{"x":2}' }))).toBe(401);
    expect(await status(signed('GET', '/hmac/verify', '', '', { date: new Date(Date.now() - 3_600_000) }))).toBe(401);
    const res = await fetch(`${url}/hmac/verify`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toContain('missing Authorization');
  });
});

describe('/oauth', () => {
  const form = (secret = 'demo-secret', grant = 'client_credentials'): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=${grant}&client_id=demo&client_secret=${secret}`,
  });

  it('issues a token for the demo client (form or Basic), refuses others', async () => {
    const ok = await fetch(`${url}/oauth/token?expires_in=60`, form());
    const t = (await ok.json()) as { access_token: string; token_type: string; expires_in: number };
    expect([ok.status, t.token_type, t.expires_in]).toEqual([200, 'Bearer', 60]);
    const basic = await fetch(`${url}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('demo:demo-secret').toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    expect(basic.status).toBe(200);
    await basic.arrayBuffer();
    expect((await fetch(`${url}/oauth/token`, form('wrong'))).status).toBe(401);
    expect((await fetch(`${url}/oauth/token`, form('demo-secret', 'password'))).status).toBe(400);
    const yes = await fetch(`${url}/oauth/protected`, { headers: { authorization: `Bearer ${t.access_token}` } });
    expect(yes.status).toBe(200);
    const no = await fetch(`${url}/oauth/protected`, { headers: { authorization: 'Bearer nope' } });
    expect([no.status, no.headers.get('www-authenticate')]).toEqual([401, 'Bearer error="invalid_token"']);
  });

  it('refuses an expired token', async () => {
    const t = (await (await fetch(`${url}/oauth/token?expires_in=1`, form())).json()) as { access_token: string };
    const auth = { headers: { authorization: `Bearer ${t.access_token}` } };
    expect((await fetch(`${url}/oauth/protected`, auth)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await fetch(`${url}/oauth/protected`, auth)).status).toBe(401);
  });
});
