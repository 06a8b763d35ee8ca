// The capacity search (issue 18): the highest open-model arrival rate that meets every SLO.
// Pure: it only decides which rate to offer next and for how long, from the figures `measure`
// hands back (search-run.ts measures by running the scenario; tests hand in a simulated target).
// The same figures give the same step sequence: the search itself draws no random numbers.
//
//   climb    offer `from`, then ×step each time (capped at `to`) while every SLO holds
//   bisect   between the last good rate and the first bad one: the midpoint, good or bad, until
//            (bad - good) / good <= tolerance
//   confirm  hold the last good rate for `hold`; if the SLO fails there, that rate is bad: step
//            down by the tolerance and confirm again (at most MAX_CONFIRMS times)
//
// A step where the generator, not the target, was the bottleneck is VETOED: its verdict says
// nothing about the target. It is measured once more (a one-off stall of a busy machine is not a
// ceiling); vetoed again, the search stops there and answers "at least <last good>".
// The time budget (maxDuration) is checked before each step: a step that would end past it is not
// started (its expected overrun is what earlier steps took beyond their planned length).
//
// The answer (knee): `rate` the highest rate that met the SLO (confirmed, when the hold passed),
// `high` the lowest rate above it that failed (`rate` itself when the search reached `to`), `low`
// the rate less the run-to-run spread: the relative range of the achieved rate over the repeated
// measurements at that rate (its bisection or climb step and its confirmation).
import { thresholdPasses, type ThresholdRule } from '../metrics/threshold-evaluation.js';

/** What the search needs of a scenario's SearchSpec. */
export interface SearchPlan {
  readonly slo: readonly (Pick<ThresholdRule, 'kind' | 'metric' | 'percentile' | 'op' | 'value'> & { readonly text: string })[];
  readonly fromRate: number;
  readonly toRate: number;
  readonly stepFactor: number;
  readonly stepMs: number;
  readonly holdMs: number;
  readonly maxDurationMs: number;
  readonly tolerance: number;
}

export type StepKind = 'climb' | 'bisect' | 'confirm';

/** One step's measurement, as `measure` returns it. */
export interface StepFigures {
  /** Responses per second over the step. */
  achievedRps: number;
  requests: number;
  /** Failed requests over all requests (arrivals the target could not take count as failed). */
  errorRate: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Each SLO's measured value, in the plan's order (null: nothing measured, which fails). */
  sloValues: readonly (number | null)[];
  /** Set when the generator was the bottleneck: why (the step is vetoed). */
  generatorBound?: string;
}

export interface SearchStep extends StepFigures {
  index: number;
  kind: StepKind;
  offeredRps: number;
  durationMs: number;
  verdict: 'pass' | 'fail' | 'vetoed';
  slo: { check: string; actual: number | null; passed: boolean }[];
}

export type SearchEnd =
  /** Bisected to the tolerance and confirmed (or confirmation ran out: see `confirmed`). */
  | 'converged'
  /** Every rate up to `to` met the SLO. */
  | 'reached-to'
  /** Even `from` failed the SLO: no knee. */
  | 'below-from'
  /** A step was vetoed: the generator could not go higher. */
  | 'generator-bound'
  /** The time budget ran out first. */
  | 'max-duration'
  /** Stopped from outside (Ctrl-C). */
  | 'interrupted';

export interface Knee {
  rate: number;
  low: number;
  high: number;
}

export interface SearchOutcome {
  /** Absent when no rate met the SLO. */
  knee?: Knee;
  /** The knee's rate passed its hold. */
  confirmed: boolean;
  ended: SearchEnd;
  /** The vetoed step's reason, when one was. */
  generatorBound?: string;
  steps: SearchStep[];
  /** Wall time of the whole search, ms. */
  elapsedMs: number;
}

export interface SearchHooks {
  /** Offers `rate` for `durationMs` and measures. */
  measure(rate: number, durationMs: number, kind: StepKind): Promise<StepFigures>;
  /** ms clock (default performance.now); tests advance a fake one inside `measure`. */
  now?: () => number;
  /** True once the search should stop (checked before each step). */
  stopped?: () => boolean;
  onStep?: (step: SearchStep) => void;
}

/** Times a vetoed step is measured again before the search stops on it. */
export const VETO_RETRIES = 1;

/** Confirmations tried (each stepping down by the tolerance) before the search gives up confirming. */
export const MAX_CONFIRMS = 4;

/** Rates are offered in hundredths of a request per second. */
export function roundRate(r: number): number {
  return Math.round(r * 100) / 100;
}

export async function searchCapacity(plan: SearchPlan, hooks: SearchHooks): Promise<SearchOutcome> {
  return new CapacitySearch(plan, hooks).run();
}

class CapacitySearch {
  private readonly steps: SearchStep[] = [];
  private readonly now: () => number;
  private readonly start: number;
  /** Time steps took beyond their planned length, summed (start-up, drain). */
  private overrunMs = 0;
  private good: number | undefined;
  private bad: number | undefined;
  private ended: SearchEnd | undefined;
  private vetoReason: string | undefined;

  constructor(private readonly plan: SearchPlan, private readonly hooks: SearchHooks) {
    this.now = hooks.now ?? (() => performance.now());
    this.start = this.now();
  }

