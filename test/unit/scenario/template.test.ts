import { describe, expect, it } from 'vitest';
import type { RenderContext, Template } from '../../../src/scenario/index.js';
import { TemplateOp, compileTemplate, escapeJson, renderTemplate } from '../../../src/scenario/index.js';
import type { TemplateScope } from '../../../src/scenario/template.js';
import { load, messages, problems } from './helpers.js';

const scope: TemplateScope = {
  env: (n) => ({ HOST: 'example.test', QUOTE: 'a"b' })[n],
  columns: ['user', 'pass'],
  vars: new Map([['token', 0]]),
};
const ctx: RenderContext = { seq: 42, row: ['alice', 'p"w'], vars: ['tok-1'] };

function compile(source: string, json = false): Template {
  const { template, issues } = compileTemplate(source, scope, json);
  expect(issues).toEqual([]);
  return template;
}

describe('template compilation', () => {
  it('marks text without templates static, and keeps it as one literal', () => {
    const t = compile('/plain/path?x=1');
    expect(t.static).toBe(true);
    expect(t.literals).toEqual(['/plain/path?x=1']);
    expect(renderTemplate(t, ctx)).toBe('/plain/path?x=1');
  });

  it('resolves {{env.NAME}} at load time, so the result stays static', () => {
    const t = compile('http://{{env.HOST}}/{{ env.HOST }}');
    expect(t.static).toBe(true);
    expect(t.literals).toEqual(['http://example.test/example.test']);
  });

  it('compiles dynamic templates to literals interleaved with parts', () => {
    const t = compile('/u/{{data.user}}/{{seq}}?r={{randomInt 1 6}}&t={{vars.token}}&id={{uuid}}');
    expect(t.static).toBe(false);
    expect(t.literals).toEqual(['/u/', '/', '?r=', '&t=', '&id=', '']);
    expect(t.parts.map((p) => p.op)).toEqual([TemplateOp.Data, TemplateOp.Seq, TemplateOp.RandomInt, TemplateOp.Var, TemplateOp.Uuid]);
    expect(t.parts[0]!.slot).toBe(0);
    expect(t.parts[2]).toMatchObject({ min: 1, max: 6 });
    const out = renderTemplate(t, ctx);
    expect(out).toMatch(/^\/u\/alice\/42\?r=[1-6]&t=tok-1&id=[0-9a-f-]{36}$/);
  });

  it('renders seq from the context each time', () => {
    const t = compile('n={{seq}}');
    const c: RenderContext = { seq: 0, row: undefined, vars: undefined };
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      c.seq = i;
      seen.push(renderTemplate(t, c));
    }
    expect(seen).toEqual(['n=0', 'n=1', 'n=2']);
  });

  it('keeps randomInt within its inclusive bounds and reaches both ends', () => {
    const t = compile('{{randomInt -2 2}}');
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(Number(renderTemplate(t, ctx)));
    expect([...seen].sort((a, b) => a - b)).toEqual([-2, -1, 0, 1, 2]);
    expect(renderTemplate(compile('{{randomInt 7 7}}'), ctx)).toBe('7');
  });

  it('renders RFC 4122 v4 UUIDs, different each time', () => {
    const t = compile('{{uuid}}');
    const a = renderTemplate(t, ctx);
    const b = renderTemplate(t, ctx);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
  });

  it('writes a literal {{ with \\{{', () => {
    const t = compile('a \\{{seq}} b {{seq}}');
    expect(renderTemplate(t, ctx)).toBe('a {{seq}} b 42');
  });

  it('escapes data and vars as JSON string content in JSON mode', () => {
    const t = compile('{{data.pass}}|{{env.QUOTE}}', true);
    expect(renderTemplate(t, ctx)).toBe('p\\"w|a\\"b');
    expect(escapeJson('plain')).toBe('plain');
    expect(escapeJson('a\nb\\')).toBe('a\\nb\\\\');
  });

  it('reports bad templates with the index of the expression', () => {
    const issues = (s: string, sc: TemplateScope = scope): string[] => compileTemplate(s, sc).issues.map((i) => `${i.index} ${i.message}`);
    expect(issues('/x/{{seq')).toEqual([expect.stringMatching(/^3 unterminated/)]);
    expect(issues('{{}}')).toEqual([expect.stringMatching(/^2 empty/)]);
    expect(issues('ab{{ sqe }}')).toEqual([expect.stringMatching(/^5 unknown template \{\{sqe\}\} \(did you mean "seq"\?\)/)]);
    expect(issues('{{randomInt 5 1}}')).toEqual([expect.stringMatching(/MIN <= MAX/)]);
    expect(issues('{{randomInt 1}}')).toEqual([expect.stringMatching(/two integers/)]);
    expect(issues('{{randomInt a b}}')).toEqual([expect.stringMatching(/two integers/)]);
    expect(issues('{{uuid 4}}')).toEqual([expect.stringMatching(/no arguments/)]);
    expect(issues('{{env.NOPE}}')).toEqual([expect.stringMatching(/NOPE is not set \(pass -e NOPE=value/)]);
    expect(issues('{{data.usr}}')).toEqual([expect.stringMatching(/no column "usr" \(did you mean "user"\?\)/)]);
    expect(issues('{{data.user}}', { ...scope, columns: undefined })).toEqual([expect.stringMatching(/needs a data feeder/)]);
    expect(issues('{{vars.tokn}}')).toEqual([expect.stringMatching(/not captured by an earlier step \(did you mean "token"\?\)/)]);
    expect(issues('{{vars.x}}', { ...scope, vars: undefined })).toEqual([expect.stringMatching(/only be used in flow steps/)]);
    expect(issues('{{seq}}', { ...scope, envOnly: true })).toEqual([expect.stringMatching(/only \{\{env.NAME\}\}/)]);
    expect(issues('{{a}} {{b}}')).toHaveLength(2);
  });
});

