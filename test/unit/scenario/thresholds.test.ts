import { describe, expect, it } from 'vitest';
import { parseThreshold } from '../../../src/scenario/index.js';
import { formatThresholdLimit, thresholdCheck, thresholdLabel, thresholdScope, thresholdUnit } from '../../../src/scenario/thresholds.js';
import { load, messages, problems } from './helpers.js';

describe('threshold expressions', () => {
  it.each([
    ['p99 < 50ms', { metric: 'p99', kind: 'latency', percentile: 99, op: '<', value: 50 }],
    ['p99.9 < 200ms', { metric: 'p99.9', kind: 'latency', percentile: 99.9, op: '<', value: 200 }],
    ['p50 <= 10ms', { metric: 'p50', op: '<=', value: 10 }],
    ['p100<1s', { metric: 'p100', percentile: 100, value: 1000 }],
    ['max < 1s', { metric: 'max', kind: 'latency', percentile: undefined, value: 1000 }],
    ['mean < 0.5ms', { metric: 'mean', value: 0.5 }],
    ['stddev < 250us', { metric: 'stddev', value: 0.25 }],
    ['min >= 1ms', { metric: 'min', op: '>=', value: 1 }],
    ['errors < 1%', { metric: 'errors', kind: 'errors', op: '<', value: 0.01 }],
    ['errors <= 0.5%', { value: 0.005 }],
    ['errors < 0.02', { value: 0.02 }],
    ['rps > 1000', { metric: 'rps', kind: 'rps', op: '>', value: 1000 }],
    ['rps >= 1000/s', { value: 1000 }],
    ['rps > 500 rps', { value: 500 }],
  ])('%s', (text, expected) => {
    const t = parseThreshold(text);
    expect(t).toMatchObject({ window: undefined, ...expected });
  });

  it('parses windows', () => {
    expect(parseThreshold('p99 < 50ms over 10s windows')).toMatchObject({ value: 50, window: { kind: 'each', ms: 10_000 } });
    expect(parseThreshold('errors < 1% over last 30s')).toMatchObject({ value: 0.01, window: { kind: 'last', ms: 30_000 } });
    expect(parseThreshold('rps > 10 over 1m window')).toMatchObject({ window: { kind: 'each', ms: 60_000 } });
  });

  it.each([
    ['latency < 5ms', 0, /unknown threshold metric "latency"/],
    ['p9 9 < 5ms', 0, /unknown threshold metric/],
    ['p999 < 5ms', 0, /between p0 and p100/],
    ['p99 50ms', 0, /no comparison/],
    ['p99 = 50ms', 4, /"=" is not a threshold comparison/],
    ['p99 == 50ms', 4, /"==" is not/],
    ['p99 < 50', 6, /add a unit: 50ms/],
    ['p99 <', 5, /no value/],
    ['errors < 5', 9, /not an error rate/],
    ['errors < lots', 9, /not an error rate/],
    ['rps > many', 6, /not a rate/],
    ['< 5ms', 0, /names no metric/],
    ['p99 < 5ms over 10s', 15, /bad window/],
    ['p99 < 5ms over last soon', 15, /not a window duration/],
    ['errs < 1%', 0, /did you mean "errors"/],
  ])('rejects %j', (text, index, message) => {
    const r = parseThreshold(text);
    expect(r).toMatchObject({ index, error: expect.stringMatching(message) });
  });
});

