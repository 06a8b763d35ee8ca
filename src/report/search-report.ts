// issue 18: a capacity search as text — the answer in one line, then every step's figures.
// Pure render(summary) → string (`fastbench find` prints it after the knee's run report).
import type { SearchSummary } from '../metrics/run-result.js';
import { fmtMs, fmtPct, fmtRps } from './format.js';

/** The answer in one sentence. */
export function searchAnswer(s: SearchSummary): string {
  const k = s.knee;
  const slo = s.slo.join(', ');
  if (k === undefined) {
    return s.ended === 'generator-bound'
      ? `no rate was measured to meet the SLO (${slo}): the generator was the bottleneck from the first step`
      : `no rate met the SLO (${slo}), not even the first step's`;
  }
  const range = `${fmtRps(k.low)}..${fmtRps(k.high)}/s`;
  switch (s.ended) {
    case 'generator-bound':
      return `capacity: at least ${fmtRps(k.rate)}/s under ${slo}; the generator could not go higher (${s.generatorBound ?? 'it was the bottleneck'})`;
    case 'reached-to':
      return `capacity: at least ${fmtRps(k.rate)}/s under ${slo} (the search's upper bound; every step met the SLO)`;
    case 'max-duration':
    case 'interrupted':
      return `capacity: ${fmtRps(k.rate)}/s under ${slo}, ${s.confirmed ? 'confirmed' : 'NOT confirmed'} (${range}); the search ${s.ended === 'interrupted' ? 'was interrupted' : 'ran out of time (maxDuration)'}`;
    default:
      return `capacity: ${fmtRps(k.rate)}/s under ${slo} (${range})${s.confirmed ? ', confirmed over the hold' : ', NOT confirmed: every confirmation failed'}`;
  }
}

/** One step as a progress line. */
export function searchStepLine(st: SearchSummary['steps'][number]): string {
  const p99 = st.p99Ms === null ? '-' : fmtMs(st.p99Ms);
  return `step ${st.index + 1} ${st.kind.padEnd(7)} ${fmtRps(st.offeredRps).padStart(8)}/s offered  ${fmtRps(st.achievedRps).padStart(8)}/s achieved  p99 ${p99.padStart(8)}  errors ${fmtPct(st.errorRate).padStart(7)}  ${st.verdict}${st.generatorBound !== undefined ? ` (${st.generatorBound})` : ''}`;
}

export function renderSearchText(s: SearchSummary): string {
  const head = ['step', 'kind', 'offered/s', 'achieved/s', 'p50', 'p99', 'errors', 'verdict'];
  const rows = s.steps.map((st) => [
    String(st.index + 1),
    st.kind,
    fmtRps(st.offeredRps),
    fmtRps(st.achievedRps),
    st.p50Ms === null ? '-' : fmtMs(st.p50Ms),
    st.p99Ms === null ? '-' : fmtMs(st.p99Ms),
    fmtPct(st.errorRate),
    st.verdict,
  ]);
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const table = all.map((r) => r.map((cell, c) => (c <= 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd()).join('\n');
  return `\nCapacity search (${s.steps.length} steps, ${(s.elapsedMs / 1000).toFixed(1)}s; ended: ${s.ended})\n${table}\n\n${searchAnswer(s)}\n`;
}
