import { Command } from 'commander';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { registerCompareCommand } from '../../../src/cli/compare-command.js';
import { registerMergeCommand } from '../../../src/cli/merge-command.js';
import { registerReportCommand } from '../../../src/cli/report-command.js';
import { renderJson } from '../../../src/report/json-report.js';
import { makeResult, thresholdOf } from '../../fixtures/report/make-result.js';
import { findAll, parseXml } from './xml-check.js';

const dir = mkdtempSync(join(tmpdir(), 'fastbench-cli-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

function program(): Command {
  const p = new Command().name('fastbench').exitOverride();
  p.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  registerReportCommand(p);
  registerCompareCommand(p);
  registerMergeCommand(p);
  return p;
}

async function cli(...args: string[]): Promise<{ stdout: string; exitCode: number }> {
  const out: string[] = [];
  process.exitCode = undefined;
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  await program().parseAsync(['node', 'fastbench', ...args]);
  const exitCode = typeof process.exitCode === 'number' ? process.exitCode : 0;
  vi.restoreAllMocks();
  return { stdout: out.join(''), exitCode };
}

describe('fastbench report / compare / merge through commander', () => {
  const result = makeResult({ seconds: 4, thresholds: [thresholdOf('p99 < 1ms'), thresholdOf('p99 < 10s')] });
  const file = join(dir, 'result.json');
  writeFileSync(file, renderJson(result));

  it('report regenerates every format from a saved result and prints the paths', async () => {
    const out = join(dir, 'regen');
    const { stdout, exitCode } = await cli('report', file, '--format', 'html,md,junit,hlog,json,text', '--out', out);
    expect(exitCode).toBe(0);
    expect(stdout.trim().split('\n')).toEqual(['report.html', 'report.md', 'junit.xml', 'latency.hlog', 'result.json', 'report.txt'].map((f) => join(out, f)));
    expect(readdirSync(out).sort()).toEqual(['junit.xml', 'latency.hlog', 'report.html', 'report.md', 'report.txt', 'result.json']);
    expect(readFileSync(join(out, 'result.json'), 'utf8')).toBe(renderJson(result));
    expect(findAll(parseXml(readFileSync(join(out, 'junit.xml'), 'utf8')), 'failure')).toHaveLength(1);
  });

  it('report defaults to html,md and rejects unknown formats', async () => {
    const out = join(dir, 'default');
    await cli('report', file, '-o', out);
    expect(readdirSync(out).sort()).toEqual(['report.html', 'report.md']);
    await expect(cli('report', file, '--format', 'pdf', '-o', out)).rejects.toMatchObject({ code: 'ERR_USAGE_BAD_OPTION' });
  });

  it('compare sets exit code 1 only on a gate failure; merge writes the merged file', async () => {
    const slow = join(dir, 'slow.json');
    writeFileSync(slow, renderJson(makeResult({ seconds: 10, seed: 9, medianUs: 4000 })));
    const base = join(dir, 'base.json');
    writeFileSync(base, renderJson(makeResult({ seconds: 10, seed: 8 })));
    expect((await cli('compare', base, base)).exitCode).toBe(0);
    const failed = await cli('compare', '--baseline', base, '--current', slow, '--md');
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toMatch(/^### fastbench compare · ❌/);
    const merged = join(dir, 'merged.json');
    const m = await cli('merge', base, slow, '-o', merged);
    expect(m.exitCode).toBe(0);
    expect(JSON.parse(readFileSync(merged, 'utf8')).parts).toBe(2);
  });
});