describe('thresholds in scenarios', () => {
  const REQS = 'load: {duration: 1s}\nrequests:\n  - {name: login, path: /login}\n  - {path: /json}\n';

  it('accepts the list form with plain and object entries', () => {
    const s = load(`${REQS}thresholds:
  - p99 < 50ms
  - check: errors < 1% over last 30s
    request: login
    abortOnFail: true
  - {check: rps > 10, request: GET /json}
`);
    expect(s.thresholds.map((t) => [t.metric, t.value, t.request, t.abortOnFail, t.window?.kind])).toEqual([
      ['p99', 50, undefined, false, undefined],
      ['errors', 0.01, 'login', true, 'last'],
      ['rps', 10, 'GET /json', false, undefined],
    ]);
    expect(s.thresholds[0]!.pos).toMatchObject({ line: 6, column: 5 });
    expect(s.thresholds[0]!.text).toBe('p99 < 50ms');
  });

  it('accepts the mapping form: overall and per request name', () => {
    const s = load(`${REQS}thresholds:
  overall: [p99 < 50ms, errors < 1%]
  login:
    - p99.9 < 200ms over 10s windows
    - {check: max < 1s, abortOnFail: true}
  GET /json: rps > 1
`);
    expect(s.thresholds.map((t) => [t.text, t.request ?? '(overall)', t.abortOnFail])).toEqual([
      ['p99 < 50ms', '(overall)', false],
      ['errors < 1%', '(overall)', false],
      ['p99.9 < 200ms over 10s windows', 'login', false],
      ['max < 1s', 'login', true],
      ['rps > 1', 'GET /json', false],
    ]);
  });

  it('rejects unknown metrics and unknown request names: never a silent pass', () => {
    expect(messages(`${REQS}thresholds:\n  - p99 < 50ms\n  - lat < 5ms\n  - {check: p99 < 1s, request: logn}\n`)).toEqual([
      expect.stringMatching(/^ERR_SCENARIO_THRESHOLD 7:5 unknown threshold metric "lat"/),
      expect.stringMatching(/^ERR_SCENARIO_THRESHOLD 8:32 threshold for unknown request "logn" \(did you mean "login"\?\)/),
    ]);
    expect(messages(`${REQS}thresholds:\n  checkout: [p99 < 1s]\n`)).toEqual([
      expect.stringMatching(/^ERR_SCENARIO_THRESHOLD 6:3 threshold for unknown request "checkout"/),
    ]);
  });

  it('points at the offending token inside the expression', () => {
    expect(problems(`${REQS}thresholds:\n  - p99 < 50\n`)).toEqual(['ERR_SCENARIO_THRESHOLD 6:11']);
    expect(problems(`${REQS}thresholds:\n  - "errors < 5"\n`)).toEqual(['ERR_SCENARIO_THRESHOLD 6:15']);
  });

  it('rejects malformed entries', () => {
    expect(messages(`${REQS}thresholds:\n  - 5\n  - {request: login}\n  - {check: p99 < 1s, abort: true}\n`)).toEqual([
      expect.stringMatching(/^ERR_SCENARIO_TYPE 6:5 thresholds\[0\] must be an expression/),
      expect.stringMatching(/^ERR_SCENARIO_MISSING 7:5 thresholds\[1\] needs "check"/),
      expect.stringMatching(/^ERR_SCENARIO_UNKNOWN_KEY 8:23 unknown key "abort" .*did you mean "abortOnFail"/),
    ]);
    expect(messages(`${REQS}thresholds:\n  login: [{check: p99 < 1s, request: login}]\n`)).toEqual([
      expect.stringMatching(/^ERR_SCENARIO_VALUE 6:29 .*the mapping key already names the request/),
    ]);
    expect(messages(`${REQS}thresholds: p99 < 1s\n`)).toEqual([expect.stringMatching(/^ERR_SCENARIO_TYPE 5:13/)]);
  });

  it('checks names against flow steps in flow scenarios', () => {
    const flow = 'load: {duration: 1s}\nflows:\n  - steps: [{name: login, path: /}]\n';
    expect(load(`${flow}thresholds: {login: [p99 < 1s]}\n`).thresholds[0]!.request).toBe('login');
    expect(problems(`${flow}thresholds: {logout: [p99 < 1s]}\n`)).toEqual(['ERR_SCENARIO_THRESHOLD 4:14']);
  });
});

