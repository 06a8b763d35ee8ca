import { describe, expect, it } from 'vitest';
import { ServerCounters } from '../../../src/server/server-stats.js';

describe('ServerCounters', () => {
  it('snapshots only what was counted, by status and by error code', () => {
    const c = new ServerCounters();
    c.byStatus[200]! += 3;
    c.byStatus[404]!++;
    c.reject('ERR_HTTP_CL_TE_CONFLICT');
    c.reject('ERR_SERVER_CONCURRENCY_LIMIT');
    c.reject('ERR_SERVER_CONCURRENCY_LIMIT');
    c.requests = 4;
    const s = c.snapshot();
    expect(s.responses).toEqual({ '200': 3, '404': 1 });
    expect(s.rejections).toEqual({ ERR_HTTP_CL_TE_CONFLICT: 1, ERR_SERVER_CONCURRENCY_LIMIT: 2 });
    expect(s.requests).toBe(4);
    expect(s.pid).toBe(process.pid);
    expect(c.rejections('ERR_SERVER_CONCURRENCY_LIMIT')).toBe(2);
    expect(() => c.reject('ERR_NOT_A_CODE')).toThrow();
  });

  it('reports output backpressure counters and the process memory', () => {
    const c = new ServerCounters();
    c.outputPauses += 2;
    c.drainWaits += 5;
    c.readYields += 3;
    const s = c.snapshot();
    expect(s.backpressure).toEqual({ outputPauses: 2, drainWaits: 5, readYields: 3 });
    expect(s.memory.rss).toBeGreaterThan(0);
    expect(s.memory.heapUsed).toBeGreaterThan(0);
    expect(s.memory.peakRss).toBeGreaterThanOrEqual(s.memory.rss * 0.9);
  });
});
