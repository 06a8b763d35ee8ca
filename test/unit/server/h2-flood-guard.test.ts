import { describe, expect, it } from 'vitest';
import { FloodGuard, FloodKind } from '../../../src/server/h2/flood-guard.js';

describe('FloodGuard', () => {
  it('allows a kind up to its budget per second, then reports the flood', () => {
    const g = new FloodGuard([3, 1, 1, 1, 1, Infinity]);
    expect([1, 2, 3].map(() => g.hit(FloodKind.RAPID_RESET, 0))).toEqual([false, false, false]);
    expect(g.hit(FloodKind.RAPID_RESET, 10)).toBe(true);
  });

  it('counts kinds separately and starts over in the next second (an injected clock)', () => {
    const g = new FloodGuard([1, 1, 1, 1, 1, Infinity]);
    expect(g.hit(FloodKind.PING, 0)).toBe(false);
    expect(g.hit(FloodKind.SETTINGS, 0)).toBe(false);
    expect(g.hit(FloodKind.PING, 999)).toBe(true);
    expect(g.hit(FloodKind.PING, 1000)).toBe(false);
    expect(g.hit(FloodKind.CONTINUATION, 1000)).toBe(false);
  });
});
