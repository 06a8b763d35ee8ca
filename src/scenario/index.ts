// src/scenario: scenario files (YAML/JSON) → a validated, compiled, structured-clonable Scenario.
export type {
  Capture,
  ClientSettings,
  ClosedPhase,
  CompiledRequest,
  DataSet,
  Expectation,
  Flow,
  FlowStep,
  OpenPhase,
  ReplayPhase,
  Phase,
  RateSegment,
  RenderContext,
  RequestBody,
  ResolveOverride,
  Scenario,
  ScenarioTarget,
  SourcePos,
  Template,
  TemplatePart,
  Threshold,
  ThresholdOp,
  ThresholdWindow,
  WsExpect,
  WsStep,
} from './scenario.js';
export { TemplateOp } from './scenario.js';
export { checkScenario, checkScenarioText, loadScenario, parseScenario, pickWeighted, type LoadOptions, type ScenarioCheck } from './scenario-loader.js';
export { ScenarioValidationError } from './validation-error.js';
export { applyOverrides, type ScenarioOverrides } from './overrides.js';
export { expectedSends, plannedSends, rateAt, scheduledBefore, sendTimeMs } from './rate-schedule.js';
export { constantOpenPhase, parseRamp, parseRate, phaseConnections, phaseDurationMs } from './load-phases.js';
// issue 18 capacity (capacity)
export { parseSlo, parseStepFactor, parseTolerance, SEARCH_DEFAULTS } from './search-spec.js';
export type { SearchSpec } from './scenario.js';
export { compileTemplate, escapeJson, renderTemplate, staticTemplate, type TemplateScope } from './template.js';
export { DataFeeder } from './csv-feeder.js';
export { parseJsonRows } from './json-feeder.js';
export { readThink, sampleThink, thinkMean, type ThinkTime } from './think-time.js';
export { parseCsv, parseCsvRecords, type CsvProblem, type CsvTable } from './csv-parser.js';
export { applyCaptures, captureText, compileJsonPath, extractHeader, extractJsonPath, extractRegex, type CaptureResponse, type JsonPath } from './capture.js';
export { parseThreshold, type ParsedThreshold } from './thresholds.js';
export { statusAccepted, statusExpected } from './request-compiler.js';
export { formatDuration, parseDuration } from '../core/units.js';
export { didYouMean, editDistance } from './did-you-mean.js';
export { SCENARIO_KEYS } from './scenario-keys.js';
// issue 15 (sess-web)
export type { BasicAuth, CookieSettings } from './scenario.js';
export type { RequestOverrides } from './request-compiler.js';
export { basicAuthValue, cookieProblem, parseCookiePairs } from './request-helpers.js';
export { proxyUrlProblem, tlsVersion, type ProxyConfig, type TargetNet, type TlsSettings, type TlsVersion } from './net-settings.js';
