// kill -9 in the middle of a crawl, resume, repeat: the output must hold every page exactly once.
// The child (test/fixtures/crawl/crash-crawler.mjs) runs the real modules, transpiled here from
// src/ into a temp directory so the test does not depend on a fresh dist/.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsvLine } from '../../../src/crawl/output-writer.js';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));
const HELPER = fileURLToPath(new URL('../../fixtures/crawl/crash-crawler.mjs', import.meta.url));
const PAGES = 1500;
let root: string;
let modDir: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'fb-crash-'));
  modDir = join(root, 'mod');
  for (const sub of ['core', 'crawl']) {
    mkdirSync(join(modDir, sub), { recursive: true });
    for (const f of readdirSync(join(SRC, sub))) {
      if (!f.endsWith('.ts') || f === 'link-extractor.ts') continue;
      const out = ts.transpileModule(readFileSync(join(SRC, sub, f), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      writeFileSync(join(modDir, sub, f.replace(/\.ts$/, '.js')), out.outputText);
    }
  }
  writeFileSync(join(modDir, 'package.json'), '{"type":"module"}');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface RunResult {
  lines: string[];
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

/** Runs the helper; SIGKILLs it once it has printed `killAfter` progress lines (if given). */
function run(args: string[], killAfter?: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [HELPER, modDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let stderr = '';
    let buf = '';
    let progress = 0;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        if (line.startsWith('progress') && ++progress === killAfter) child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ lines, signal, code, stderr }));
  });
}

function urlsIn(file: string, format: 'jsonl' | 'csv'): string[] {
  const text = readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.split('\n').slice(0, -1);
  if (format === 'jsonl') return lines.map((l) => (JSON.parse(l) as { url: string }).url);
  expect(lines[0]).toBe('url,depth,title');
  return lines.slice(1).map((l) => parseCsvLine(l)[0]!);
}

function expectExactlyOnce(urls: string[]): void {
  const counts = new Map<string, number>();
  for (const u of urls) counts.set(u, (counts.get(u) ?? 0) + 1);
  const dups = [...counts].filter(([, c]) => c > 1);
  expect(dups).toEqual([]);
  expect(counts.size).toBe(PAGES);
  for (let i = 0; i < PAGES; i++) expect(counts.has(`http://h${i % 5}.test/p/${i}`)).toBe(true);
}

describe('journal + output writer survive kill -9', () => {
  for (const [format, fsync] of [['jsonl', '0'], ['csv', '1']] as const) {
    it(`${format} (fsync ${fsync === '1' ? 'on' : 'off'}): exactly-once output after two kills`, async () => {
      const state = join(root, `state-${format}`);
      const out = join(root, `out.${format}`);
      const common = [format, String(PAGES), fsync];

      const r1 = await run([state, out, 'fresh', ...common], 25);
      expect(r1.stderr).toBe('');
      expect(r1.signal).toBe('SIGKILL');
      expect(r1.lines.some((l) => l.startsWith('finished'))).toBe(false);

      const r2 = await run([state, out, 'resume', ...common], 40);
      expect(r2.stderr).toBe('');
      expect(r2.signal).toBe('SIGKILL');
      expect(r2.lines[0]).toMatch(/^resumed pending=\d+ offset=\d+ torn=\d+ size=\d+ journal=\d+->\d+$/);

      const r3 = await run([state, out, 'resume', ...common]);
      expect(r3.stderr).toBe('');
      expect(r3.code).toBe(0);
      expect(r3.lines.at(-1)).toMatch(/^finished \d+$/);

      expectExactlyOnce(urlsIn(out, format));
    });
  }

  it('jsonl with the journal compacted during the crawl and at resume: exactly-once output after three kills', async () => {
    const state = join(root, 'state-compact');
    const out = join(root, 'out-compact.jsonl');
    const common = ['jsonl', String(PAGES), '0', '1'];
    const all: string[] = [];
    for (const [mode, killAfter] of [['fresh', 60], ['resume', 30], ['resume', 30]] as const) {
      const r = await run([state, out, mode, ...common], killAfter);
      expect(r.stderr).toBe('');
      expect(r.signal).toBe('SIGKILL');
      all.push(...r.lines);
    }
    const last = await run([state, out, 'resume', ...common]);
    expect(last.stderr).toBe('');
    expect(last.code).toBe(0);
    // The first run compacted during the crawl (at ~520 pages of this link graph) before its kill
    // (at 600), so the resumes after it read a compacted journal back.
    const during = all.filter((l) => l.startsWith('compacted '));
    expect(during.length).toBeGreaterThan(0);
    for (const l of during) {
      const [before, after] = /compacted (\d+)->(\d+)/.exec(l)!.slice(1).map(Number);
      expect(after).toBeLessThan(before!);
    }
    expectExactlyOnce(urlsIn(out, 'jsonl'));
  });
});
