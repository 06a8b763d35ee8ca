// Every example scenario in scenarios/ runs on the engine, shortened (every measured phase 500 ms),
// against the bundled server started in this process for `target: builtin`.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runScenario, runSearch } from '../../../src/engine/index.js';
import { evaluateThresholds } from '../../../src/report/thresholds.js';
import { renderText } from '../../../src/report/text-report.js';
import { loadScenario } from '../../../src/scenario/index.js';
import { createServer } from '../../../src/server/server.js';

const DIR = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') || f.endsWith('.json'));

async function builtin(): Promise<{ url: string; stop: () => Promise<void> }> {
  const server = createServer({ port: 0, quiet: true });
  const info = await server.listen();
  return { url: info.url, stop: () => server.close(200) };
}

describe('example scenarios run', () => {
  it.each(files)('%s', async (file) => {
    const s = loadScenario(`${DIR}${file}`, { processEnv: {}, overrides: { duration: 500 } });
    // issue 18: a capacity search, shortened too (500 ms steps, at most 3 s)
    const search = s.search !== undefined ? { ...s.search, stepMs: 500, holdMs: 500, maxDurationMs: 3000 } : undefined;
    const r = search !== undefined ? await runSearch(s, { builtin, spec: search }) : await runScenario(s, { builtin });
    if (search !== undefined) expect(r.search!.steps.length).toBeGreaterThan(0);
    expect(r.summary.requests).toBeGreaterThan(0);
    expect(r.summary.errors).toBe(0);
    r.thresholds = evaluateThresholds(s.thresholds, r);
    expect(r.thresholds.length).toBe(s.thresholds.length);
    // Every threshold found data to judge (pass or fail depends on the machine).
    for (const t of r.thresholds) expect(t.actual, t.expression).not.toBeNull();
    expect(renderText(r)).toContain(`fastbench — ${s.name}`);
  });
});
