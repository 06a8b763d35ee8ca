// Renders a Comparison (compare.ts) as an aligned text table (terminal) or Markdown (PR comment).
import { changeText, type Comparison, type CompareRow } from './compare.js';
import { STREAM_ROWS_NOTE, type StreamCompareRow } from './compare-streams.js';
import { fmtDelta, fmtMs, fmtPct, fmtRps, mdCell, mdTable } from './format.js';
import { fmtPerSecond } from './stream-table.js';

function value(row: CompareRow, v: number | null): string {
  if (v === null) return '—';
  if (row.kind === 'latency') return fmtMs(v);
  if (row.kind === 'rps') return fmtRps(v);
  return fmtPct(v);
}

function delta(row: CompareRow): string {
  return changeText(row.kind, row.delta);
}

/** The verdict, marked when no noise test could decide it. */
function verdictText(row: CompareRow): string {
  return row.basis === 'point-estimate' ? `${row.verdict} (no noise test)` : row.verdict;
}

/** Notes worth a line under the table, one per distinct text, naming the rows they explain. */
function notes(c: Comparison): string[] {
  const byNote = new Map<string, string[]>();
  for (const r of c.rows) {
    if (r.note === undefined || r.delta === null) continue;
    if (r.basis !== 'point-estimate' && r.verdict !== 'undecided') continue;
    const list = byNote.get(r.note) ?? [];
    list.push(`${r.scope} ${r.metric}`);
    byNote.set(r.note, list);
  }
  return [...byNote].map(([note, rows]) => `${rows.join(', ')}: ${note}`);
}

function pValue(row: CompareRow): string {
  if (row.p === null) return row.method === 'quantile-ci' ? 'CI' : '—';
  return row.p < 0.0001 ? '<0.0001' : row.p.toFixed(4);
}

function gate(row: CompareRow): string {
  if (row.gate === 'n/a') return '';
  return row.gate === 'fail' ? `FAIL (> ${row.tolerance})` : `ok (≤ ${row.tolerance})`;
}

function verdictLine(c: Comparison): string {
  const count = (v: CompareRow['verdict']): number => c.rows.filter((r) => r.verdict === v).length;
  const fails = c.rows.filter((r) => r.gate === 'fail').length;
  const untested = c.rows.filter((r) => r.basis === 'point-estimate').length;
  const more = (['within-tolerance', 'undecided'] as const).filter((v) => count(v) > 0).map((v) => `, ${count(v)} ${v}`).join('');
  return `${fails === 0 ? 'no regression beyond tolerance' : `${fails} regression${fails === 1 ? '' : 's'} beyond tolerance`}` +
    ` · ${count('regression')} regression, ${count('improvement')} improvement, ${count('noise')} noise${more}` +
    (untested > 0 ? ` · ${untested} row${untested === 1 ? '' : 's'} decided without a noise test` : '');
}

/** issue 18: the informational stream rows' cells: scope, metric, baseline, current, delta, n. */
function streamCells(r: StreamCompareRow): string[] {
  const v = (x: number | null): string => (x === null ? '—' : r.unit === 'ms' ? fmtMs(x) : fmtPerSecond(x));
  return [r.scope, r.metric, v(r.baseline), v(r.current), r.delta === null ? '—' : fmtDelta(r.delta), `${r.n[0]}/${r.n[1]}`];
}

