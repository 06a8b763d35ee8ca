// Report files refreshed while a run is still going: the engine's interval points
// (RunOptions.onInterval) drive report/live-reports.ts, so result.json exists mid-run, marked partial.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/index.js';
import { LiveReports } from '../../../src/report/live-reports.js';
import { ReportWriter } from '../../../src/report/report-writer.js';
import { parseRunResult } from '../../../src/report/result-file.js';
import type { FastbenchServer } from '../../../src/server/server.js';
import { scenario, startBundled } from './helpers.js';

let url = '';
let server: FastbenchServer;
let dir = '';

beforeAll(async () => {
  const s = await startBundled();
  url = s.url;
  server = s.server;
  dir = mkdtempSync(join(tmpdir(), 'fastbench-live-run-'));
});
afterAll(async () => {
  await server.close(200);
  rmSync(dir, { recursive: true, force: true });
});

describe('live report files', () => {
  it('result.json exists and reads as partial while the run goes on; the final result replaces it', async () => {
    const s = scenario(`
target: ${url}
interval: 250ms
load:
  - connections: 2
    duration: 2s
requests:
  - path: /plaintext
`);
    const out = join(dir, 'run');
    const file = join(out, 'result.json');
    const writer = new ReportWriter({ formats: ['json'], outDir: out });
    const live = new LiveReports(writer, { scenario: s.name, everyMs: 500 });
    // what a reader sees at each interval, before the run has handed back its result
    const seen: Array<{ partial: boolean | undefined; requests: number } | undefined> = [];
    const r = await runScenario(s, {
      onInterval: (points) => {
        seen.push(existsSync(file) ? (({ partial, summary }) => ({ partial, requests: summary.requests }))(parseRunResult(readFileSync(file, 'utf8'))) : undefined);
        live.onInterval(points);
      },
    });
    const midRun = seen.filter((x) => x !== undefined);
    expect(midRun.length).toBeGreaterThan(0);
    expect(midRun.every((x) => x.partial === true && x.requests > 0)).toBe(true);
    expect(midRun.at(-1)!.requests).toBeLessThanOrEqual(r.summary.requests);
    await writer.final(r);
    const end = parseRunResult(readFileSync(file, 'utf8'));
    expect(end.partial).toBeUndefined();
    expect(end.summary.requests).toBe(r.summary.requests);
  });
});
