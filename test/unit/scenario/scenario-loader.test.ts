import { describe, expect, it } from 'vitest';
import { FastbenchError } from '../../../src/core/errors.js';
import {
  ScenarioValidationError,
  checkScenario,
  loadScenario,
  parseScenario,
  pickWeighted,
  renderTemplate,
  statusAccepted,
  statusExpected,
} from '../../../src/scenario/index.js';
import { FIXTURES, INLINE, MIN, load, messages, problems } from './helpers.js';

describe('parsing', () => {
  it('reports YAML syntax errors and duplicate keys as ERR_SCENARIO_PARSE with positions', () => {
    expect(problems('load: [1, 2\nrequests: 3\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_PARSE \d+:\d+$/)]);
    expect(messages(`${MIN}load: []\n`)).toEqual(['ERR_SCENARIO_PARSE 5:1 duplicate key (each key may appear once in a mapping)']);
    expect(problems('name: "unterminated\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_PARSE \d+:\d+$/)]);
  });

  it('reports an empty file or a non-mapping document', () => {
    expect(messages('')).toEqual([expect.stringMatching(/^ERR_SCENARIO_MISSING 1:1 the scenario is empty/)]);
    expect(messages('# only a comment\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_MISSING 1:1/)]);
    expect(messages('- a\n- b\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_TYPE 1:1 the scenario must be a mapping, got a list/)]);
  });

  it('loads JSON scenarios with positions, and bodyFile bytes relative to the file', () => {
    const s = loadScenario(`${FIXTURES}json-scenario.json`);
    expect(s.name).toBe('from json');
    expect(s.target).toEqual({ kind: 'url', origins: ['http://127.0.0.1:9999'], basePath: '' });
    const file = s.requests[1]!;
    expect(file.body.kind).toBe('bytes');
    if (file.body.kind === 'bytes') expect(Buffer.from(file.body.bytes).toString()).toBe('{"hello":"body file"}\n');
    expect(file.static).toBe(true);
    expect(s.requests[0]!.pos).toMatchObject({ line: 6, column: 3 });
    const bad = checkScenario(`${FIXTURES}json-bad.json`);
    expect(bad.errors.map((e) => e.format())).toEqual([
      `error[ERR_SCENARIO_UNKNOWN_KEY]: unknown key "conections" in load[0] (did you mean "connections"?) at ${FIXTURES}json-bad.json:3:14`,
    ]);
  });

  it('follows YAML anchors and aliases', () => {
    const s = load('load: {duration: 1s}\nrequests:\n  - {path: /a, headers: &h {X-Team: perf}}\n  - {path: /b, headers: *h}\n');
    expect(s.requests.map((r) => r.headers.map(([n, t]) => `${n}=${t.literals[0]}`))).toEqual([['X-Team=perf'], ['X-Team=perf']]);
  });
});

describe('validation collects every problem', () => {
  const MANY = `name: many
targte: http://x
client:
  conections: 5
  timeout: 10
load:
  - duration: 1s
    connections: many
requests:
  - path: no-slash
  - method: "GE T"
    path: /ok
  - path: /x/{{sq}}
    weight: 0
thresholds:
  - p99 < 50
`;

  it('returns all problems in source order', () => {
    expect(messages(MANY)).toEqual([
      'ERR_SCENARIO_UNKNOWN_KEY 2:1 unknown key "targte" in the scenario (did you mean "target"?)',
      'ERR_SCENARIO_UNKNOWN_KEY 4:3 unknown key "conections" in client (did you mean "connections"?)',
      'ERR_SCENARIO_VALUE 5:12 client.timeout needs a unit: write "10s" or "10ms", not 10',
      'ERR_SCENARIO_TYPE 8:18 load[0].connections must be an integer, got the string "many"',
      'ERR_SCENARIO_VALUE 10:11 requests[0].path must start with "/" (use "url" for absolute URLs)',
      'ERR_SCENARIO_VALUE 11:13 requests[1].method: "GE T" is not an HTTP method',
      'ERR_SCENARIO_TEMPLATE 13:16 unknown template {{sq}} (did you mean "seq"?); use seq, uuid, randomInt MIN MAX, env.NAME, data.column or vars.name',
      'ERR_SCENARIO_VALUE 14:13 requests[2].weight must be > 0, got 0',
      'ERR_SCENARIO_THRESHOLD 16:11 "50" is not a latency for p99 (add a unit: 50ms)',
    ]);
  });

  it('throws the first as a ScenarioValidationError carrying the rest', () => {
    let caught: unknown;
    try {
      parseScenario(MANY, INLINE, { processEnv: {} });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ScenarioValidationError);
    expect(caught).toBeInstanceOf(FastbenchError);
    const e = caught as ScenarioValidationError;
    expect(e.code).toBe('ERR_SCENARIO_UNKNOWN_KEY');
    expect([e.file, e.line, e.column]).toEqual([INLINE, 2, 1]);
    expect(e.errors).toHaveLength(9);
    expect(e.exitCode).toBe(2);
    expect(e.format()).toBe(`error[ERR_SCENARIO_UNKNOWN_KEY]: unknown key "targte" in the scenario (did you mean "target"?) at ${INLINE}:2:1`);
  });

  it('reports missing sections, wrong types and a missing scenario file', () => {
    expect(messages('name: x\n')).toEqual([
      'ERR_SCENARIO_MISSING 1:1 the scenario needs "load" (a list of phases)',
      'ERR_SCENARIO_MISSING 1:1 the scenario needs "requests" (or "flows")',
    ]);
    expect(messages('load: {duration: 1s}\nrequests: 5\n')).toEqual(['ERR_SCENARIO_TYPE 2:11 requests must be a list, got the number 5']);
    expect(messages('load: {duration: 1s}\nrequests: []\n')).toEqual(['ERR_SCENARIO_VALUE 2:11 requests needs at least one request']);
    expect(messages('load: {duration: 1s}\nrequests: [{method: GET}]\n')).toEqual([
      'ERR_SCENARIO_MISSING 2:12 requests[0] needs "path" (relative to the target) or "url"',
    ]);
    expect(messages(`client: 5\n${MIN}`)).toEqual(['ERR_SCENARIO_TYPE 1:9 client must be a mapping, got the number 5']);
    expect(messages(`name: [a]\n${MIN}`)).toEqual(['ERR_SCENARIO_TYPE 1:7 name must be a string, got a list']);
    const missing = checkScenario(`${FIXTURES}does-not-exist.yaml`);
    expect(missing.errors.map((e) => e.code)).toEqual(['ERR_USAGE_FILE']);
    expect(() => loadScenario(`${FIXTURES}does-not-exist.yaml`)).toThrow(ScenarioValidationError);
  });
});

describe('targets', () => {
  const t = (line: string): unknown => load(`${line}\n${MIN}`).target;

  it('means the bundled server when absent or "builtin"', () => {
    expect(t('')).toEqual({ kind: 'builtin' });
    expect(t('target: builtin')).toEqual({ kind: 'builtin' });
    expect(t('target:')).toEqual({ kind: 'builtin' });
  });

  it('takes one or several base URLs sharing a base path, prefixed to request paths', () => {
    expect(t('target: https://api.test:8443/v1/')).toEqual({ kind: 'url', origins: ['https://api.test:8443'], basePath: '/v1' });
    expect(t('targets: [http://a.test/api, http://b.test:81/api]')).toEqual({
      kind: 'url',
      origins: ['http://a.test', 'http://b.test:81'],
      basePath: '/api',
    });
    const s = load('target: http://a.test/api\nload: {duration: 1s}\nrequests: [{path: "/x?q={{seq}}"}]\n');
    expect(s.requests[0]!.path.literals).toEqual(['/api/x?q=', '']);
  });

  it('rejects bad targets', () => {
    const p = (line: string): string[] => messages(`${line}\n${MIN}`);
    expect(p('target: ftp://x')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 1:9 target: "ftp:\/\/x" must be an http/)]);
    expect(p('target: not a url')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 1:9 target: "not a url" is not a URL/)]);
    expect(p('target: http://x/?a=1')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 1:9 .*without query/)]);
    expect(p('target: http://x\ntargets: [http://y]')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 2:1 give either "target" or "targets"/)]);
    expect(p('targets: [http://a/x, http://b/y]')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 1:23 .*share one base path/)]);
    expect(p('targets: []')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 1:10 targets needs at least one URL/)]);
    expect(p('target: 8080')).toEqual([expect.stringMatching(/^ERR_SCENARIO_TYPE 1:9 target must be a string/)]);
    expect(p('target: "http://{{seq}}"')).toEqual([expect.stringMatching(/^ERR_SCENARIO_TEMPLATE 1:19 only \{\{env.NAME\}\}/)]);
  });
});

