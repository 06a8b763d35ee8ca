// A scenario's thresholds judged on a RunResult, as the outcomes result.json records. The measuring
// and judging is metrics/threshold-evaluation.ts (shared with the engine's live abort-on-fail
// watch); this file adds what an outcome says about its threshold: expression, scope, unit, limit.
import type { RunResult, ThresholdOutcome } from '../metrics/run-result.js';
import { judgeThreshold } from '../metrics/threshold-evaluation.js';
import type { Threshold } from '../scenario/scenario.js';
import { thresholdScope, thresholdUnit } from '../scenario/thresholds.js';

/** A threshold is a gate: the worst window decides; "no data" fails (never a silent pass). */
export function evaluateThreshold(t: Threshold, result: RunResult): ThresholdOutcome {
  const { passed, actual, window } = judgeThreshold(t, result);
  const outcome: ThresholdOutcome = {
    expression: t.text,
    scope: thresholdScope(t),
    metric: t.metric,
    op: t.op,
    unit: thresholdUnit(t.kind, t.stream),
    limit: t.value,
    passed,
    actual,
  };
  if (window !== undefined) outcome.window = window;
  return outcome;
}

export function evaluateThresholds(thresholds: readonly Threshold[], result: RunResult): ThresholdOutcome[] {
  return thresholds.map((t) => evaluateThreshold(t, result));
}
