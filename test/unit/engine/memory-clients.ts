// Test doubles for driving the load loop with no sockets: an in-memory backend with a fixed
// service time on the fake clock, and the fake clock itself (fake timers + performance.now).
import { performance } from 'node:perf_hooks';
import { vi } from 'vitest';
import type { ResponseCallback } from '../../../src/client/doer.js';
import type { Request } from '../../../src/client/request.js';
import type { Response } from '../../../src/client/response.js';
import { nowMs } from '../../../src/core/clock.js';
import type { TargetClients } from '../../../src/engine/target-clients.js';

/**
 * A backend answering every exchange after `serviceMs` (fake time); those sent after `hangFrom`
 * (nowMs()) never. `sends` (when given) gets the nowMs() of every dispatch.
 */
export function memoryClients(serviceMs: number, hangFrom = Infinity, sends?: number[]): TargetClients {
  const client = {
    dispatch(req: Request, res: Response, cb: ResponseCallback): void {
      sends?.push(nowMs());
      if (nowMs() >= hangFrom) return; // deaf to its deadline: still in flight when the drain ends
      res.status = 200;
      setTimeout(() => cb.onResponse(req, res, null), serviceMs);
    },
  };
  const backend = { client, hostHeader: '127.0.0.1:1' };
  return {
    groups: [{ origin: 'http://127.0.0.1:1', backends: [backend] }],
    groupOf: () => 0,
    pick: () => 0,
    backend: () => backend,
    close: () => Promise.resolve(),
  } as unknown as TargetClients;
}

/** Fake timers and a performance.now() that follows them (whole ms from 1000). */
export function useFakeClock(): void {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  const t0 = Date.now();
  vi.spyOn(performance, 'now').mockImplementation(() => 1000 + Date.now() - t0);
}

export function restoreClock(): void {
  vi.restoreAllMocks();
  vi.useRealTimers();
}
