import { describe, expect, it } from 'vitest';
import type { Capture, CaptureResponse } from '../../../src/scenario/index.js';
import { applyCaptures, captureText, compileJsonPath, extractHeader, extractJsonPath, extractRegex } from '../../../src/scenario/index.js';
import { groupCount } from '../../../src/scenario/capture.js';
import { load, messages } from './helpers.js';

function path(text: string): (string | number)[] {
  const p = compileJsonPath(text);
  if (!Array.isArray(p)) throw new Error(JSON.stringify(p));
  return [...p];
}

const res = (body: string, headers: Record<string, string> = {}): CaptureResponse => ({
  body,
  header: (n) => headers[n],
});

describe('JSON paths', () => {
  it('compiles dotted names, indexes and quoted keys', () => {
    expect(path('$')).toEqual([]);
    expect(path('$.token')).toEqual(['token']);
    expect(path('$.items[0].id')).toEqual(['items', 0, 'id']);
    expect(path("$['odd key'][\"x\"].y")).toEqual(['odd key', 'x', 'y']);
    expect(path('$.headers.x-request-id')).toEqual(['headers', 'x-request-id']);
    expect(path('$.list[-1]')).toEqual(['list', -1]);
  });

  it('rejects malformed paths with an index', () => {
    expect(compileJsonPath('token')).toMatchObject({ index: 0 });
    expect(compileJsonPath('$.')).toMatchObject({ index: 2 });
    expect(compileJsonPath('$.a[0')).toMatchObject({ index: 3 });
    expect(compileJsonPath('$.a[*]')).toMatchObject({ index: 3 });
    expect(compileJsonPath('$x')).toMatchObject({ index: 1 });
  });

  it('extracts values; missing paths give undefined', () => {
    const doc = { token: 'abc', items: [{ id: 7 }, { id: 8 }], n: null, nested: { ok: true } };
    expect(extractJsonPath(doc, path('$.token'))).toBe('abc');
    expect(extractJsonPath(doc, path('$.items[1].id'))).toBe(8);
    expect(extractJsonPath(doc, path('$.items[-1].id'))).toBe(8);
    expect(extractJsonPath(doc, path('$.items[2].id'))).toBeUndefined();
    expect(extractJsonPath(doc, path('$.nope'))).toBeUndefined();
    expect(extractJsonPath(doc, path('$.token.length'))).toBeUndefined();
    expect(extractJsonPath(doc, path('$.items.length'))).toBeUndefined();
    expect(extractJsonPath(doc, path('$.toString'))).toBeUndefined();
    expect(extractJsonPath(doc, path('$.n'))).toBeNull();
  });

  it('continues into a string that holds JSON (an echoed request body)', () => {
    const echoed = { method: 'POST', body: JSON.stringify({ session: 's-1', list: [1, 2] }) };
    expect(extractJsonPath(echoed, path('$.body.session'))).toBe('s-1');
    expect(extractJsonPath(echoed, path('$.body.list[1]'))).toBe(2);
    expect(extractJsonPath(echoed, path('$.method.x'))).toBeUndefined();
  });

  it('turns captured values into text', () => {
    expect(captureText('a')).toBe('a');
    expect(captureText(7)).toBe('7');
    expect(captureText(false)).toBe('false');
    expect(captureText(null)).toBe('null');
    expect(captureText({ a: [1] })).toBe('{"a":[1]}');
    expect(captureText(undefined)).toBeUndefined();
  });
});

describe('header and regex captures', () => {
  it('reads headers by lower-case name', () => {
    expect(extractHeader(res('', { 'x-id': '42' }), 'x-id')).toBe('42');
    expect(extractHeader(res(''), 'x-id')).toBeUndefined();
  });

  it('returns the first group of the first match', () => {
    expect(extractRegex('token=abc; token=def', /token=(\w+)/)).toBe('abc');
    expect(extractRegex('nothing', /token=(\w+)/)).toBeUndefined();
    expect(groupCount(/a(b)(?:c)(?<d>d)/)).toBe(2);
    expect(groupCount(/a\(b\)/)).toBe(0);
  });
});

