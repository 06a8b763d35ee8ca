import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mergeRunResults } from '../../../src/report/merge.js';
import { SEARCH_SUMMARY } from './search-fixture.js';
import { JsonSchemaValidator } from '../../../src/report/json-schema.js';
import { RESULT_KEY_ORDER, renderJson, type KeyShape } from '../../../src/report/json-report.js';
import { checkRunResult, parseRunResult } from '../../../src/report/result-file.js';
import { RUN_RESULT_SCHEMA_VERSION } from '../../../src/metrics/run-result.js';
import { judgeGenerator } from '../../../src/engine/generator-health.js';
import { Series } from '../../../src/metrics/series.js';
import { makeResult, thresholdOf } from '../../fixtures/report/make-result.js';

const schema = JSON.parse(readFileSync(new URL('../../../schema/result.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;

function variants() {
  const full = makeResult({
    errorEvery: 50,
    thresholds: [thresholdOf('p99 < 50ms'), thresholdOf('errors < 1%'), thresholdOf('p99 < 20ms over 2s windows'), thresholdOf('p50 < 1ms', 'api')],
    interrupted: true,
  });
  const single = makeResult({ requestNames: ['only'], seconds: 3, seriesHistograms: 'corrected' });
  const noIntervals = makeResult({ seconds: 2, seriesHistograms: 'none' });
  const empty = makeResult({ seconds: 0 });
  const invalid = { ...makeResult({ seconds: 2 }), valid: false, invalidReason: 'event loop saturated' };
  const merged = mergeRunResults([makeResult({ seed: 2 }), makeResult({ seed: 3 })]).result;
  // what the engine adds to a run's result: its self-health, the abort reason, per-request series
  const base = makeResult({ seconds: 3 });
  const engine = {
    ...base,
    generator: { ...judgeGenerator([]), warnings: ['backlog: 3 arrivals waited for a connection'] },
    abortedBy: 'p99 < 1ms',
    requestSeries: { api: { series: base.series, intervals: Series.intervalHistograms([]) } },
  };
  // issue 18: a capacity search's result carries `search`
  const search = { ...makeResult({ seconds: 3 }), search: SEARCH_SUMMARY };
  return { full, single, noIntervals, empty, invalid, merged, engine, search };
}

describe('schema/result.schema.json', () => {
  it('is draft 2020-12, versioned by RunResult.schemaVersion, and within the validator subset', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect((schema.properties as Record<string, { const?: number }>).schemaVersion?.const).toBe(RUN_RESULT_SCHEMA_VERSION);
    expect(() => new JsonSchemaValidator(schema)).not.toThrow();
  });

  it.each(Object.entries(variants()))('validates a real result: %s', (_name, result) => {
    const doc = JSON.parse(renderJson(result));
    expect(checkRunResult(doc)).toEqual([]);
  });

  it('records on each threshold outcome what it judged, in its unit', () => {
    const doc = JSON.parse(renderJson(variants().full)) as { thresholds: Array<Record<string, unknown>> };
    expect(doc.thresholds.map((t) => [t.scope, t.metric, t.op, t.unit, t.limit])).toEqual([
      ['overall', 'p99', '<', 'ms', 50],
      ['overall', 'errors', '<', 'ratio', 0.01],
      ['overall', 'p99', '<', 'ms', 20],
      ['api', 'p50', '<', 'ms', 1],
    ]);
    expect(Object.keys(doc.thresholds[2]!)).toEqual(['expression', 'scope', 'metric', 'op', 'unit', 'limit', 'passed', 'actual', 'window']);
    expect(doc.thresholds[1]!.actual).toBeCloseTo(0.02, 5);
  });

  it('rejects what RunResult does not allow', () => {
    const base = JSON.parse(renderJson(makeResult({ seconds: 2 }))) as Record<string, any>;
    const bad = (mutate: (d: Record<string, any>) => void): string[] => {
      const d = structuredClone(base);
      mutate(d);
      return checkRunResult(d).map((p) => `${p.path} ${p.message}`);
    };
    expect(bad((d) => delete d.summary)).toEqual([' missing required property "summary"']);
    expect(bad((d) => (d.extra = 1))).toEqual([' unknown property "extra"']);
    expect(bad((d) => (d.schemaVersion = 2))).toEqual(['/schemaVersion expected 1']);
    expect(bad((d) => (d.startTime = 'yesterday'))).toEqual(['/startTime is not an RFC 3339 date-time']);
    expect(bad((d) => (d.overall.requests = 1.5))).toEqual(['/overall/requests expected integer, got number']);
    expect(bad((d) => (d.statusCounts = { '999x': 1 }))[0]).toMatch(/^\/statusCounts\/999x does not match/);
    expect(bad((d) => (d.errorsByCode = { timeout: 1 }))[0]).toMatch(/^\/errorsByCode\/timeout does not match/);
    const outcome = { expression: 'p99 < 1ms', scope: 'overall', metric: 'p99', op: '<', unit: 'ms', limit: 1, passed: false, actual: null };
    expect(bad((d) => (d.thresholds = [outcome]))).toEqual([]);
    expect(bad((d) => (d.thresholds = [{ ...outcome, passed: 'no' }]))).toEqual(['/thresholds/0/passed expected boolean, got string']);
    // every outcome says what it judged: scope, metric, op, unit and limit
    expect(bad((d) => (d.thresholds = [{ expression: 'p99 < 1ms', passed: false, actual: null }]))).toEqual(
      ['scope', 'metric', 'op', 'unit', 'limit'].map((k) => `/thresholds/0 missing required property "${k}"`),
    );
    expect(bad((d) => (d.thresholds = [{ ...outcome, unit: 'percent' }]))[0]).toMatch(/^\/thresholds\/0\/unit expected one of \["ms","ratio","rps","count","per_s"\]/);
    expect(bad((d) => (d.thresholds = [{ ...outcome, scope: '' }]))[0]).toMatch(/^\/thresholds\/0\/scope does not match/);
    expect(bad((d) => (d.histograms.intervals[0].corrected.hdr = 'not base64!'))[0]).toMatch(/intervals\/0\/corrected\/hdr does not match/);
  });

  it('refuses keywords outside the subset and unresolvable refs', () => {
    expect(() => new JsonSchemaValidator({ oneOf: [] })).toThrow(/unsupported JSON Schema keyword "oneOf"/);
    expect(() => new JsonSchemaValidator({ $ref: '#/$defs/nope' })).toThrow(/unresolvable/);
    expect(() => new JsonSchemaValidator({ format: 'email' })).toThrow(/unsupported format/);
  });

  it('parseRunResult names the file and the problem', () => {
    expect(() => parseRunResult('{', 'a.json')).toThrow(/a\.json: not JSON/);
    expect(() => parseRunResult('{"schemaVersion": 9}', 'a.json')).toThrow(/schemaVersion 9 is not supported/);
    expect(() => parseRunResult('{"hello": 1}', 'a.json')).toThrow(/no schemaVersion/);
    expect(() => parseRunResult('{"schemaVersion": 1}', 'a.json')).toThrow(/missing required property "scenario"/);
    try {
      parseRunResult('[]', 'a.json');
    } catch (e) {
      expect((e as { code: string }).code).toBe('ERR_RESULT_FILE');
    }
  });
});

describe('renderJson', () => {
  it('orders keys as the schema declares them, at every level', () => {
    const walk = (shape: KeyShape, node: Record<string, any>, where: string): void => {
      if (shape.kind === 'object') {
        expect(Object.keys(shape.keys), where).toEqual(Object.keys(node.properties));
        for (const [k, sub] of Object.entries(shape.keys)) walk(sub, resolve(node.properties[k]), `${where}.${k}`);
      } else if (shape.kind === 'array') {
        walk(shape.items, resolve(node.items), `${where}[]`);
      } else if (shape.kind === 'map') {
        expect(node.additionalProperties, where).toBeTypeOf('object');
        walk(shape.values, resolve(node.additionalProperties), `${where}{}`);
      }
    };
    const resolve = (n: Record<string, any>): Record<string, any> => {
      let cur = n;
      while (typeof cur.$ref === 'string') cur = (schema.$defs as Record<string, any>)[cur.$ref.replace('#/$defs/', '')];
      return cur;
    };
    walk(RESULT_KEY_ORDER, schema, 'result');
  });

  it('gives the same bytes however the object was built', () => {
    const r = makeResult({ errorEvery: 40 });
    const text = renderJson(r);
    const shuffle = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(shuffle);
      if (v === null || typeof v !== 'object') return v;
      return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, shuffle(x)]));
    };
    expect(renderJson(shuffle(r) as typeof r)).toBe(text);
    expect(renderJson(JSON.parse(text))).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(text)).slice(0, 3)).toEqual(['schemaVersion', 'scenario', 'environment']);
    const withStatus = { ...r, statusCounts: { other: 1, '503': 2, '200': 3 } };
    expect(Object.keys(JSON.parse(renderJson(withStatus)).statusCounts)).toEqual(['200', '503', 'other']);
  });
});