describe('client', () => {
  it('has defaults', () => {
    expect(load(MIN).client).toEqual({ connections: 10, pipelining: 1, timeoutMs: 10_000, keepalive: true, insecure: false, resolve: [], workers: 1 });
  });

  it('reads every setting', () => {
    const s = load(`client:
  connections: 64
  pipelining: 4
  timeout: 1m30s
  keepalive: false
  insecure: true
  workers: auto
  resolve: [example.test:80:127.0.0.2, "v6.test:443:[::1],127.0.0.1"]
  headers: {Authorization: Bearer x, X-Num: 5}
${MIN}`);
    expect(s.client).toEqual({
      connections: 64,
      pipelining: 4,
      timeoutMs: 90_000,
      keepalive: false,
      insecure: true,
      workers: 'auto',
      resolve: [
        { host: 'example.test', port: 80, addresses: ['127.0.0.2'] },
        { host: 'v6.test', port: 443, addresses: ['::1', '127.0.0.1'] },
      ],
    });
    expect(s.requests[0]!.headers.map(([n, t]) => [n, t.literals[0]])).toEqual([['Authorization', 'Bearer x'], ['X-Num', '5']]);
    expect(load(`client: {resolve: a.test:8080:10.0.0.1}\n${MIN}`).client.resolve).toEqual([{ host: 'a.test', port: 8080, addresses: ['10.0.0.1'] }]);
  });

  it('rejects bad settings with positions', () => {
    const p = (c: string): string[] => problems(`client: ${c}\n${MIN}`);
    expect(p('{pipelining: 0}')).toEqual(['ERR_SCENARIO_VALUE 1:22']);
    expect(p('{keepalive: "yes"}')).toEqual(['ERR_SCENARIO_TYPE 1:21']);
    expect(p('{workers: some}')).toEqual(['ERR_SCENARIO_TYPE 1:19']);
    expect(p('{resolve: [example.test:80]}')).toEqual(['ERR_SCENARIO_VALUE 1:20']);
    expect(p('{resolve: ["a:99999:1.2.3.4"]}')).toEqual(['ERR_SCENARIO_VALUE 1:20']);
    expect(p('{resolve: ["a:80:not-ip"]}')).toEqual(['ERR_SCENARIO_VALUE 1:20']);
    expect(p('{headers: {"Bad Name": x}}')).toEqual(['ERR_SCENARIO_VALUE 1:20']);
    expect(p('{headers: {X-A: [1]}}')).toEqual(['ERR_SCENARIO_TYPE 1:25']);
    expect(p('{headers: {X-A: "a\\r\\nb"}}')).toEqual(['ERR_SCENARIO_VALUE 1:25']);
    expect(messages(`client: {timout: 1s}\n${MIN}`)).toEqual([
      'ERR_SCENARIO_UNKNOWN_KEY 1:10 unknown key "timout" in client (did you mean "timeout"?)',
    ]);
  });
});

