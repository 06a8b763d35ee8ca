// junit.xml: a pure render(result) → string with one <testcase> per threshold (named by its scope
// and check, unique within the suite) and a <failure> for each failed one, so any CI (GitHub, GitLab, Jenkins, Azure) shows gate failures natively. The
// run's headline numbers go into <properties> and <system-out>.
import type { RunResult } from '../metrics/run-result.js';
import { fmtMs, fmtPct, fmtRps, thresholdActualText, thresholdNames } from './format.js';

// XML 1.0 allows TAB, LF, CR and U+0020 and above except the surrogates (paired ones are fine) and U+FFFE/U+FFFF.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escape for XML text and attribute values; characters XML cannot carry become U+FFFD. */
export function escapeXml(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;');
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a).map(([k, v]) => ` ${k}="${escapeXml(String(v))}"`).join('');
}

const seconds = (ms: number): string => (ms / 1000).toFixed(3);

export function renderJunit(r: RunResult): string {
  const failures = r.thresholds.filter((t) => !t.passed).length;
  const tests = r.thresholds.length;
  const time = seconds(r.durationMs);
  const suite = `fastbench thresholds: ${r.scenario}`;
  const classname = `fastbench.${r.scenario.replace(/[^A-Za-z0-9_.-]+/g, '_')}`;
  const lines: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  lines.push(`<testsuites${attrs({ name: 'fastbench', tests, failures, errors: 0, time })}>`);
  // JUnit's timestamp attribute has no zone designator (ISO 8601 local form); ours is UTC.
  lines.push(`  <testsuite${attrs({ name: suite, tests, failures, errors: 0, skipped: 0, time, timestamp: r.startTime.replace(/\.\d+Z$|Z$/, '') })}>`);
  lines.push('    <properties>');
  const props: Record<string, string | number> = {
    scenario: r.scenario,
    requests: r.summary.requests,
    errors: r.summary.errors,
    rps: r.summary.rps,
    p50Ms: r.summary.latencyMs.p50,
    p99Ms: r.summary.latencyMs.p99,
    valid: String(r.valid),
    interrupted: String(r.interrupted),
    fastbenchVersion: r.environment.fastbenchVersion,
    node: r.environment.node,
  };
  for (const [name, value] of Object.entries(props)) lines.push(`      <property${attrs({ name, value })}/>`);
  lines.push('    </properties>');
  const names = thresholdNames(r.thresholds);
  r.thresholds.forEach((t, i) => {
    // one test per threshold, named by scope and check (unique: "json: p99 < 5ms", "overall: p99 < 5ms")
    const name = names[i] as string;
    const open = `    <testcase${attrs({ classname, name, time })}`;
    if (t.passed) {
      lines.push(`${open}/>`);
    } else {
      const message = `threshold failed: ${name} ${thresholdActualText(t)}`;
      lines.push(`${open}>`);
      lines.push(`      <failure${attrs({ message, type: 'threshold' })}>${escapeXml(message)}</failure>`);
      lines.push('    </testcase>');
    }
  });
  const rate = r.summary.requests > 0 ? r.summary.errors / r.summary.requests : 0;
  const out = [
    `${r.summary.requests} requests in ${seconds(r.durationMs)} s, ${fmtRps(r.summary.rps)} rps, errors ${fmtPct(rate)}`,
    `latency p50 ${fmtMs(r.summary.latencyMs.p50)}, p99 ${fmtMs(r.summary.latencyMs.p99)}, max ${fmtMs(r.summary.latencyMs.max)}`,
    r.valid ? '' : `INVALID RUN: ${r.invalidReason ?? 'the load generator was the bottleneck'}`,
    r.interrupted ? 'INTERRUPTED: the run stopped early' : '',
    r.partial === true ? 'PARTIAL: written while the run was still going' : '',
  ].filter(Boolean).join('\n');
  lines.push(`    <system-out>${escapeXml(out)}</system-out>`);
  lines.push('  </testsuite>');
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}
