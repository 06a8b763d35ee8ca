// `fastbench import` round trips through the built CLI: curl lines, an OpenAPI file, a HAR with
// credentials and a crawl of /site/ each become a scenario that `validate` accepts and that runs
// green against `fastbench serve`; bad input exits 2 with a typed error at its position.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { FASTBENCH_BIN } from '../../helpers/cli.js';
import { fastbench, runGreen, serve, type Served } from './import-helpers.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/import/', import.meta.url));
const SECRETS = ['S3CR3T-SESSION', 'S3CR3T-COOKIE', 'S3CR3T-TOKEN', 'S3CR3T-APIKEY', 'S3CR3T-PASSWORD', 'S3CR3T-FORMTOKEN'];

describe('fastbench import, round trips against fastbench serve', () => {
  let server: Served;
  let dir: string;

  beforeAll(async () => {
    server = await serve();
    dir = mkdtempSync(join(tmpdir(), 'fastbench-import-'));
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 20_000);

  it('curl lines: several commands import, validate and run green', async () => {
    const u = server.url;
    const lines = [
      `curl -sS ${u}/json`,
      `curl -X POST -H 'Content-Type: application/json' -H 'Authorization: Bearer CURL-S3CRET' \\\n     --data-raw '{"item": 7}' ${u}/anything/cart --compressed`,
      `curl -u ann:CURL-PASSW0RD -b 'sid=CURL-C00KIE' -A fastbench-test ${u}/anything/me`,
      `curl -G --data-urlencode 'q=two words' -d page=2 "${u}/anything/search"`,
      `curl --json '{"a":[1,2]}' ${u}/post`,
      `curl -I ${u}/plaintext`,
    ];
    const out = join(dir, 'curl.yaml');
    const r = await fastbench(['import', 'curl', ...lines, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('wrote');
    const yaml = readFileSync(out, 'utf8');
    for (const s of ['CURL-S3CRET', 'CURL-PASSW0RD', 'CURL-C00KIE']) expect(yaml).not.toContain(s);
    const doc = parse(yaml) as { target: string; cookies: unknown; requests: Record<string, unknown>[] };
    expect(doc.target).toBe(u);
    const names = doc.requests.map((q) => q['name'] as string);
    expect(names).toEqual(['1 GET /json', '2 POST /anything/cart', '3 GET /anything/me', '4 GET /anything/search', '5 POST /post', '6 HEAD /plaintext']);
    expect(doc.requests[1]!['compressed']).toBe(true);
    expect(doc.requests[2]!['auth']).toEqual({ user: '{{env.BASIC_USER}}', password: '{{env.BASIC_PASSWORD}}' });
    expect(doc.cookies).toEqual({ values: { sid: '{{env.COOKIE_SID}}' } });
    // The echo of /anything/me must carry the run-time credentials: Basic base64(ann:pw) and the jar's sid cookie.
    doc.requests[2]!['expect'] = { bodyContains: [Buffer.from('ann:pw').toString('base64'), 'sid=run-time-c'] };
    writeFileSync(out, stringify(doc));
    await runGreen(out, names, { AUTH_BEARER: 'b', BASIC_USER: 'ann', BASIC_PASSWORD: 'pw', COOKIE_SID: 'run-time-c' });
  }, 90_000);

  it('OpenAPI: a file with local, external and circular $refs imports and runs green', async () => {
    const out = join(dir, 'openapi.yaml');
    const r = await fastbench(['import', 'openapi', join(FIXTURES, 'petstore.openapi.yaml'), '--target', server.url, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('set BEARER_TOKEN');
    await runGreen(out, ['listPets', 'createPet', 'showPet', 'updatePet', 'postTree'], { BEARER_TOKEN: 't0k' });
  }, 90_000);

  it('a hand-written HAR with credentials: no secret in the YAML; it runs green with the variables set', async () => {
    const host = new URL(server.url).host;
    const har = join(dir, 'shop.har');
    writeFileSync(har, readFileSync(join(FIXTURES, 'credentials.har'), 'utf8').replaceAll('127.0.0.1:8080', host));
    const r = await fastbench(['import', 'har', har, '--host', host]);
    expect(r.code, r.stderr).toBe(0);
    for (const s of SECRETS) {
      expect(r.stdout).not.toContain(s);
      expect(r.stderr).not.toContain(s);
    }
    expect(r.stderr).toContain('warning: data: URL is not an HTTP request; left out (at entry 6 (/log/entries/6))');
    // The echo of the first step must show the values set at run time where the secrets were.
    const doc = parse(r.stdout) as { flows: { steps: Record<string, unknown>[] }[] };
    doc.flows[0]!.steps[0]!['expect'] = { bodyContains: ['Bearer run-time-b', 'session=run-time-s', 'sid=run-time-c'] };
    const out = join(dir, 'har.yaml');
    writeFileSync(out, stringify(doc));
    // without the variables, validate names the first one missing
    const v = await fastbench(['validate', out]);
    expect(v.code).toBe(2);
    expect(v.stderr).toMatch(/environment variable SESSION is not set/);
    const env = { SESSION: 'run-time-s', COOKIE_SID: 'run-time-c', COOKIE_THEME: 'dark', AUTH_BEARER: 'run-time-b', X_API_KEY: 'k', PASSWORD: 'p', CSRF_TOKEN: 'c' };
    await runGreen(out, ['1 GET /anything/home', '2 POST /anything/login', '3 POST /anything/form', '4 DELETE /anything/cart/1'], env, '2s');
  }, 90_000);

  it('a crawl of /site/ becomes a weighted scenario with proposed thresholds that runs green', async () => {
    const pages = join(dir, 'pages.jsonl');
    const c = await fastbench(['crawl', `${server.url}/site/`, '--links', '--max-pages', '30', '-o', pages, '-q']);
    expect(c.code, c.stderr).toBe(0);
    const out = join(dir, 'crawl.yaml');
    const r = await fastbench(['import', 'crawl', pages, '--propose-thresholds', '--margin', '10', '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    const doc = parse(readFileSync(out, 'utf8')) as { requests: { name: string; path: string; weight?: number }[]; thresholds: { overall: string[] } };
    expect(doc.requests.length).toBeGreaterThan(5);
    expect(doc.requests.every((q) => q.path.startsWith('/site'))).toBe(true);
    // /site/ is linked from other pages of the synthetic site, so weights are not all 1
    expect(doc.requests.some((q) => (q.weight ?? 1) > 1)).toBe(true);
    expect(doc.thresholds.overall).toHaveLength(3);
    expect(doc.thresholds.overall[2]).toBe('errors < 1%');
    await runGreen(out, [doc.requests[0]!.name]);
  }, 120_000);

  it('curl commands from standard input (-) and as the words after --', () => {
    const fromStdin = spawnSync(process.execPath, [FASTBENCH_BIN, 'import', 'curl', '-', '--flow'], { input: 'curl http://h.test/a \\\n  -H "X: 1"\ncurl http://h.test/b\n', encoding: 'utf8', timeout: 30_000 });
    expect(fromStdin.status, fromStdin.stderr).toBe(0);
    const flow = (parse(fromStdin.stdout) as { flows: { steps: { path: string; headers?: object }[] }[] }).flows[0]!.steps;
    expect(flow).toEqual([{ name: '1 GET /a', path: '/a', headers: { X: '1' } }, { name: '2 GET /b', path: '/b' }]);
    const words = spawnSync(process.execPath, [FASTBENCH_BIN, 'import', 'curl', '--', 'curl', '-H', "X-Q: it's", '-d', 'a b', 'http://h.test/c'], { encoding: 'utf8', timeout: 30_000 });
    expect(words.status, words.stderr).toBe(0);
    expect((parse(words.stdout) as { requests: object[] }).requests[0]).toMatchObject({ method: 'POST', path: '/c', body: 'a b', headers: { 'X-Q': "it's" } });
  });

  it('bad input exits 2 with a typed error at its position, and writes nothing', async () => {
    let r = await fastbench(['import', 'curl', `curl ${server.url}/ok\ncurl -d 'unclosed ${server.url}/`]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("error[ERR_IMPORT_PARSE]: unterminated single quote at <curl>:2:9\n  hint: Fix the syntax at the position shown; `fastbench import --help` lists the formats.\n");
    const bad = join(dir, 'bad.har');
    writeFileSync(bad, '{"log": {"entries": [\n  {"request": {"method": "GET"}}\n]}}');
    r = await fastbench(['import', 'har', bad, '-o', join(dir, 'never.yaml')]);
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'never.yaml'))).toBe(false);
    expect(r.stderr).toContain(`error[ERR_IMPORT_FORMAT]: /log/entries/0/request/url: missing request URL at ${bad}`);
    r = await fastbench(['import', 'har', join(dir, 'missing.har')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error\[ERR_USAGE_FILE\]: cannot read .*missing\.har \(ENOENT\)/);
    r = await fastbench(['import', 'curl', `curl ${server.url}/`, '-c', 'many']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error\[ERR_USAGE_BAD_OPTION\]: --connections "many"/);
  }, 60_000);
});
