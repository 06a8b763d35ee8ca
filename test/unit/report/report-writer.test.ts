import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FastbenchError } from '../../../src/core/errors.js';
import {
  REPORT_ENCODERS, REPORT_FILE_NAMES, REPORT_FORMATS, ReportWriter, defaultOutDir, parseFormats, writeFileAtomic, writeReports, writeReportsSync,
} from '../../../src/report/report-writer.js';
import { parseRunResult } from '../../../src/report/result-file.js';
import { makeResult } from '../../fixtures/report/make-result.js';

const root = mkdtempSync(join(tmpdir(), 'fastbench-writer-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the format table', () => {
  it('has one row per format, each written as <file> ending in its extension, looked up by name or alias', () => {
    expect(REPORT_ENCODERS.map((e) => e.name)).toEqual([...REPORT_FORMATS]);
    for (const e of REPORT_ENCODERS) {
      expect(e.file.endsWith(`.${e.extension}`)).toBe(true);
      expect(REPORT_FILE_NAMES[e.name]).toBe(e.file);
      for (const alias of e.aliases) expect(parseFormats(alias.toUpperCase())).toEqual([e.name]);
    }
    expect(new Set(REPORT_ENCODERS.map((e) => e.file)).size).toBe(REPORT_ENCODERS.length);
  });
});

describe('parseFormats', () => {
  it('accepts the formats, aliases and any case, without duplicates', () => {
    expect(parseFormats('html, MD,junit,markdown')).toEqual(['html', 'md', 'junit']);
    expect(parseFormats(REPORT_FORMATS.join(','))).toEqual([...REPORT_FORMATS]);
  });

  it('rejects unknown or missing formats as usage errors', () => {
    expect(() => parseFormats('html,pdf')).toThrow(/unknown report format "pdf"/);
    expect(() => parseFormats(' , ')).toThrow(/no report format/);
    // a near miss gets a did-you-mean, and every error lists the table of formats with their files
    expect(() => parseFormats('htlm')).toThrow(/unknown report format "htlm" \(did you mean "html"\?\); formats: text \(report\.txt\), json \(result\.json\), md \(report\.md\), html \(report\.html\), junit \(junit\.xml\), hlog \(latency\.hlog\)$/);
    expect(() => parseFormats('jsno')).toThrow(/did you mean "json"/);
    try {
      parseFormats('csv');
    } catch (e) {
      expect((e as FastbenchError).code).toBe('ERR_USAGE_BAD_OPTION');
      expect((e as FastbenchError).exitCode).toBe(2);
    }
  });
});

describe('defaultOutDir', () => {
  it('is reports/<scenario slug>-<UTC start>, the same for every intermediate result of a run', () => {
    const r = makeResult({ scenario: 'Checkout Flow / v2', seconds: 1, startMs: Date.UTC(2025, 2, 4, 5, 6, 7, 890) });
    expect(defaultOutDir(r)).toBe(join('reports', 'checkout-flow-v2-20250304-050607'));
    expect(defaultOutDir({ ...r, endTime: '2030-01-01T00:00:00.000Z' })).toBe(defaultOutDir(r));
    expect(defaultOutDir({ ...r, scenario: '///' }, 'out')).toBe(join('out', 'run-20250304-050607'));
  });
});

describe('writeReports', () => {
  it('writes every format atomically, leaving no temp files, and rewrites on the next call', async () => {
    const dir = join(root, 'all');
    const first = makeResult({ seconds: 2, interrupted: true });
    const written = await writeReports(first, { outDir: dir, formats: REPORT_FORMATS });
    expect(written.map((w) => w.path)).toEqual(REPORT_FORMATS.map((f) => join(dir, REPORT_FILE_NAMES[f])));
    expect(readdirSync(dir).sort()).toEqual(Object.values(REPORT_FILE_NAMES).sort());
    expect(parseRunResult(readFileSync(join(dir, 'result.json'), 'utf8')).summary.requests).toBe(400);

    const final = makeResult({ seconds: 5 });
    await writeReports(final, { outDir: dir, formats: ['json', 'md'] });
    expect(parseRunResult(readFileSync(join(dir, 'result.json'), 'utf8')).summary.requests).toBe(1000);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).not.toContain('Interrupted');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('has a synchronous twin for exit paths', () => {
    const dir = join(root, 'sync');
    const out = writeReportsSync(makeResult({ seconds: 1 }), { outDir: dir, formats: ['junit', 'text'] });
    expect(out.map((w) => w.format)).toEqual(['junit', 'text']);
    expect(readFileSync(join(dir, 'report.txt'), 'utf8')).toContain('fastbench — checkout flow');
  });

  it('reports an unwritable destination as ERR_REPORT_WRITE and leaves no temp file', async () => {
    const blocker = join(root, 'not-a-dir');
    writeFileSync(blocker, 'x');
    await expect(writeReports(makeResult({ seconds: 1 }), { outDir: join(blocker, 'sub'), formats: ['md'] })).rejects.toMatchObject({ code: 'ERR_REPORT_WRITE' });
    const dir = join(root, 'target-is-dir');
    writeReportsSync(makeResult({ seconds: 1 }), { outDir: dir, formats: ['md'] });
    rmSync(join(dir, 'report.md'));
    // a directory where the file should go: the rename fails
    mkdirSync(join(dir, 'report.md', 'inner'), { recursive: true });
    expect(() => writeReportsSync(makeResult({ seconds: 1 }), { outDir: dir, formats: ['md'] })).toThrow(/cannot write .*report\.md/);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    if (process.getuid?.() !== 0) {
      const ro = join(root, 'ro');
      mkdirSync(ro);
      chmodSync(ro, 0o500);
      await expect(writeFileAtomic(join(ro, 'x.json'), '{}')).rejects.toMatchObject({ code: 'ERR_REPORT_WRITE' });
    }
  });
});

describe('ReportWriter', () => {
  it('coalesces intermediate results and never lets an older one replace the final', async () => {
    const dir = join(root, 'live');
    const w = new ReportWriter({ outDir: dir, formats: ['json', 'html', 'hlog'] });
    for (let s = 1; s <= 5; s++) w.update(makeResult({ seconds: s }));
    const final = await w.final(makeResult({ seconds: 7 }));
    expect(final).toHaveLength(3);
    w.update(makeResult({ seconds: 1 })); // ignored after final
    await new Promise((r) => setTimeout(r, 50));
    expect(parseRunResult(readFileSync(join(dir, 'result.json'), 'utf8')).summary.requests).toBe(1400);
    expect(w.error).toBeUndefined();
    expect(existsSync(join(dir, 'report.html'))).toBe(true);
  });

  it('finalSync wins over a write in flight', async () => {
    const dir = join(root, 'sigint');
    const w = new ReportWriter({ outDir: dir, formats: ['json', 'md'] });
    w.update(makeResult({ seconds: 2 }));
    w.finalSync(makeResult({ seconds: 3 }));
    await new Promise((r) => setTimeout(r, 100));
    expect(parseRunResult(readFileSync(join(dir, 'result.json'), 'utf8')).summary.requests).toBe(600);
  });
});
