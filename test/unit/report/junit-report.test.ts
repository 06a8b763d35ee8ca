import { describe, expect, it } from 'vitest';
import { escapeXml, renderJunit } from '../../../src/report/junit-report.js';
import { makeResult, thresholdOf } from '../../fixtures/report/make-result.js';
import { findAll, parseXml } from './xml-check.js';

describe('renderJunit', () => {
  const result = makeResult({
    scenario: 'cart <"quoted"> & \'apostrophes\' \u0001',
    errorEvery: 20,
    thresholds: [
      thresholdOf('p99 < 1s'), thresholdOf('errors < 1%'), thresholdOf('p50 < 100us'), thresholdOf('p99 < 1s over 2s windows'), thresholdOf('rps > 10'),
      thresholdOf('p99 < 1s', 'api'), thresholdOf('errors<1%', 'api'),
    ],
  });
  const xml = renderJunit(result);

  it('is well-formed XML with one testcase per threshold and a failure for each failed one', () => {
    const root = parseXml(xml);
    expect(root.name).toBe('testsuites');
    const cases = findAll(root, 'testcase');
    // one test per threshold, named by scope and check: unique even where expressions repeat
    expect(cases.map((c) => c.attrs.name)).toEqual([
      'overall: p99 < 1s', 'overall: errors < 1%', 'overall: p50 < 0.1ms', 'overall: p99 < 1s (each 2s window)', 'overall: rps > 10',
      'api: p99 < 1s', 'api: errors < 1%',
    ]);
    expect(new Set(cases.map((c) => c.attrs.name)).size).toBe(cases.length);
    const failed = cases.filter((c) => c.children.some((k) => k.name === 'failure'));
    expect(failed.map((c) => c.attrs.name)).toEqual(['overall: errors < 1%', 'overall: p50 < 0.1ms', 'api: errors < 1%']);
    expect(root.attrs.tests).toBe('7');
    expect(root.attrs.failures).toBe('3');
    const suite = findAll(root, 'testsuite')[0]!;
    expect(suite.attrs.failures).toBe('3');
    expect(suite.attrs.timestamp).toBe('2025-01-01T12:00:00');
    expect(suite.attrs.time).toBe('10.000');
    const failure = findAll(failed[0]!, 'failure')[0]!;
    expect(failure.attrs.type).toBe('threshold');
    expect(failure.attrs.message).toBe('threshold failed: overall: errors < 1% (actual 5 %)');
    expect(findAll(failed[2]!, 'failure')[0]!.attrs.message).toBe('threshold failed: api: errors < 1% (actual 10 %)');
  });

  it('escapes markup and drops characters XML cannot carry', () => {
    const root = parseXml(xml);
    const suite = findAll(root, 'testsuite')[0]!;
    expect(suite.attrs.name).toBe('fastbench thresholds: cart <"quoted"> & \'apostrophes\' \uFFFD');
    const props = Object.fromEntries(findAll(root, 'property').map((p) => [p.attrs.name, p.attrs.value]));
    expect(props.requests).toBe(String(result.summary.requests));
    expect(props.valid).toBe('true');
    expect(escapeXml('a<b>&"\'\u0000\uD800x')).toBe('a&lt;b&gt;&amp;&quot;&apos;\uFFFD\uFFFDx');
    expect(escapeXml('😀')).toBe('😀');
  });

  it('is an empty but valid suite without thresholds', () => {
    const root = parseXml(renderJunit(makeResult({ seconds: 1 })));
    expect(root.attrs.tests).toBe('0');
    expect(findAll(root, 'testcase')).toEqual([]);
    expect(findAll(root, 'system-out')[0]!.text).toMatch(/^200 requests in 1\.000 s/);
  });

  it('the checker itself rejects malformed XML', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow();
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow(/duplicate/);
    expect(() => parseXml('<a>&nbsp;</a>')).toThrow(/entity/);
    expect(() => parseXml('<a>x & y</a>')).toThrow(/bare &/);
    expect(() => parseXml('<a/><b/>')).toThrow(/root/);
    expect(() => parseXml('<a x=1/>')).toThrow(/unquoted/);
  });
});
