// curl command lines → scenario requests: every common flag, credentials as {{env}} placeholders,
// warnings at line:column, typed errors for what is not a curl command.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { FastbenchError } from '../../../../src/core/errors.js';
import { importCurl } from '../../../../src/cli/import/curl-import.js';
import { ImportLog, renderImport, type RequestDoc, type ScenarioDoc } from '../../../../src/cli/import/import-output.js';

const dir = mkdtempSync(join(tmpdir(), 'fastbench-curl-import-'));
const load = [{ connections: 1, duration: '1s' }];

function imp(text: string, flow = false): { doc: ScenarioDoc; log: ImportLog; yaml: string; reqs: RequestDoc[] } {
  const log = new ImportLog();
  const doc = importCurl(text, '<curl>', { load, cwd: dir, flow }, log);
  const { yaml } = renderImport(doc, log, 'curl …', join(dir, 'out.yaml'));
  const parsed = parse(yaml) as ScenarioDoc;
  return { doc, log, yaml, reqs: parsed.requests ?? parsed.flows![0]!.steps };
}

function thrown(f: () => unknown): FastbenchError {
  try {
    f();
  } catch (e) {
    if (e instanceof FastbenchError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('import curl', () => {
  it('maps method, headers, data, user agent, referer; the most common origin is the target', () => {
    const { doc, reqs } = imp(
      [
        `curl -X PUT -H 'Accept: application/json' -H "X-Trace: 1" -d a=1 -d 'b=two words' -A fb/1 -e http://ref.test/ http://127.0.0.1:9/anything/put`,
        `curl 'http://127.0.0.1:9/json?x=1'`,
        `curl https://other.test:8443/v2/ping`,
      ].join('\n'),
    );
    expect(doc.target).toBe('http://127.0.0.1:9');
    expect(reqs[0]).toEqual({
      name: '1 PUT /anything/put',
      method: 'PUT',
      path: '/anything/put',
      headers: { Accept: 'application/json', 'X-Trace': '1', 'User-Agent': 'fb/1', Referer: 'http://ref.test/', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=1&b=two words',
    });
    expect(reqs[1]).toEqual({ name: '2 GET /json', path: '/json?x=1' });
    expect(reqs[2]).toEqual({ name: '3 GET /v2/ping', url: 'https://other.test:8443/v2/ping' });
  });

  it('-d without -X posts; -G moves the data into the query; -I is HEAD; --json sets both types', () => {
    const { reqs } = imp(
      [
        'curl -d x=1 http://h.test/a',
        'curl -G -d q=search --data-urlencode "s=a b&c" http://h.test/b?z=0',
        'curl -I http://h.test/c',
        `curl --json '{"k":[1,2]}' http://h.test/d`,
      ].join('\n'),
    );
    expect(reqs[0]).toMatchObject({ method: 'POST', body: 'x=1' });
    expect(reqs[1]).toEqual({ name: '2 GET /b', path: '/b?z=0&q=search&s=a%20b%26c' });
    expect(reqs[2]).toEqual({ name: '3 HEAD /c', method: 'HEAD', path: '/c' });
    expect(reqs[3]).toMatchObject({ method: 'POST', body: '{"k":[1,2]}', headers: { 'Content-Type': 'application/json', Accept: 'application/json' } });
  });

  it('-u, -b, Authorization, API keys and token query params become {{env}} placeholders, never clear text', () => {
    const text = [
      `curl -u alice:pa55word -b 'sid=C00KIE; theme=dark' http://h.test/me`,
      `curl -H 'Authorization: Bearer T0KEN' -H 'X-Api-Key: K3Y' 'http://h.test/q?access_token=QT0KEN&page=2'`,
      `curl -d 'user=bob&password=FORMPW' -e 'http://h.test/from?sid=REFS1D&x=1#top' http://h.test/login`,
    ].join('\n');
    const { yaml, reqs, log, doc } = imp(text);
    for (const secret of ['alice', 'pa55word', 'C00KIE', 'dark', 'T0KEN', 'K3Y', 'QT0KEN', 'FORMPW', 'REFS1D']) expect(yaml).not.toContain(secret);
    // -u → the request's auth (only the first command has it), -b → the scenario's cookie jar seeds
    expect(reqs[0]!.headers).toBeUndefined();
    expect(reqs[0]!.auth).toEqual({ user: '{{env.BASIC_USER}}', password: '{{env.BASIC_PASSWORD}}' });
    expect(reqs[1]!.auth).toBeUndefined();
    expect(doc.client).toBeUndefined();
    expect(doc.cookies).toEqual({ values: { sid: '{{env.COOKIE_SID}}', theme: '{{env.COOKIE_THEME}}' } });
    expect(reqs[1]!.headers).toEqual({ Authorization: 'Bearer {{env.AUTH_BEARER}}', 'X-Api-Key': '{{env.X_API_KEY}}' });
    expect(reqs[1]!.path).toBe('/q?access_token={{env.ACCESS_TOKEN}}&page=2');
    expect(reqs[2]!.body).toBe('user=bob&password={{env.PASSWORD}}');
    expect(reqs[2]!.headers!['Referer']).toBe('http://h.test/from?sid={{env.SID}}&x=1#top');
    expect(log.secretVars.map((v) => v.name)).toEqual(['BASIC_USER', 'BASIC_PASSWORD', 'COOKIE_SID', 'COOKIE_THEME', 'AUTH_BEARER', 'X_API_KEY', 'ACCESS_TOKEN', 'SID', 'PASSWORD']);
    expect(log.secretVars[0]!.where).toEqual(['<curl> line 1:9']);
    expect(log.secretVars[2]!.where).toEqual(['<curl> line 1:27']);
    // the header comment tells which variables to set
    expect(yaml).toMatch(/^# +BASIC_PASSWORD: the password of -u/m);
    expect(yaml).toMatch(/^# +COOKIE_SID: the sid cookie/m);
  });

  it('-u on every command with the same credentials is client.auth; without ":password" only the user, with a warning', () => {
    const { doc, reqs, log } = imp(`curl -u bob:pw http://h.test/a\ncurl --user bob:pw http://h.test/b`);
    expect(doc.client).toEqual({ auth: { user: '{{env.BASIC_USER}}', password: '{{env.BASIC_PASSWORD}}' } });
    expect(reqs.every((r) => r.auth === undefined)).toBe(true);
    expect(log.secretVars.map((v) => v.name)).toEqual(['BASIC_USER', 'BASIC_PASSWORD']);
    const other = imp(`curl -u bob:pw http://h.test/a\ncurl -u carol http://h.test/b`);
    expect(other.doc.client).toBeUndefined();
    expect(other.reqs[1]!.auth).toEqual({ user: '{{env.BASIC_USER_2}}' });
    expect(other.log.warnings).toEqual([{ where: '<curl> line 2:9', message: '-u without ":password": curl would prompt for it; add `password:` to the auth' }]);
  });

  it('-b cookies of several commands: one variable per cookie; another value for a name is a warning, never echoed', () => {
    const { doc, log, yaml } = imp(`curl -b 'a=1' http://h.test/a\ncurl -b 'a=1; b=2' http://h.test/b\ncurl -b 'a=SECOND; =x; c' http://h.test/c`);
    expect(doc.cookies).toEqual({ values: { a: '{{env.COOKIE_A}}', b: '{{env.COOKIE_B}}' } });
    expect(log.secretVars[0]).toEqual({ name: 'COOKIE_A', what: 'the a cookie', where: ['<curl> line 1:9', '<curl> line 2:9'] });
    expect(log.warnings.map((w) => w.message)).toEqual([
      'cookie a has another value than at <curl> line 1:9: the jar starts with that first one (the server\'s Set-Cookie replaces it at run time)',
      'a cookie that is not name=value with a token name; left out',
      'a cookie that is not name=value with a token name; left out',
    ]);
    expect(yaml + JSON.stringify(log.warnings)).not.toContain('SECOND');
    // with a Cookie header of its own, -b joins it (a request's own Cookie header replaces the jar's)
    const both = imp(`curl -b 'a=1' -H 'Cookie: b=2' http://h.test/`);
    expect(both.doc.cookies).toBeUndefined();
    expect(both.reqs[0]!.headers).toEqual({ Cookie: '{{env.COOKIE}}' });
    expect(both.log.secretVars.map((v) => v.name)).toEqual(['COOKIE']);
  });

  it('warnings never echo a value: unmapped credential options, extra words, malformed -H', () => {
    const { yaml, log } = imp(`curl --pass K3YPASS -U proxy:PR0XYPW -E cert.pem:C3RTPW -H 'Authorization Bearer N0C0L0N' http://h.test/ extra?token=W0RDT0KEN --oauth2-bearer 0AUTHT0KEN`);
    const text = yaml + JSON.stringify(log.warnings) + log.notes.join();
    for (const secret of ['K3YPASS', 'PR0XYPW', 'C3RTPW', 'N0C0L0N', 'W0RDT0KEN', '0AUTHT0KEN']) expect(text).not.toContain(secret);
    expect(log.warnings.map((w) => w.where)).toEqual(['<curl> line 1:6', '<curl> line 1:22', '<curl> line 1:39', '<curl> line 1:60', '<curl> line 1:106']); // a short flag is placed at its letter
    expect(log.secretVars.map((v) => v.name)).toEqual(['AUTH_BEARER']);
  });

  it('-k, --compressed, --http2 / --http1.1 / prior knowledge and -m set the client; clusters like -sSLk and -XPOST work', () => {
    expect(imp('curl -sSk --compressed --http2 -m 2.5 http://h.test/').doc.client).toEqual({ insecure: true, protocol: 'auto', timeout: '2500ms', compressed: true });
    expect(imp('curl --http1.1 http://h.test/').doc.client).toEqual({ protocol: 'http1' });
    expect(imp('curl --http2-prior-knowledge http://h.test/').doc.client).toEqual({ protocol: 'h2' });
    const { reqs, doc } = imp('curl -XPOST -HX-A:1 --compressed http://h.test/p\ncurl http://h.test/q');
    // --compressed on one command only: that request's own compressed, no Accept-Encoding header
    expect(reqs[0]).toEqual({ name: '1 POST /p', method: 'POST', path: '/p', headers: { 'X-A': '1' }, compressed: true });
    expect(reqs[1]!.compressed).toBeUndefined();
    expect(doc.client).toBeUndefined();
  });

  it('unknown flags are warnings naming line:column; the values of known value-taking ones are skipped', () => {
    const { log, reqs } = imp('curl http://h.test/a \\\n   --frobnicate --proxy http://p:3128 -sZ');
    expect(log.warnings).toEqual([
      { where: '<curl> line 2:4', message: 'curl option --frobnicate is not mapped' },
      { where: '<curl> line 2:17', message: 'curl option --proxy is not mapped (its value at 2:25 is skipped)' },
      { where: '<curl> line 2:41', message: 'curl option -Z is not mapped' },
    ]);
    expect(reqs).toHaveLength(1);
  });

  it('@file data: -d strips line breaks, --data-binary @file is sent as-is from a bodyFile', () => {
    const f = join(dir, 'body.txt');
    writeFileSync(f, 'a=1\nb=2\n');
    const { reqs } = imp(`curl -d @body.txt http://h.test/x\ncurl --data-binary @${f} -H 'Content-Type: text/plain' http://h.test/y`);
    expect(reqs[0]!.body).toBe('a=1b=2');
    expect(reqs[1]).toMatchObject({ method: 'POST', bodyFile: f });
    expect(reqs[1]!.body).toBeUndefined();
  });

  it('--flow makes one flow of the commands in order', () => {
    const { doc } = imp('curl http://h.test/1\ncurl http://h.test/2', true);
    expect(doc.requests).toBeUndefined();
    expect(doc.flows![0]!.steps.map((s) => s.path)).toEqual(['/1', '/2']);
  });

  it('recorded {{ is written \\{{ so the template language sends it literally', () => {
    const { reqs } = imp(`curl -H 'X-T: {{seq}}' -d '{{raw}}' http://h.test/`);
    expect(reqs[0]!.headers!['X-T']).toBe('\\{{seq}}');
    expect(reqs[0]!.body).toBe('\\{{raw}}');
  });

  it('bad input is a typed error at line:column', () => {
    let e = thrown(() => imp('curl -k'));
    expect([e.code, e.line, e.column]).toEqual(['ERR_IMPORT_FORMAT', 1, 1]);
    expect(e.message).toBe('curl command without a URL');
    e = thrown(() => imp('curl http://h.test/\n  wget http://h.test/'));
    expect([e.code, e.line, e.column, e.message]).toEqual(['ERR_IMPORT_FORMAT', 2, 3, 'expected a curl command, got "wget"']);
    e = thrown(() => imp('curl http://h.test/ -H'));
    expect([e.code, e.line, e.column, e.message]).toEqual(['ERR_IMPORT_FORMAT', 1, 21, '-H needs a value']);
    e = thrown(() => imp('curl ftp://h.test/file'));
    expect([e.code, e.column]).toEqual(['ERR_IMPORT_FORMAT', 6]);
    e = thrown(() => imp('curl -d @missing.txt http://h.test/'));
    expect([e.code, e.line, e.column]).toEqual(['ERR_USAGE_FILE', 1, 9]);
    e = thrown(() => imp('  \n # only a comment\n'));
    expect(e.code).toBe('ERR_IMPORT_EMPTY');
  });
});