describe('applyCaptures', () => {
  const captures: Capture[] = [
    { name: 'token', slot: 0, text: '$.token', source: 'json', path: ['token'] },
    { name: 'id', slot: 1, text: '$.items[0].id', source: 'json', path: ['items', 0, 'id'] },
    { name: 'rid', slot: 2, text: 'x-request-id', source: 'header', header: 'x-request-id' },
    { name: 'word', slot: 3, text: '"token":"(\\w)', source: 'regex', regex: /"token":"(\w)/ },
  ];

  it('fills every slot and reports no failures', () => {
    const vars: string[] = [];
    const failed = applyCaptures(captures, res('{"token":"abc","items":[{"id":5}]}', { 'x-request-id': 'r1' }), vars);
    expect(failed).toBe(0);
    expect(vars).toEqual(['abc', '5', 'r1', 'a']);
  });

  it('counts failures and leaves those slots unchanged', () => {
    const vars = ['old0', 'old1', 'old2', 'old3'];
    expect(applyCaptures(captures, res('not json'), vars)).toBe(4);
    expect(vars).toEqual(['old0', 'old1', 'old2', 'old3']);
  });
});

describe('flows in scenarios', () => {
  const FLOW = `load: {duration: 1s}
flows:
  - name: shop
    steps:
      - name: login
        method: POST
        path: /login
        body: {user: u}
        capture:
          token: $.token
          rid: {header: X-Request-Id}
      - name: cart
        path: /cart?t={{vars.token}}
        headers: {X-Rid: "{{vars.rid}}"}
        capture:
          item: {regex: 'item=(\\d+)'}
          token: {json: $.next}
        think: 250ms
      - path: /item/{{vars.item}}?t={{vars.token}}
`;

  it('compiles steps with variable slots shared along the flow', () => {
    const s = load(FLOW);
    expect(s.mode).toBe('flows');
    expect(s.requests).toEqual([]);
    const flow = s.flows[0]!;
    expect(flow.vars).toEqual(['token', 'rid', 'item']);
    expect(flow.steps.map((st) => st.name)).toEqual(['login', 'cart', 'GET /item/{{vars.item}}?t={{vars.token}}']);
    expect(flow.steps[0]!.captures.map((c) => [c.name, c.slot, c.source])).toEqual([['token', 0, 'json'], ['rid', 1, 'header']]);
    expect(flow.steps[1]!.captures.map((c) => [c.name, c.slot, c.source])).toEqual([['item', 2, 'regex'], ['token', 0, 'json']]);
    expect(flow.steps[1]!.thinkMs).toBe(250);
    expect(flow.steps[0]!.static).toBe(true);
    expect(flow.steps[2]!.path.parts.map((p) => p.slot)).toEqual([2, 0]);
    expect(s.cumulativeWeights).toEqual([1]);
  });

  it('rejects variables used before capture, and bad captures, with positions', () => {
    const bad = `load: {duration: 1s}
flows:
  - steps:
      - path: /a?t={{vars.token}}
      - path: /b
        capture:
          token: token
          x: {regex: 'no group'}
          y: {json: $.a, header: b}
          z: {regex: '(unclosed'}
          "bad-name": $.a
          w: {}
          v: {header: "not a header"}
      - path: /c?u={{vars.tokn}}&x={{vars.x}}
`;
    expect(messages(bad)).toEqual([
      expect.stringMatching(/^ERR_SCENARIO_TEMPLATE 4:22 vars.token is used before the step that captures it/),
      expect.stringMatching(/^ERR_SCENARIO_VALUE 7:18 a JSON path starts with "\$"/),
      expect.stringMatching(/^ERR_SCENARIO_VALUE 8:22 .*exactly one capturing group, it has 0/),
      expect.stringMatching(/^ERR_SCENARIO_VALUE 9:14 .*exactly one of json, header or regex/),
      expect.stringMatching(/^ERR_SCENARIO_VALUE 10:22 .*not a valid regular expression/),
      expect.stringMatching(/^ERR_SCENARIO_VALUE 11:11 .*"bad-name" is not a variable name/),
      expect.stringMatching(/^ERR_SCENARIO_MISSING 12:14 .*exactly one of json, header or regex/),
      expect.stringMatching(/^ERR_SCENARIO_VALUE 13:23 .*is not a header name/),
      expect.stringMatching(/^ERR_SCENARIO_TEMPLATE 14:22 vars.tokn is not captured by an earlier step \(did you mean "token"\?\)/),
    ]);
  });

  it('requires steps, and refuses both requests and flows', () => {
    expect(messages('load: {duration: 1s}\nflows:\n  - name: x\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_MISSING 3:5 flows\[0\] needs "steps"/)]);
    expect(messages('load: {duration: 1s}\nflows: []\n')).toEqual([expect.stringMatching(/^ERR_SCENARIO_VALUE 2:8 flows needs at least one flow/)]);
    expect(messages('load: {duration: 1s}\nrequests: [{path: /}]\nflows: [{steps: [{path: /}]}]\n')).toEqual([
      expect.stringMatching(/^ERR_SCENARIO_VALUE 3:1 give either "requests" or "flows"/),
    ]);
    expect(messages('load: {duration: 1s}\nflows: [{steps: [{path: /, weight: 2}]}]\n')).toEqual([
      expect.stringMatching(/^ERR_SCENARIO_UNKNOWN_KEY 2:28 unknown key "weight"/),
    ]);
  });
});
