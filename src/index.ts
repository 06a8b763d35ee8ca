// The public library API: `import { ... } from 'fastbench'`.
export * from './http/index.js';
export * from './client/index.js';
export { ByteWriter } from './core/byte-writer.js';
export { nowMs } from './core/clock.js';
export { FastbenchError, ERROR_SPECS, errorCodeOfId, errorId, isFastbenchError, type ErrorSpec } from './core/errors.js';
export * from './server/index.js';
export { runScenario, pickWorkers, type EngineResult, type RunOptions, type RunProgress, type GeneratorHealth } from './engine/index.js';
export { loadScenario, parseScenario, type Scenario } from './scenario/index.js';
export { LatencyHistogram } from './metrics/histogram.js';
export { Recorder } from './metrics/recorder.js';
export { mergeSnapshots } from './metrics/merge.js';
export { buildRunResult, type RunResult } from './metrics/run-result.js';
export { openCrawl } from './crawl/crawl-session.js';
export * as http2 from './http2/index.js';
