// issue 15: cookies:, compressed:, auth:, form: and multipart: as the scenario compiler reads them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCEPT_ENCODING } from '../../../src/http/content-coding.js';
import { checkScenarioText, parseScenario, renderTemplate, type CompiledRequest, type Scenario } from '../../../src/scenario/index.js';

const HEAD = 'target: http://127.0.0.1:9\nload: [{ iterations: 1 }]\n';

function load(yaml: string, file = '/tmp/fastbench-helpers.yaml', options = {}): Scenario {
  return parseScenario(HEAD + yaml, file, { processEnv: { SECRET: 's3cret' }, ...options });
}

function problems(yaml: string): string[] {
  return checkScenarioText(HEAD + yaml, '/tmp/x.yaml', { processEnv: {} }).errors.map((e) => `${e.code}: ${e.message}`);
}

function header(r: CompiledRequest, name: string): string | undefined {
  const h = r.headers.find(([n]) => n.toLowerCase() === name.toLowerCase());
  return h === undefined ? undefined : renderTemplate(h[1], { seq: 0, row: undefined, vars: undefined });
}

function bodyText(r: CompiledRequest, row?: string[]): string {
  const b = r.body;
  if (b.kind === 'template') return renderTemplate(b.template, { seq: 0, row, vars: undefined });
  if (b.kind === 'bytes') return Buffer.from(b.bytes).toString('latin1');
  return '';
}

describe('compressed:', () => {
  it('adds a static Accept-Encoding: the request stays serialize-once', () => {
    const s = load('client: { compressed: true }\nrequests: [{ path: /gzip }, { path: /b, compressed: false }]\n');
    const [a, b] = s.requests;
    expect(header(a!, 'accept-encoding')).toBe(ACCEPT_ENCODING);
    expect(a!.compressed).toBe(true);
    expect(a!.static).toBe(true);
    expect(header(b!, 'accept-encoding')).toBeUndefined();
    expect(b!.compressed).toBeUndefined();
  });

  it('keeps an Accept-Encoding the request sets itself', () => {
    const s = load('requests: [{ path: /gzip, compressed: true, headers: { Accept-Encoding: gzip } }]\n');
    expect(header(s.requests[0]!, 'accept-encoding')).toBe('gzip');
    expect(s.requests[0]!.compressed).toBe(true);
  });

  it('is on for every request with the command line\'s --compressed', () => {
    const s = load('requests: [{ path: /a, compressed: false }]\n', undefined, { requestOverrides: { compressed: true } });
    expect(s.requests[0]!.compressed).toBe(true);
  });
});

describe('auth:', () => {
  it('turns static credentials into a fixed Authorization header (still static)', () => {
    const s = load('client: { auth: { user: alice, password: "{{env.SECRET}}" } }\nrequests: [{ path: /a }, { path: /b, auth: { user: bob } }]\n');
    expect(header(s.requests[0]!, 'authorization')).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    expect(s.requests[0]!.static).toBe(true);
    expect(header(s.requests[1]!, 'authorization')).toBe(`Basic ${Buffer.from('bob:').toString('base64')}`);
  });

  it('renders templated credentials per send (the request becomes dynamic)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-auth-'));
    writeFileSync(join(dir, 'users.csv'), 'user,pass\ncarol,pw1\n');
    const s = load('data: users.csv\nrequests: [{ path: /a, auth: { user: "{{data.user}}", password: "{{data.pass}}" } }]\n', join(dir, 's.yaml'));
    const r = s.requests[0]!;
    expect(r.static).toBe(false);
    expect(header(r, 'authorization')).toBeUndefined();
    expect(r.basicAuth).toBeDefined();
  });

  it('-u on the command line replaces the scenario\'s', () => {
    const s = load('requests: [{ path: /a, auth: { user: bob, password: x } }]\n', undefined, { requestOverrides: { auth: { user: 'cli', password: 'pw' } } });
    expect(header(s.requests[0]!, 'authorization')).toBe(`Basic ${Buffer.from('cli:pw').toString('base64')}`);
  });

  it('refuses a missing user and a colon in the user', () => {
    expect(problems('requests: [{ path: /a, auth: { password: x } }]\n').join('\n')).toMatch(/ERR_SCENARIO_MISSING: requests\[0\]\.auth needs "user"/);
    expect(problems('requests: [{ path: /a, auth: { user: "a:b" } }]\n').join('\n')).toMatch(/may not contain ":"/);
  });
});

