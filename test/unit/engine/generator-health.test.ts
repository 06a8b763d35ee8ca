import { describe, expect, it } from 'vitest';
import { judgeGenerator } from '../../../src/engine/generator-health.js';
import type { PhaseRun } from '../../../src/engine/loop-types.js';
import type { WorkerOutcome } from '../../../src/engine/worker-run.js';
import type { MonitorSample } from '../../../src/engine/generator-monitor.js';

function phase(p: Partial<PhaseRun>): PhaseRun {
  return {
    index: 0, name: 'p', warmup: false, model: 'open', startMs: 0, endMs: 1000, iterations: 0, sent: 0,
    scheduled: 1000, late: 0, maxLagMs: 1, backlogged: 0, backlogMax: 0, missed: 0, ...p,
  };
}

function outcome(monitor: Partial<MonitorSample>, phases: PhaseRun[]): WorkerOutcome {
  return {
    workerIndex: 0,
    snapshot: undefined as never,
    phases,
    phaseEpochs: [],
    measuredStartEpochMs: 0,
    measuredMs: 1000,
    interrupted: false,
    monitor: { delayP50Ms: 0.1, delayP99Ms: 1, delayMaxMs: 2, delaySamples: 500, utilization: 0.3, cpu: 0.3, cpuPerThread: true, wallMs: 1000, ...monitor },
  };
}

describe('generator health', () => {
  it('is valid when the loop kept time and had room', () => {
    const h = judgeGenerator([outcome({}, [phase({})])]);
    expect(h.valid).toBe(true);
    expect(h.invalidReason).toBeUndefined();
    expect(h.warnings).toEqual([]);
  });

  it('flags schedule slip with a connection free (the generator could not keep time)', () => {
    const h = judgeGenerator([outcome({}, [phase({ late: 30, maxLagMs: 40 })]), outcome({}, [phase({})])]);
    expect(h.schedule).toMatchObject({ scheduled: 2000, late: 30 });
    expect(h.valid).toBe(false);
    expect(h.invalidReason).toMatch(/schedule slip: 30 of 2000/);
  });

  it('flags event-loop stalls and saturation, worst worker first', () => {
    expect(judgeGenerator([outcome({ delayP99Ms: 80 }, [])]).invalidReason).toMatch(/delay p99 80/);
    expect(judgeGenerator([outcome({ delayP99Ms: 80, delaySamples: 30 }, [])]).valid).toBe(true); // too short to tell
    const sat = judgeGenerator([outcome({ utilization: 0.5 }, []), outcome({ utilization: 0.995 }, [])]);
    expect(sat.valid).toBe(false);
    expect(sat.eventLoopUtilization).toBe(0.995);
    expect(sat.invalidReason).toMatch(/saturated/);
    expect(judgeGenerator([outcome({ utilization: 0.95 }, [])]).warnings[0]).toMatch(/close to its ceiling/);
  });

  it('reports backlog (the target was slow) without invalidating the run; ignores warmups', () => {
    const h = judgeGenerator([outcome({}, [phase({ backlogged: 50, backlogMax: 9, missed: 3 }), phase({ warmup: true, late: 900 })])]);
    expect(h.valid).toBe(true);
    expect(h.schedule).toMatchObject({ backlogged: 50, backlogMax: 9, missed: 3, late: 0 });
    expect(h.warnings[0]).toMatch(/backlog: 50 .* 3 were never sent/);
  });
});