function streamLinesText(c: Comparison): string[] {
  if (c.streams.length === 0) return [];
  const all = [['streams', 'metric', 'baseline', 'current', 'delta', 'n'], ...c.streams.map(streamCells)];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return ['', `streams — ${STREAM_ROWS_NOTE}:`, ...all.map((r) => r.map((cell, i) => (i <= 1 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd())];
}

function runs(n: number): string {
  return `${n} run${n === 1 ? '' : 's'}`;
}

export function renderComparisonText(c: Comparison): string {
  const head = ['', 'metric', 'baseline', 'current', 'delta', 'verdict', 'p', 'n', 'gate'];
  const rows = c.rows.map((r) => [r.scope, r.metric, value(r, r.baseline), value(r, r.current), delta(r), verdictText(r), pValue(r), `${r.n[0]}/${r.n[1]}`, gate(r)]);
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] as string).length)));
  const lines = all.map((r) => r.map((cell, i) => (i <= 1 || i >= 5 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ').trimEnd());
  const out = [
    `fastbench compare — baseline: ${c.baseline.scenario} (${runs(c.baseline.runs)}), current: ${c.current.scenario} (${runs(c.current.runs)})`,
    '',
    ...lines,
    ...streamLinesText(c),
    '',
    `${c.failed ? 'FAIL' : 'PASS'}: ${verdictLine(c)} (alpha ${c.alpha})`,
  ];
  for (const n of notes(c)) out.push(`note: ${n}`);
  for (const w of c.warnings) out.push(`warning: ${w}`);
  return out.join('\n') + '\n';
}

const BADGE: Record<CompareRow['verdict'], string> = {
  regression: '🔴 regression',
  improvement: '🟢 improvement',
  noise: '⚪ noise',
  'within-tolerance': '⚪ within tolerance',
  undecided: '⚫ undecided',
};

export function renderComparisonMarkdown(c: Comparison): string {
  const out: string[] = [];
  out.push(`### fastbench compare · ${c.failed ? '❌' : '✅'} ${verdictLine(c)}`, '');
  out.push(`Baseline: ${mdCell(c.baseline.scenario)} (${runs(c.baseline.runs)}) · current: ${mdCell(c.current.scenario)} (${runs(c.current.runs)})`, '');
  for (const w of c.warnings) out.push(`> ⚠️ ${mdCell(w)}`, '');
  const table: string[][] = [['', 'metric', 'baseline', 'current', 'delta', 'verdict', 'p', 'gate']];
  for (const r of c.rows) {
    const scope = r.scope === 'overall' ? '**overall**' : mdCell(r.scope);
    const shown = r.note !== undefined && r.delta !== null && (r.verdict === 'noise' || r.verdict === 'undecided' || r.basis === 'point-estimate');
    const verdict = BADGE[r.verdict] + (r.basis === 'point-estimate' ? ' (no noise test)' : '') + (shown ? ` <sub>${mdCell(r.note!)}</sub>` : '');
    table.push([scope, r.metric, value(r, r.baseline), value(r, r.current), delta(r), verdict, pValue(r), r.gate === 'fail' ? `❌ ${mdCell(gate(r))}` : mdCell(gate(r))]);
  }
  out.push(mdTable(table, 'llrrrllr'), '');
  if (c.streams.length > 0) {
    out.push(`#### Streams`, '', `${STREAM_ROWS_NOTE[0]!.toUpperCase()}${STREAM_ROWS_NOTE.slice(1)}.`, '');
    const st: string[][] = [['', 'metric', 'baseline', 'current', 'delta', 'n']];
    for (const r of c.streams) {
      const [scope, ...rest] = streamCells(r);
      st.push([scope === 'overall' ? '**overall**' : mdCell(scope!), ...rest.map(mdCell)]);
    }
    out.push(mdTable(st, 'llrrrr'), '');
  }
  out.push(
    '<details><summary>How rows are labelled</summary>',
    '',
    `Overall rows compare one value per interval (per-second histograms, pooled into windows big enough for the percentile) from every run of each side with a two-sided Mann-Whitney U test; per-request latency rows compare order-statistic confidence intervals of the percentile, and per-request rps/error rows use z-tests with the variance scaled by the runs' per-interval overdispersion. A row is a regression or an improvement only when p < ${c.alpha}, the change is at least ${(c.minEffect * 100).toFixed(0)}%, and — with several runs per side — larger than the spread between runs of the same side; otherwise it is noise. When a test cannot decide (fewer than ${c.minSamples} samples a side, or too few requests for a percentile's confidence interval) the row is judged on its point estimate against the tolerance instead — a regression beyond tolerance still fails — and marked "no noise test". The gate fails on a regression beyond its tolerance.`,
    '',
    '</details>',
    '',
  );
  return out.join('\n');
}
