import { describe, expect, it } from 'vitest';
import { Recorder } from '../../../src/metrics/recorder.js';
import { buildRunResult } from '../../../src/metrics/run-result.js';
import { renderText } from '../../../src/report/text-report.js';

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
});