describe('requests', () => {
  it('reads method, url, headers (request wins over client, case-insensitively), body and expect', () => {
    const s = load(`client: {headers: {user-agent: fb, X-Keep: 1}}
load: {duration: 1s}
requests:
  - name: abs
    method: put
    url: "https://other.test:8443/p?x={{seq}}"
    headers: {User-Agent: custom}
    body: "raw {{seq}}"
    expect:
      status: [200, 2xx, "300-304"]
      headers: {Content-Type: json}
      bodyContains: [ok, done]
  - {url: "http://{{env.H}}", weight: 3}
`, { env: { H: 'h.test' } });
    const [a, b] = s.requests;
    expect(a).toMatchObject({ name: 'abs', method: 'PUT', origin: 'https://other.test:8443', static: false });
    expect(a!.path.literals).toEqual(['/p?x=', '']);
    expect(a!.headers.map(([n, t]) => [n, t.literals[0]])).toEqual([['User-Agent', 'custom'], ['X-Keep', '1']]);
    expect(a!.expect).toEqual({ status: [[200, 200], [200, 299], [300, 304]], headers: [['content-type', 'json']], bodyContains: ['ok', 'done'] });
    expect(statusExpected(a!.expect!, 204)).toBe(true);
    expect(statusExpected(a!.expect!, 404)).toBe(false);
    expect(statusExpected({ status: [], headers: [], bodyContains: [] }, 500)).toBe(true);
    expect(b).toMatchObject({ name: 'GET http://h.test/', origin: 'http://h.test', static: true, weight: 3 });
    expect(renderTemplate(b!.path, { seq: 0, row: undefined, vars: undefined })).toBe('/');
    expect(s.cumulativeWeights).toEqual([0.25, 1]);
  });

  it('names requests uniquely: duplicates of explicit names are errors, generated names get #n', () => {
    const s = load('load: {duration: 1s}\nrequests: [{path: /a}, {path: /a}, {name: "GET /a #2", path: /b}]\n');
    expect(s.requests.map((r) => r.name)).toEqual(['GET /a', 'GET /a #3', 'GET /a #2']);
    expect(messages('load: {duration: 1s}\nrequests: [{name: x, path: /a}, {name: x, path: /b}]\n')).toEqual([
      'ERR_SCENARIO_VALUE 2:40 duplicate request name "x" (names must be unique: thresholds refer to them)',
    ]);
  });

  it('rejects bad requests with positions', () => {
    const p = (r: string): string[] => problems(`load: {duration: 1s}\nrequests:\n  - ${r}\n`);
    expect(p('{path: /a, url: http://x/}')).toEqual(['ERR_SCENARIO_VALUE 3:16']);
    expect(p('{url: "http://{{seq}}/"}')).toEqual(['ERR_SCENARIO_VALUE 3:11']);
    expect(p('{url: /relative}')).toEqual(['ERR_SCENARIO_VALUE 3:11']);
    expect(p('{path: "/a b"}')).toEqual(['ERR_SCENARIO_VALUE 3:12']);
    expect(p('{path: "/a#frag"}')).toEqual(['ERR_SCENARIO_VALUE 3:12']);
    expect(p('{path: /, body: x, bodyFile: body.json}')).toEqual(['ERR_SCENARIO_VALUE 3:24']);
    expect(p('{path: /, bodyFile: missing.bin}')).toEqual(['ERR_SCENARIO_FILE 3:25']);
    expect(p('{path: /, body: true}')).toEqual(['ERR_SCENARIO_TYPE 3:21']);
    expect(p('{path: /, expect: {status: 99}}')).toEqual(['ERR_SCENARIO_VALUE 3:32']);
    expect(p('{path: /, expect: {status: 6xx}}')).toEqual(['ERR_SCENARIO_VALUE 3:32']);
    expect(p('{path: /, expect: {body: x}}')).toEqual(['ERR_SCENARIO_UNKNOWN_KEY 3:24']);
    expect(p('{path: /, wieght: 2}')).toEqual(['ERR_SCENARIO_UNKNOWN_KEY 3:15']);
    expect(messages('load: {duration: 1s}\nrequests:\n  - {path: /, bodyFile: missing.bin}\n')[0]).toMatch(
      /cannot read "missing.bin" \(no such file; paths are relative to the scenario file\)/,
    );
  });
});