describe('form:', () => {
  it('encodes names and values as application/x-www-form-urlencoded, with a default Content-Type', () => {
    const s = load('requests: [{ method: POST, path: /post, form: { a: 1, "b c": "x&y=z ü", list: [p, q] } }]\n');
    const r = s.requests[0]!;
    expect(bodyText(r)).toBe('a=1&b+c=x%26y%3Dz+%C3%BC&list=p&list=q');
    expect(header(r, 'content-type')).toBe('application/x-www-form-urlencoded');
    expect(r.static).toBe(true);
  });

  it('encodes data values as they are rendered', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-form-'));
    writeFileSync(join(dir, 'd.csv'), 'q\n"a b&c"\n');
    const s = load('data: d.csv\nrequests: [{ method: POST, path: /post, form: { q: "<{{data.q}}>" } }]\n', join(dir, 's.yaml'));
    expect(bodyText(s.requests[0]!, ['a b&c'])).toBe('q=%3Ca+b%26c%3E');
  });

  it('is one body: not together with body', () => {
    expect(problems('requests: [{ path: /a, body: x, form: { a: 1 } }]\n').join('\n')).toMatch(/give one of "body", "form", not both/);
  });
});

describe('multipart:', () => {
  it('builds the body once at load time, files included, with a boundary that no part contains', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-mp-'));
    writeFileSync(join(dir, 'avatar.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]));
    const s = load('requests: [{ method: POST, path: /post, multipart: { name: alice, avatar: { file: avatar.png, type: image/png } } }]\n', join(dir, 's.yaml'));
    const r = s.requests[0]!;
    expect(r.body.kind).toBe('bytes');
    const ct = header(r, 'content-type')!;
    const m = /^multipart\/form-data; boundary=(\S+)$/.exec(ct);
    expect(m).not.toBeNull();
    const b = m![1]!;
    const text = bodyText(r);
    expect(text).toBe(
      `--${b}\r\nContent-Disposition: form-data; name="name"\r\n\r\nalice\r\n` +
        `--${b}\r\nContent-Disposition: form-data; name="avatar"; filename="avatar.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\x00\xff\r\n` +
        `--${b}--\r\n`,
    );
    expect(r.static).toBe(true);
  });

  it('names the missing file', () => {
    expect(problems('requests: [{ path: /a, multipart: { f: { file: nope.bin } } }]\n').join('\n')).toMatch(/ERR_SCENARIO_FILE: cannot read "nope.bin"/);
  });
});

describe('cookies:', () => {
  it('reads the short forms and the mapping', () => {
    expect(load('cookies: keep\nrequests: [{ path: /a }]\n').cookies).toEqual({ mode: 'keep', values: [] });
    expect(load('cookies: off\nrequests: [{ path: /a }]\n').cookies).toEqual({ mode: 'off', values: [] });
    expect(load('requests: [{ path: /a }]\n').cookies).toBeUndefined();
    expect(load('cookies: { values: { lang: en, token: "{{env.SECRET}}" } }\nrequests: [{ path: /a }]\n').cookies).toEqual({
      mode: 'iteration',
      values: [['lang', 'en'], ['token', 's3cret']],
    });
  });

  it('adds --cookie seeds (they win over same-named values and turn `off` on)', () => {
    const s = load('cookies: { keep: true, values: { a: "1", b: "2" } }\nrequests: [{ path: /a }]\n', undefined, { cookies: [['a', '9']] });
    expect(s.cookies).toEqual({ mode: 'keep', values: [['b', '2'], ['a', '9']] });
    expect(load('cookies: off\nrequests: [{ path: /a }]\n', undefined, { cookies: [['a', '1']] }).cookies?.mode).toBe('iteration');
  });

  it('refuses unknown modes, bad names and values that cannot be sent', () => {
    expect(problems('cookies: always\nrequests: [{ path: /a }]\n').join('\n')).toMatch(/cookies must be keep, iteration, off/);
    expect(problems('cookies: { values: { "a b": x } }\nrequests: [{ path: /a }]\n').join('\n')).toMatch(/"a b" is not a cookie name/);
    expect(problems('cookies: { values: { a: "x;y" } }\nrequests: [{ path: /a }]\n').join('\n')).toMatch(/cookie a has a space, comma, semicolon/);
    expect(problems('cookies: { values: { a: "{{seq}}" } }\nrequests: [{ path: /a }]\n').join('\n')).toMatch(/only \{\{env\.NAME\}\}/);
  });
});

describe('run -H', () => {
  it('replaces same-named client and request headers on every request', () => {
    const s = load('client: { headers: { X-A: client } }\nrequests: [{ path: /a, headers: { x-a: req, X-B: keep } }]\n', undefined, {
      requestOverrides: { headers: [['X-A', 'cli']] },
    });
    expect(header(s.requests[0]!, 'x-a')).toBe('cli');
    expect(header(s.requests[0]!, 'x-b')).toBe('keep');
    expect(s.requests[0]!.headers.filter(([n]) => n.toLowerCase() === 'x-a')).toHaveLength(1);
  });
});
