// Streamed responses timed chunk by chunk (issue 18), end to end: the engine against the bundled
// server's paced streams (/stream/tokens, /sse) over HTTP/1.1 and h2c, and `fastbench run` gating
// on first-token and gap percentiles. Bounds are tolerant (a shared, loaded machine): the server's
// pacing sets floors no run can beat (a token cannot come before its first-token delay); ceilings
// are generous.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/index.js';
import type { FastbenchServer } from '../../../src/server/server.js';
import { runCli } from '../../helpers/cli.js';
import { scenario, startBundled } from './helpers.js';

let url = '';
let server: FastbenchServer;
let dir = '';

beforeAll(async () => {
  const s = await startBundled();
  url = s.url;
  server = s.server;
  dir = mkdtempSync(join(tmpdir(), 'fastbench-stream-'));
});
afterAll(async () => {
  await server.close(200);
  rmSync(dir, { recursive: true, force: true });
});

function streamScenario(protocol: 'http1' | 'h2'): string {
  return `name: streams-${protocol}
target: ${url}
client: { protocol: ${protocol === 'h2' ? 'h2' : 'http1'}, connections: 2, timeout: 10s }
load:
  - connections: 2
    requests: 8
requests:
  - name: tokens
    path: /stream/tokens?n=6&rate=50&first=80ms
    stream: true
  - name: events
    path: /stream/tokens?n=4&rate=40&first=30ms&format=sse
    stream: sse
`;
}

describe.each(['http1', 'h2'] as const)('streaming metrics over %s', (protocol) => {
  it('ttfb, first event, gaps, durations and events/s match the server\'s pacing (tolerant bounds)', async () => {
    const r = await runScenario(scenario(streamScenario(protocol)));
    expect(r.summary.errors).toBe(0);
    expect(Object.keys(r.protocols ?? {})).toEqual([protocol === 'h2' ? 'h2' : 'http/1.1']);
    const tokens = r.requests.find((q) => q.name === 'tokens')!;
    const events = r.requests.find((q) => q.name === 'events')!;
    const t = tokens.stream!;
    const e = events.stream!;
    expect(t.streams).toBe(tokens.requests);
    expect(e.streams).toBe(events.requests);
    expect(t.streams + e.streams).toBe(8);
    // The head comes at once, the first token after 80 ms: ttfb < first token, and first token ≥ its delay.
    expect(t.ttfbMs.p50).toBeLessThan(t.firstEventMs.p50);
    expect(t.firstEventMs.min).toBeGreaterThanOrEqual(75);
    expect(t.firstEventMs.max).toBeLessThan(5000);
    // Chunks read together count once: between 1 and 6 arrivals per stream; gaps around 20 ms.
    expect(t.events).toBeGreaterThanOrEqual(t.streams);
    expect(t.events).toBeLessThanOrEqual(6 * t.streams);
    if (t.gapMs.count > 0) expect(t.gapMs.max).toBeLessThan(5000);
    // The last token leaves 80 + 100 ms after the request: no stream ends sooner, and a stream's
    // duration (first token → end) is within its latency. (A stalled reader may take several
    // tokens in one read, so durations and gaps have no floor of their own.)
    expect(tokens.latencyMs.min).toBeGreaterThanOrEqual(170);
    expect(t.durationMs.max).toBeLessThanOrEqual(tokens.latencyMs.max);
    // SSE: every event is seen however the reads fall — 4 tokens and a [DONE] per stream.
    if (e.streams > 0) {
      expect(e.events).toBe(5 * e.streams);
      expect(e.firstEventMs.min).toBeGreaterThanOrEqual(25);
      expect(e.gapMs.count).toBe(4 * e.streams);
      expect(e.eventsPerSecond.min).toBeGreaterThan(0);
    }
  }, 60_000);
});

describe('fastbench run gates on stream percentiles', () => {
  const gate = (thresholds: string): string => {
    const file = join(dir, `gate-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(
      file,
      `target: ${url}
load: [{ connections: 2, requests: 6 }]
requests:
  - name: tokens
    path: /stream/tokens?n=5&rate=100&first=20ms
    stream: true
thresholds:
  tokens:
${thresholds}`,
    );
    return file;
  };

  it('passes with generous limits (exit 0) and fails with an impossible one (exit 1), naming it', async () => {
    const pass = await runCli(['run', gate('    - first_token p99 < 10s\n    - gap p99 < 10s\n    - ttfb p99 < 10s\n    - events/s > 0.1\n'), '--quiet', '--allow-invalid'], { timeoutMs: 60_000 });
    expect(pass.code, pass.stderr).toBe(0);
    expect(pass.stdout).toMatch(/PASS {2}tokens {2}first_event p99 < 10s/);
    expect(pass.stdout).toMatch(/PASS {2}tokens {2}events\/s p50 > 0\.1 {2}\(actual [\d.,]+\/s\)/);
    const fail = await runCli(['run', gate('    - first_token p99 < 1ms\n    - gap p99 < 10s\n'), '--quiet', '--allow-invalid', '--json'], { timeoutMs: 60_000 });
    expect(fail.code, fail.stderr).toBe(1);
    const doc = JSON.parse(fail.stdout) as { thresholds: { expression: string; passed: boolean; actual: number }[]; requests: { stream?: unknown }[] };
    expect(doc.thresholds.map((x) => [x.expression, x.passed])).toEqual([['first_token p99 < 1ms', false], ['gap p99 < 10s', true]]);
    expect(doc.thresholds[0]!.actual).toBeGreaterThanOrEqual(15);
    expect(doc.requests[0]!.stream).toBeDefined();
  }, 120_000);
});
