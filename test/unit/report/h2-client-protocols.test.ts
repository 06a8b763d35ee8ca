// result.protocols (which protocols carried the requests) through the reports: the text summary
// line, and `fastbench merge` adding the parts' connections up (the in-flight peak: the largest).
import { describe, expect, it } from 'vitest';
import { mergeRunResults } from '../../../src/report/merge.js';
import { renderText } from '../../../src/report/text-report.js';
import { checkRunResult } from '../../../src/report/result-file.js';
import { renderJson } from '../../../src/report/json-report.js';
import { makeResult } from '../../fixtures/report/make-result.js';

describe('result.protocols in reports', () => {
  it('the text summary names each protocol, its connections and the most in flight per connection', () => {
    const r = { ...makeResult({ seconds: 2 }), protocols: { h2: { connections: 4, maxInFlightPerConnection: 10 }, 'http/1.1': { connections: 1, maxInFlightPerConnection: 1 } } };
    const text = renderText(r);
    expect(text).toContain('protocols: HTTP/2 — 4 connections, up to 10 streams in flight per connection; HTTP/1.1 — 1 connection, up to 1 request in flight per connection');
    expect(renderText(makeResult({ seconds: 2 }))).not.toMatch(/^protocols?:/m);
    expect(checkRunResult(JSON.parse(renderJson(r)))).toEqual([]);
  });

  it('merge adds connections up and keeps the largest in-flight peak', () => {
    const a = { ...makeResult({ seed: 2 }), protocols: { h2: { connections: 3, maxInFlightPerConnection: 10 } } };
    const b = { ...makeResult({ seed: 3 }), protocols: { h2: { connections: 2, maxInFlightPerConnection: 7 }, 'http/1.1': { connections: 1, maxInFlightPerConnection: 1 } } };
    const { result } = mergeRunResults([a, b]);
    expect(result.protocols).toEqual({ h2: { connections: 5, maxInFlightPerConnection: 10 }, 'http/1.1': { connections: 1, maxInFlightPerConnection: 1 } });
    expect(mergeRunResults([makeResult({ seed: 2 }), makeResult({ seed: 3 })]).result.protocols).toBeUndefined();
  });
});