describe('threshold descriptions', () => {
  it('spell limits with their units and name the scope', () => {
    expect(formatThresholdLimit('ms', 5)).toBe('5ms');
    expect(formatThresholdLimit('ms', 0.25)).toBe('0.25ms');
    expect(formatThresholdLimit('ms', 1000)).toBe('1s');
    expect(formatThresholdLimit('ms', 1500)).toBe('1500ms');
    expect(formatThresholdLimit('ratio', 0.05)).toBe('5%');
    expect(formatThresholdLimit('ratio', 0.07)).toBe('7%');
    expect(formatThresholdLimit('ratio', 0.005)).toBe('0.5%');
    expect(formatThresholdLimit('rps', 1000)).toBe('1000');
    expect(thresholdUnit('latency')).toBe('ms');
    expect(thresholdUnit('errors')).toBe('ratio');
    expect(thresholdUnit('rps')).toBe('rps');
    expect(thresholdCheck({ metric: 'p99', op: '<', unit: 'ms', limit: 5 })).toBe('p99 < 5ms');
    const [a, b] = load(
      'target: http://127.0.0.1:9\nload: [{ connections: 1, duration: 1s }]\nrequests: [{ name: json, path: /json }]\n' +
        'thresholds:\n  overall: [ "errors<0.05 over last 2s" ]\n  json: [ { check: "p99<=5ms", abortOnFail: true } ]\n',
    ).thresholds;
    expect([thresholdScope(a!), thresholdScope(b!)]).toEqual(['overall', 'json']);
    expect(thresholdLabel(a!)).toBe('overall: errors < 5% over last 2s');
    expect(thresholdLabel(b!)).toBe('json: p99 <= 5ms');
  });
});

describe('stream threshold expressions (issue 18)', () => {
  it.each([
    ['ttfb p99 < 300ms', { metric: 'ttfb p99', kind: 'stream', stream: 'ttfb', stat: 'p99', percentile: 99, value: 300 }],
    ['first_event p50 < 1s', { metric: 'first_event p50', stream: 'first_event', value: 1000 }],
    ['first_chunk p90 < 1s', { metric: 'first_event p90', stream: 'first_event' }],
    ['first_token max < 2s', { metric: 'first_event max', stream: 'first_event', stat: 'max', percentile: undefined }],
    ['gap p99 < 50ms', { metric: 'gap p99', stream: 'gap', value: 50 }],
    ['stream_duration mean < 5s', { metric: 'stream_duration mean', stream: 'stream_duration', stat: 'mean' }],
    ['events/s > 20', { metric: 'events/s p50', stream: 'events/s', op: '>', value: 20 }],
    ['events/s p1 >= 5 events/s', { metric: 'events/s p1', percentile: 1, value: 5 }],
  ])('%s', (text, expected) => {
    expect(parseThreshold(text)).toMatchObject({ window: undefined, ...expected });
  });

  it.each([
    ['ttfb < 300ms', /ttfb needs a statistic/],
    ['gap p200 < 1ms', /between p0 and p100/],
    ['gap median < 1ms', /unknown statistic "median"/],
    ['events/s > fast', /not a rate for events\/s/],
    ['gap p99 < 50', /add a unit/],
    ['gap p99 < 50ms over 10s windows', /judged over the whole run/],
    ['constructor p99 < 1s', /unknown threshold metric/],
  ])('refuses %s', (text, message) => {
    const t = parseThreshold(text);
    expect('error' in t && t.error).toMatch(message);
  });

  it('units and labels: ms for times, per_s for events/s', () => {
    expect(thresholdUnit('stream', 'gap')).toBe('ms');
    expect(thresholdUnit('stream', 'events/s')).toBe('per_s');
    expect(formatThresholdLimit('per_s', 20)).toBe('20');
  });

  it('refuses abortOnFail on a stream metric, and accepts stream: on requests and steps', () => {
    const text = 'load:\n  - duration: 1s\nrequests:\n  - { name: t, path: /stream/tokens, stream: true }\nthresholds:\n  - { check: "ttfb p99 < 1s", abortOnFail: true }\n';
    expect(problems(text)).toEqual(['ERR_SCENARIO_THRESHOLD 6:14']);
    const ok = load('load:\n  - duration: 1s\nrequests:\n  - { name: t, path: /stream/tokens, stream: true }\n  - { name: e, path: /sse, stream: sse }\n  - { name: p, path: /, stream: false }\nthresholds:\n  t: [ "gap p99 < 50ms" ]\n');
    expect(ok.requests.map((r) => r.stream)).toEqual(['chunks', 'sse', undefined]);
    expect(problems('load:\n  - duration: 1s\nrequests:\n  - { path: /, stream: yes please }\n')).toEqual(['ERR_SCENARIO_VALUE 4:24']);
  });
});