  async run(): Promise<SearchOutcome> {
    const p = this.plan;
    // climb
    let rate = roundRate(p.fromRate);
    for (;;) {
      const s = await this.step(rate, p.stepMs, 'climb');
      if (s === undefined) return this.finish(false);
      if (s.verdict === 'fail') {
        this.bad = rate;
        break;
      }
      this.good = rate;
      if (rate >= p.toRate) break;
      rate = roundRate(Math.min(p.toRate, rate * p.stepFactor));
    }
    if (this.good === undefined) {
      this.ended = 'below-from';
      return this.finish(false);
    }
    // bisect
    while (this.bad !== undefined && (this.bad - this.good) / this.good > p.tolerance) {
      const mid = roundRate((this.good + this.bad) / 2);
      if (mid <= this.good || mid >= this.bad) break; // the bracket is down to the rounding
      const s = await this.step(mid, p.stepMs, 'bisect');
      if (s === undefined) return this.finish(false);
      if (s.verdict === 'pass') this.good = mid;
      else this.bad = mid;
    }
    // confirm, stepping down after a failure
    for (let tries = 0; tries < MAX_CONFIRMS; tries++) {
      const candidate: number = this.good;
      const s = await this.step(candidate, p.holdMs, 'confirm');
      if (s === undefined) return this.finish(false);
      if (s.verdict === 'pass') {
        this.ended = this.bad === undefined ? 'reached-to' : 'converged';
        return this.finish(true);
      }
      this.bad = candidate;
      const lower = roundRate(candidate * (1 - p.tolerance));
      if (lower < roundRate(p.fromRate) && !this.passedAt(lower)) {
        // Below `from` nothing was shown to pass.
        this.good = undefined;
        this.ended = 'below-from';
        return this.finish(false);
      }
      this.good = lower;
    }
    this.ended = 'converged';
    return this.finish(false);
  }

  private passedAt(rate: number): boolean {
    return this.steps.some((s) => s.offeredRps === rate && s.verdict === 'pass');
  }

  /** Runs one step (again after a veto, VETO_RETRIES times); undefined when the search must stop. */
  private async step(rate: number, durationMs: number, kind: StepKind): Promise<SearchStep | undefined> {
    for (let attempt = 0; ; attempt++) {
      const s = await this.once(rate, durationMs, kind);
      if (s === undefined || s.verdict !== 'vetoed') return s;
      if (attempt >= VETO_RETRIES) {
        this.ended = 'generator-bound';
        this.vetoReason = s.generatorBound;
        return undefined;
      }
    }
  }

  /** Runs one step; undefined when the search must stop first (budget, stop). */
  private async once(rate: number, durationMs: number, kind: StepKind): Promise<SearchStep | undefined> {
    if (this.hooks.stopped?.() === true) {
      this.ended = 'interrupted';
      return undefined;
    }
    const done = this.steps.length;
    const expectedOverrun = done > 0 ? this.overrunMs / done : 0;
    if (this.now() - this.start + durationMs + expectedOverrun > this.plan.maxDurationMs) {
      this.ended = 'max-duration';
      return undefined;
    }
    const t0 = this.now();
    const f = await this.hooks.measure(rate, durationMs, kind);
    const took = this.now() - t0;
    this.overrunMs += Math.max(0, took - durationMs);
    const slo = this.plan.slo.map((rule, i) => {
      const actual = f.sloValues[i] ?? null;
      return { check: rule.text, actual, passed: actual !== null && thresholdPasses(rule, actual) };
    });
    const verdict: SearchStep['verdict'] = f.generatorBound !== undefined ? 'vetoed' : slo.every((c) => c.passed) ? 'pass' : 'fail';
    const step: SearchStep = { index: this.steps.length, kind, offeredRps: rate, durationMs: Math.round(took), ...f, verdict, slo };
    this.steps.push(step);
    this.hooks.onStep?.(step);
    // A stop asked for during the step: its figures stand, but the search ends after it.
    if (this.hooks.stopped?.() === true) {
      this.ended = 'interrupted';
      return undefined;
    }
    return step;
  }

  private finish(confirmed: boolean): SearchOutcome {
    const out: SearchOutcome = { confirmed, ended: this.ended ?? 'converged', steps: this.steps, elapsedMs: Math.round(this.now() - this.start) };
    if (this.vetoReason !== undefined) out.generatorBound = this.vetoReason;
    // The answer is a rate that was measured to pass: after a failed confirmation the stepped-down
    // rate may not have been measured yet (budget, stop, or the last try): then the highest passing
    // rate at or below it.
    let rate = this.good;
    if (rate !== undefined && !this.passedAt(rate)) {
      const below = this.steps.filter((st) => st.verdict === 'pass' && st.offeredRps <= rate!).map((st) => st.offeredRps);
      rate = below.length > 0 ? Math.max(...below) : undefined;
    }
    if (rate !== undefined) out.knee = kneeOf(rate, this.bad, this.steps);
    return out;
  }
}

/** The knee's interval: see the header. */
export function kneeOf(rate: number, bad: number | undefined, steps: readonly SearchStep[]): Knee {
  const at = steps.filter((s) => s.offeredRps === rate && s.verdict !== 'vetoed').map((s) => s.achievedRps);
  let spread = 0;
  if (at.length >= 2) {
    const mean = at.reduce((a, b) => a + b, 0) / at.length;
    if (mean > 0) spread = (Math.max(...at) - Math.min(...at)) / mean;
  }
  // A failed step below the answer (noise flipped a verdict) widens the interval down to it.
  const failedBelow = steps.filter((s) => s.verdict === 'fail' && s.offeredRps < rate).map((s) => s.offeredRps);
  const low = Math.min(rate * (1 - spread), ...failedBelow);
  return { rate, low: roundRate(low), high: roundRate(bad ?? rate) };
}
