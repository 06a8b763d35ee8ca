// src/engine: one load loop fed by arrival schedules (closed, open with coordinated-omission
// correction), phases and ramps, worker_threads fan-out. Emits results and progress, never prints.
export { runScenario, pickWorkers, type BuiltinServer, type EngineResult, type RunOptions, type RunProgress } from './run-engine.js';
export { judgeGenerator, DEFAULT_HEALTH_LIMITS, type GeneratorHealth, type HealthLimits, type ScheduleHealth } from './generator-health.js';
export { planWorker, share, usableWorkers, checkShard, planDurationMs, NO_SHARD, type ShardSpec, type WorkerPlan, type WorkerPhase } from './worker-plan.js';
export { LoadLoop } from './load-loop.js';
export type { IntervalTick, PhaseRun, LoopEnd, LoopHooks, LoopOptions } from './loop-types.js';
export { WorkerRun, type WorkerInit, type WorkerOutcome } from './worker-run.js';
export type { ArrivalSchedule, PhaseDetails, ScheduleClass, ScheduleFactory } from './arrival-schedule.js';
export { TimedSchedule } from './timed-schedule.js';
export { scheduleFor } from './schedules.js';
export { checkTargetTls } from './target-clients.js';
// issue 18 capacity (capacity)
export { searchCapacity, kneeOf, roundRate, MAX_CONFIRMS, type Knee, type SearchEnd, type SearchHooks, type SearchOutcome, type SearchPlan, type SearchStep, type StepFigures, type StepKind } from './capacity-search.js';
export { runSearch, generatorBottleneck, stepFigures, searchSummary, type SearchRunOptions, type SearchRunResult } from './search-run.js';
