// `ws:` flow steps (issue 18): compiled beside request steps, with their messages and expects,
// named "WS <path>" unless named; bad shapes are scenario errors at their position. And the
// ws_* threshold metrics.
import { describe, expect, it } from 'vitest';
import { parseThreshold, renderTemplate } from '../../../src/scenario/index.js';
import { thresholdUnit } from '../../../src/scenario/thresholds.js';
import { load, messages } from './helpers.js';

const HEAD = 'target: http://127.0.0.1:1\nload:\n  - duration: 1s\nflows:\n  - steps:\n';

describe('ws: flow steps', () => {
  it('compiles path, messages and expects (exact, contains, one for all), named WS <path> unless named', () => {
    const s = load(
      HEAD +
        '      - { name: login, path: /login, capture: { user: $.user } }\n' +
        '      - ws: { path: /ws/echo, send: ["hi {{vars.user}}", bye], expect: ["hi {{vars.user}}", { contains: by }] }\n' +
        '      - { name: one, ws: { path: /ws/echo, send: [a, b], expect: { contains: x } }, think: 1s }\n' +
        '      - ws: { path: /ws/echo }\n' +
        '      - path: /ws/echo\n',
    );
    const steps = s.flows[0]!.steps;
    expect(steps.map((st) => st.name)).toEqual(['login', 'WS /ws/echo', 'one', 'WS /ws/echo #2', 'GET /ws/echo']);
    const [, two, three, four, five] = steps;
    expect(two!.ws!.send.map((t) => t.source)).toEqual(['hi {{vars.user}}', 'bye']);
    const ctx = { seq: 1, row: undefined, vars: ['ann'] };
    expect(renderTemplate(two!.ws!.send[0]!, ctx)).toBe('hi ann');
    expect(two!.ws!.expect.map((e) => [e!.kind, e!.text.source])).toEqual([['exact', 'hi {{vars.user}}'], ['contains', 'by']]);
    expect(three!.ws!.expect.map((e) => e!.kind)).toEqual(['contains', 'contains']);
    expect(three!.thinkMs).toBe(1000);
    expect(four!.ws).toEqual({ send: [], expect: [] });
    expect(five!.ws).toBeUndefined();
    expect(two!.method).toBe('GET');
  });

  it.each([
    ['      - { ws: { path: /ws/echo, send: [a, b], expect: [a, b, c] } }\n', /lists 3 replies for 2 messages/],
    ['      - { ws: { path: /ws/echo, expect: a } }\n', /expect needs "send"/],
    ['      - { ws: { path: /ws/echo }, method: POST }\n', /a ws step takes only name, think and ws/],
    ['      - { ws: { path: /ws/echo }, capture: { x: $.x } }\n', /a ws step takes only name, think and ws/],
    ['      - { ws: { path: /ws/echo, expect: { equals: a }, send: a } }\n', /ERR_SCENARIO_UNKNOWN_KEY/],
    ['      - { ws: { send: a } }\n', /needs "path"/],
    ['      - { ws: { path: /ws/echo, sned: a } }\n', /ERR_SCENARIO_UNKNOWN_KEY.*sned/],
    ['      - { ws: { path: /ws/echo, send: "{{vars.nope}}" } }\n', /ERR_SCENARIO_TEMPLATE/],
  ])('refuses %s', (step, message) => {
    const m = messages(HEAD + step);
    expect(m.join('\n')).toMatch(message);
  });

  it('is a flow step only: a request with ws is an unknown key', () => {
    expect(messages('load:\n  - duration: 1s\nrequests:\n  - { path: /, ws: { path: /ws/echo } }\n').join('\n')).toMatch(/ERR_SCENARIO_UNKNOWN_KEY/);
  });
});

describe('ws threshold metrics', () => {
  it.each([
    ['ws_connect p99 < 300ms', { metric: 'ws_connect p99', kind: 'stream', stream: 'ws_connect', percentile: 99, value: 300 }],
    ['ws_rtt max < 1s', { metric: 'ws_rtt max', stream: 'ws_rtt', stat: 'max', value: 1000 }],
    ['ws_messages/s > 100', { metric: 'ws_messages/s p50', stream: 'ws_messages/s', op: '>', value: 100 }],
    ['ws_messages/s p5 >= 10 messages/s', { metric: 'ws_messages/s p5', percentile: 5, value: 10 }],
  ])('%s', (text, expected) => {
    expect(parseThreshold(text)).toMatchObject(expected);
  });

  it('refuses a bare latency metric, a rate without a number, and windows', () => {
    for (const [text, re] of [['ws_rtt < 1s', /needs a statistic/], ['ws_messages/s > lots', /not a rate for ws_messages\/s/], ['ws_rtt p99 < 1s over 10s windows', /whole run/]] as const) {
      const t = parseThreshold(text);
      expect('error' in t && t.error).toMatch(re);
    }
  });

  it('units: ms for times, per_s for messages/s', () => {
    expect(thresholdUnit('stream', 'ws_rtt')).toBe('ms');
    expect(thresholdUnit('stream', 'ws_messages/s')).toBe('per_s');
  });
});
