import { describe, expect, it } from 'vitest';
import { Recorder } from '../../../src/metrics/recorder.js';
import { buildRunResult } from '../../../src/metrics/run-result.js';
import { thresholdLine } from '../../../src/report/format.js';
import { renderText } from '../../../src/report/text-report.js';
import { makeResult, thresholdOf } from '../../fixtures/report/make-result.js';

const env = { fastbenchVersion: '0', node: 'v', cpuModel: 'c', cores: 1 };

describe('text report', () => {
  it('shows one latency row when corrected and service time agree, both when they do not', () => {
    const rec = new Recorder({ requestNames: ['a'], startMs: 0 });
    rec.record(0, 1000, 1000, 200, 10, 5);
    const closed = renderText(buildRunResult(rec.snapshot(1000), { scenario: 'closed', environment: env }));
    expect(closed).toMatch(/^overall {2,}1\.00ms/m);
    expect(closed).not.toContain('service time');
    rec.record(0, 9000, 1000, 200, 10, 5);
    const open = renderText(buildRunResult(rec.snapshot(1000), { scenario: 'open', environment: env }));
    expect(open).toContain('overall (from scheduled send)');
    expect(open).toContain('overall service time');
  });

  it('marks interrupted and invalid runs plainly, and prints the generator health', () => {
    const rec = new Recorder({ requestNames: ['a'], startMs: 0 });
    const r = buildRunResult(rec.snapshot(500), { scenario: 's', environment: env, interrupted: true, valid: false, invalidReason: 'the generator was saturated' });
    const text = renderText({
      ...r,
      generator: {
        workers: 2, eventLoopDelayMs: { p50: 0, p99: 1.5, max: 3 }, eventLoopUtilization: 0.99, cpu: 0.97, cpuPerThread: true,
        schedule: { scheduled: 10, late: 2, maxLagMs: 12, backlogged: 0, backlogMax: 0, missed: 0 }, warnings: ['careful'],
      },
    });
    expect(text.split('\n')[0]).toContain('[INTERRUPTED, INVALID]');
    expect(text).toContain('INVALID RESULT: the generator was saturated');
    expect(text).toContain('generator: 2 workers, event loop busy 99%');
    expect(text).toContain('schedule: 10 arrivals, 2 left late');
    expect(text).toContain('warning: careful');
    expect(text).toMatch(/overall\s+-\s+-/); // no samples: dashes, not zeros
  });

  it('names what each threshold judged and prints values with their units', () => {
    // every request answers in ~20 ms, every attempt of "json" fails half the time
    const r = makeResult({
      requestNames: ['json'], medians: [20_000], spread: 0.1, errorEvery: 2, seconds: 2,
      thresholds: [
        thresholdOf('p99<5ms', 'json'), thresholdOf('errors < 5%'), thresholdOf('rps >= 10'), thresholdOf('max < 1s'),
        thresholdOf('p99 < 5ms over 1s windows'), thresholdOf('p50 < 250us', 'nope'),
      ],
    });
    const lines = renderText(r).split('\n');
    const at = lines.indexOf('thresholds:');
    expect(at).toBeGreaterThan(0);
    const shown = lines.slice(at + 1, at + 7);
    expect(shown[0]).toMatch(/^ {2}FAIL {2}json {2}p99 < 5ms {2}\(actual 2\d\.\d ms\)$/);
    expect(shown[1]).toBe('  FAIL  overall  errors < 5%  (actual 50 %)');
    expect(shown[2]).toBe('  PASS  overall  rps >= 10  (actual 200 rps)');
    expect(shown[3]).toMatch(/^ {2}PASS {2}overall {2}max < 1s {2}\(actual 2\d\.\d ms\)$/);
    expect(shown[4]).toMatch(/^ {2}FAIL {2}overall {2}p99 < 5ms {2}\(actual 2\d\.\d ms, each 1s window\)$/);
    expect(shown[5]).toBe('  FAIL  nope  p50 < 0.25ms  (no data)');
    expect(thresholdLine({ ...r.thresholds[1]!, actual: 1, passed: false })).toBe('FAIL  overall  errors < 5%  (actual 100 %)');
    expect(thresholdLine({ ...r.thresholds[1]!, actual: 0.00123, passed: true })).toBe('PASS  overall  errors < 5%  (actual 0.123 %)');
  });

  it('names pace overruns and used-up unique data rows on the phase line', () => {
    const rec = new Recorder({ requestNames: ['a'], startMs: 0 });
    const phase = { name: 'phase 1', startOffsetMs: 0, durationMs: 2000, kind: 'closed', details: { model: 'closed', connections: 2, sent: 9, paceOverruns: 3, dataExhausted: 2 } };
    const text = renderText(buildRunResult(rec.snapshot(500), { scenario: 's', environment: env, phases: [phase] }));
    expect(text).toContain('phase 1: closed, 2 conns, 2.0 s, 9 sent, 3 over their pace, data rows used up (2 workers)');
    const quiet = renderText(buildRunResult(rec.snapshot(500), { scenario: 's', environment: env, phases: [{ ...phase, details: { ...phase.details, paceOverruns: 0, dataExhausted: 0 } }] }));
    expect(quiet).toContain('phase 1: closed, 2 conns, 2.0 s, 9 sent\n');
  });
});
