// HostGate: which hosts the frontier may hand out (hold/unhold by in-flight, parked URL and
// robots state), exponential back-off, and dead hosts drained without delay.
import { describe, expect, it } from 'vitest';
import type { Response } from '../../../src/client/response.js';
import { FastbenchError } from '../../../src/core/errors.js';
import { AdaptivePace } from '../../../src/crawl/adaptive-pace.js';
import type { CrawlQueue } from '../../../src/crawl/crawl-queue.js';
import { HostGate } from '../../../src/crawl/host-gate.js';
import { HostTable, RobotsState } from '../../../src/crawl/host-state.js';

function answer(status: number, retryAfter?: string): Response {
  return { status, header: (n: string) => (n === 'retry-after' ? retryAfter : undefined) } as unknown as Response;
}

function setup(robots = true) {
  const calls: string[] = [];
  const queue = {
    hold: (h: string) => void calls.push(`hold ${h}`),
    release: (h: string) => void calls.push(`release ${h}`),
    setHostDelay: (h: string, d: number) => void calls.push(`delay ${h} ${d}`),
    deferHost: (h: string, t: number) => void calls.push(`defer ${h} ${t}`),
  } as unknown as CrawlQueue;
  const gate = new HostGate(queue, { perHost: 2, robots, backoffBaseMs: 100, backoffMaxMs: 1000, hostErrorBudget: 2 });
  return { gate, calls, hosts: new HostTable(0) };
}

describe('HostGate', () => {
  it('holds once and releases only when nothing keeps the host out', () => {
    const { gate, calls, hosts } = setup();
    const h = hosts.get('a.test');
    gate.hold(h);
    gate.hold(h);
    expect(calls).toEqual(['hold a.test']);
    gate.unhold(h); // robots.txt not in yet
    h.robotsState = RobotsState.Ready;
    h.inFlight = 2;
    gate.unhold(h); // at --per-host
    h.inFlight = 1;
    h.parked = { url: 'http://a.test/', depth: 0, host: 'a.test' };
    gate.unhold(h); // a URL parked
    h.parked = null;
    gate.unhold(h);
    expect(calls).toEqual(['hold a.test', 'release a.test']);
    expect(h.held).toBe(false);
  });

  it('holds at --per-host in flight', () => {
    const { gate, hosts } = setup(false);
    const h = hosts.get('a.test');
    h.inFlight = 1;
    gate.holdIfFull(h);
    expect(h.held).toBe(false);
    h.inFlight = 2;
    gate.holdIfFull(h);
    expect(h.held).toBe(true);
  });

  it('backs off exponentially up to the cap', () => {
    const { gate, calls, hosts } = setup();
    const h = hosts.get('a.test');
    for (let i = 0; i < 5; i++) gate.backOff(h, 0);
    expect(calls).toEqual(['defer a.test 100', 'defer a.test 200', 'defer a.test 400', 'defer a.test 800', 'defer a.test 1000']);
  });

  it('a dead host keeps its first code, drops its delay and is released whatever its state', () => {
    const { gate, calls, hosts } = setup();
    const h = hosts.get('a.test');
    gate.hold(h);
    h.inFlight = 5;
    gate.markDead(h, 'ERR_DNS_NOT_FOUND');
    gate.markDead(h, 'ERR_CRAWL_HOST_BUDGET');
    expect(h.dead).toBe('ERR_DNS_NOT_FOUND');
    gate.unhold(h);
    expect(calls).toEqual(['hold a.test', 'delay a.test 0', 'release a.test']);
  });

  it('after a page: Retry-After defers a 429 and backs it off; failures spend the budget; a response resets', () => {
    const { gate, calls, hosts } = setup(false);
    const h = hosts.get('a.test');
    gate.afterPage(h, answer(429, '3'), null, false, 5, 1000);
    expect(calls).toEqual(['defer a.test 4000', 'defer a.test 1100']);
    calls.length = 0;
    gate.afterPage(h, answer(0), new FastbenchError('ERR_CONN_REFUSED', 'x'), true, 0, 3000);
    expect(h.consecutive).toBe(1);
    expect(h.dead).toBeNull();
    gate.afterPage(h, answer(500), null, true, 5, 4000);
    expect(h.dead).toBe('ERR_CRAWL_HOST_BUDGET');
    expect(calls).toEqual(['defer a.test 3100', 'defer a.test 4200', 'delay a.test 0']);
    const g = hosts.get('b.test');
    gate.afterPage(g, answer(0), new FastbenchError('ERR_CONN_REFUSED', 'x'), true, 0, 0);
    gate.afterPage(g, answer(200), null, false, 5, 0);
    expect(g.consecutive).toBe(0);
  });

  it('--adaptive: an overloaded answer halves the limit and sets the host delay; a dead host is left alone', () => {
    const { gate, calls, hosts } = setup(false);
    const h = hosts.get('a.test');
    h.pace = new AdaptivePace(100, 8, 5000);
    h.pace.limit = 4;
    gate.afterPage(h, answer(503), null, true, 50, 0);
    expect(h.pace.limit).toBe(2);
    expect(calls).toContain('delay a.test 100');
    h.dead = 'ERR_DNS_NOT_FOUND';
    gate.pace(h, true, 50);
    expect(h.pace.limit).toBe(2);
  });
});
