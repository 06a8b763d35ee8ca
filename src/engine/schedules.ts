// The load models by name: Phase['model'] → its schedule class. The one place that maps a
// scenario phase to a schedule; a new model adds a line here (the type makes it required).
import type { Phase } from '../scenario/index.js';
import type { ArrivalSchedule, PhaseDetails, ScheduleClass } from './arrival-schedule.js';
import { ClosedSchedule } from './closed-schedule.js';
import { OpenSchedule } from './open-schedule.js';
import { ReplaySchedule } from './replay-schedule.js';
import type { WorkerPhase } from './worker-plan.js';

const MODELS: { readonly [M in Phase['model']]: ScheduleClass<Extract<Phase, { model: M }>> } = {
  closed: ClosedSchedule,
  open: OpenSchedule,
  replay: ReplaySchedule,
};

function modelOf(p: Phase): ScheduleClass {
  return MODELS[p.model] as unknown as ScheduleClass;
}

/** A worker's schedule for one phase (built once per phase). */
export function scheduleFor(phase: WorkerPhase, slipMs: number): ArrivalSchedule {
  const Model = modelOf(phase.spec);
  return new Model(phase, slipMs);
}

/** The phase as the result describes it; `connections`: this process's share. */
export function describePhase(p: Phase, connections: number): PhaseDetails {
  return modelOf(p).describe(p, connections);
}