describe('templates in scenarios', () => {
  it('marks requests static only when path, headers and body are all static', () => {
    const s = load(`client:
  headers: {User-Agent: "fastbench {{env.V}}"}
load: {duration: 1s}
requests:
  - {name: a, path: /json}
  - {name: b, path: "/x/{{seq}}"}
  - {name: c, path: /x, headers: {X-Id: "{{uuid}}"}}
  - {name: d, method: POST, path: /x, body: "n={{randomInt 1 9}}"}
  - {name: e, method: POST, path: /x, body: {a: [1, true, null, "{{env.V}}"]}}
`, { env: { V: '1.0' } });
    expect(s.requests.map((r) => [r.name, r.static])).toEqual([['a', true], ['b', false], ['c', false], ['d', false], ['e', true]]);
    expect(s.requests[0]!.headers).toEqual([['User-Agent', expect.objectContaining({ literals: ['fastbench 1.0'] })]]);
  });

  it('compiles object bodies to JSON with escaped values, numbers for lone {{seq}}/{{randomInt}}', () => {
    const s = load(`data: users.csv
load: {duration: 1s}
requests:
  - method: POST
    path: /anything
    body:
      user: "{{data.user}}"
      note: "{{data.note}}!"
      n: "{{seq}}"
      r: "{{randomInt 3 3}}"
      list: [1, "two", {deep: true}]
`);
    const q = s.requests[0]!;
    expect(q.headers).toEqual([['content-type', expect.objectContaining({ literals: ['application/json'] })]]);
    expect(q.body.kind).toBe('template');
    if (q.body.kind !== 'template') return;
    const out = renderTemplate(q.body.template, { seq: 5, row: ['bob', 'pw2', 'say "hi"\n'], vars: undefined });
    expect(JSON.parse(out)).toEqual({ user: 'bob', note: 'say "hi"\n!', n: 5, r: 3, list: [1, 'two', { deep: true }] });
  });

  it('reports template errors at their exact column', () => {
    expect(problems('load: {duration: 1s}\nrequests:\n  - path: /x/{{sq}}\n')).toEqual(['ERR_SCENARIO_TEMPLATE 3:16']);
    expect(problems('load: {duration: 1s}\nrequests:\n  - path: "/x/{{sq}}"\n')).toEqual(['ERR_SCENARIO_TEMPLATE 3:17']);
    expect(problems("load: {duration: 1s}\nrequests:\n  - path: '/x/{{sq}}'\n")).toEqual(['ERR_SCENARIO_TEMPLATE 3:17']);
    expect(problems('load: {duration: 1s}\nrequests:\n  - path: /\n    headers: {A: "{{env.MISSING}}"}\n')).toEqual(['ERR_SCENARIO_TEMPLATE 4:21']);
    expect(problems('load: {duration: 1s}\nrequests:\n  - path: /\n    body: {a: {b: "x{{data.c}}"}}\n')).toEqual(['ERR_SCENARIO_TEMPLATE 4:23']);
    expect(messages('load: {duration: 1s}\nrequests:\n  - path: /\n    body: "{{vars.t}}"\n')).toEqual([
      expect.stringMatching(/^ERR_SCENARIO_TEMPLATE 4:14 \{\{vars.t\}\} can only be used in flow steps/),
    ]);
  });

  it('takes {{env.NAME}} from -e overrides first, then the process environment', () => {
    const text = 'target: "http://{{env.H}}:8080"\nload: {duration: 1s}\nrequests: [{path: /}]\n';
    expect(load(text, { processEnv: { H: 'a.test' } }).target).toEqual({ kind: 'url', origins: ['http://a.test:8080'], basePath: '' });
    expect(load(text, { processEnv: { H: 'a.test' }, env: { H: 'b.test' } }).target).toMatchObject({ origins: ['http://b.test:8080'] });
    expect(problems(text)).toEqual(['ERR_SCENARIO_TEMPLATE 1:19']);
  });
});