describe('the compiled scenario', () => {
  it('is plain data: it survives structured cloning (for worker_threads)', () => {
    const s = loadScenario(`${FIXTURES}json-scenario.json`);
    const f = load('load: {duration: 1s}\nflows: [{steps: [{path: /, capture: {a: {regex: "x(y)"}}}]}]\n');
    expect(structuredClone(f)).toEqual(f);
    const c = structuredClone(s);
    expect(c.requests[0]).toEqual(s.requests[0]);
    expect(c.phases).toEqual(s.phases);
  });

  it('picks by cumulative weight', () => {
    const cw = [0.25, 0.5, 1];
    expect(pickWeighted(cw, 0)).toBe(0);
    expect(pickWeighted(cw, 0.2499)).toBe(0);
    expect(pickWeighted(cw, 0.25)).toBe(1);
    expect(pickWeighted(cw, 0.75)).toBe(2);
    expect(pickWeighted(cw, 0.99999)).toBe(2);
    expect(pickWeighted([1], 0.5)).toBe(0);
  });

  it('defaults the name to the file name and keeps the description', () => {
    const s = load(`description: hello\n${MIN}`);
    expect([s.name, s.description, s.mode]).toEqual(['inline', 'hello', 'requests']);
  });
});

describe('framing headers and failure rules', () => {
  it('refuses a Content-Length that contradicts a literal body at the value, and any Transfer-Encoding', () => {
    const text = 'load:\n  - duration: 1s\nrequests:\n  - method: POST\n    path: /\n    headers:\n      Content-Length: "9"\n    body: abc\n  - path: /b\n    headers: { Transfer-Encoding: chunked }\n';
    expect(problems(text)).toEqual(['ERR_SCENARIO_VALUE 7:23', 'ERR_SCENARIO_VALUE 10:35']);
    expect(problems(text.replace('"9"', '"3"')).length).toBe(1);
  });

  it('reads client.maxResponseBodySize as a size; refuses a bad one', () => {
    expect(load('client: { maxResponseBodySize: 64MiB }\n' + MIN).client.maxResponseBodySize).toBe(64 * 1024 * 1024);
    expect(load('client: { maxResponseBodySize: 1000 }\n' + MIN).client.maxResponseBodySize).toBe(1000);
    expect(load(MIN).client.maxResponseBodySize).toBeUndefined();
    expect(problems('client: { maxResponseBodySize: lots }\n' + MIN)).toEqual(['ERR_SCENARIO_VALUE 1:32']);
    expect(problems('client: { maxResponseBodySize: 0 }\n' + MIN)).toEqual(['ERR_SCENARIO_VALUE 1:32']);
  });

  it('statusAccepted: >= 400 fails without expect.status; with it, exactly its statuses pass', () => {
    const s = load('load:\n  - duration: 1s\nrequests:\n  - path: /\n    expect: { status: [404, 2xx] }\n  - path: /b\n    expect: { bodyContains: [x] }\n');
    const [withStatus, withoutStatus] = s.requests;
    expect(statusAccepted(undefined, 200)).toBe(true);
    expect(statusAccepted(undefined, 399)).toBe(true);
    expect(statusAccepted(undefined, 400)).toBe(false);
    expect(statusAccepted(undefined, 503)).toBe(false);
    expect(statusAccepted(withoutStatus!.expect, 500)).toBe(false);
    expect(statusAccepted(withoutStatus!.expect, 204)).toBe(true);
    expect(statusAccepted(withStatus!.expect, 404)).toBe(true);
    expect(statusAccepted(withStatus!.expect, 201)).toBe(true);
    expect(statusAccepted(withStatus!.expect, 301)).toBe(false);
  });
});
