// The compiled scenario: what `loadScenario` produces and the engine consumes.
// Everything here is plain data (no functions, no class instances), so a Scenario survives
// structured cloning into worker_threads unchanged. Behaviour lives in pure functions
// (renderTemplate, rateAt, scheduledBefore, sendTimeMs, applyCaptures, ...) that take this data.

import type { ProxyConfig, TargetNet, TlsSettings } from './net-settings.js';

/** A position in a source file; line and column are 1-based. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

import type { ThinkTime } from './think-time.js';

// ---------------------------------------------------------------------------------------------
// Templates

/** Numeric opcodes of dynamic template parts (a switch on small ints, no strings at render). */
export const TemplateOp = {
  Seq: 1,
  RandomInt: 2,
  Uuid: 3,
  Data: 4,
  Var: 5,
} as const;
export type TemplateOpCode = (typeof TemplateOp)[keyof typeof TemplateOp];

export interface TemplatePart {
  readonly op: TemplateOpCode;
  /** randomInt bounds (inclusive); 0 otherwise. */
  readonly min: number;
  readonly max: number;
  /** Data: column index into the row. Var: slot index into the vars array. -1 otherwise. */
  readonly slot: number;
  /** The expression as written, for messages (e.g. "data.user"). */
  readonly name: string;
  /** Escape the value as JSON string content (parts inside a JSON string of an object body). */
  readonly json: boolean;
  /** Encode the value as application/x-www-form-urlencoded (parts of a `form:` body). */
  readonly form?: boolean;
}

/**
 * A compiled template: literals[0] part[0] literals[1] part[1] ... literals[n].
 * Always literals.length === parts.length + 1. A static template has no parts, and its whole
 * text is literals[0].
 */
export interface Template {
  readonly source: string;
  readonly literals: readonly string[];
  readonly parts: readonly TemplatePart[];
  readonly static: boolean;
}

/** What a dynamic render needs. Reuse one object per virtual user; mutate `seq` per send. */
export interface RenderContext {
  /** The send's sequence number (the engine owns numbering). */
  seq: number;
  /** The current data row (columns in DataSet.columns order), when the scenario has data. */
  row: readonly string[] | undefined;
  /** Captured flow variables, indexed by slot (Flow.vars). */
  vars: readonly string[] | undefined;
}

// ---------------------------------------------------------------------------------------------
// Requests, flows, captures

export type RequestBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'template'; readonly template: Template }
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array; readonly file: string };

export interface Expectation {
  /** Accepted status ranges, inclusive [lo, hi] pairs. Empty = any status. */
  readonly status: readonly (readonly [number, number])[];
  /** Header (lower-case name) whose value must contain the given text. */
  readonly headers: readonly (readonly [string, string])[];
  /** Texts the body must contain (all of them). */
  readonly bodyContains: readonly string[];
}

export type Capture =
  | CaptureBase & { readonly source: 'json'; readonly path: readonly (string | number)[] }
  | CaptureBase & { readonly source: 'header'; readonly header: string }
  | CaptureBase & { readonly source: 'regex'; readonly regex: RegExp };

export interface CaptureBase {
  /** Variable name, and its slot in RenderContext.vars. */
  readonly name: string;
  readonly slot: number;
  /** The capture as written (JSON path, header name or pattern), for messages. */
  readonly text: string;
}

export interface CompiledRequest {
  /** Unique across the scenario's requests and flow steps; thresholds refer to it. */
  readonly name: string;
  /** Position in Scenario.requests; for flow steps, the step's position across all flows. */
  readonly index: number;
  /** Relative frequency among `requests` (always 1 for flow steps). */
  readonly weight: number;
  /** Upper-case method token. */
  readonly method: string;
  /** Absolute origin ("https://host:port") of a `url:` request; undefined = the scenario target. */
  readonly origin: string | undefined;
  /** Path and query, with the target's base path already prefixed. */
  readonly path: Template;
  /** Client headers merged with the request's (request wins, case-insensitively). */
  readonly headers: readonly (readonly [string, Template])[];
  readonly body: RequestBody;
  readonly expect: Expectation | undefined;
  /** No dynamic part anywhere: the engine may serialize it once and reuse the bytes. */
  readonly static: boolean;
  readonly pos: SourcePos;
  // issue 15 (sess-web): compression and templated Basic auth
  /** Accept-Encoding is offered (a static header already in `headers`): decode bodies that are read. */
  readonly compressed?: boolean;
  /** Basic auth whose user or password is templated ({{data}}, {{vars}}): rendered per send. Static auth is a plain header. */
  readonly basicAuth?: BasicAuth;
  // issue 18 (streaming)
  /** Time the response body chunk by chunk ('chunks') or event by event ('sse'); absent: off. */
  readonly stream?: 'chunks' | 'sse';
  // issue 18 websocket
  /** A `ws:` flow step: a WebSocket session to `path` (GET + Upgrade) instead of a request. */
  readonly ws?: WsStep;
}

/** A `ws:` flow step (issue 18): connect, send each message and wait for one reply, then close. */
export interface WsStep {
  /** The messages, in order (text frames); empty: connect and close. */
  readonly send: readonly Template[];
  /** Per send, what its reply must be (undefined: any reply); same length as `send`. */
  readonly expect: readonly (WsExpect | undefined)[];
}

/** A reply check: the whole text (`exact`) or a part of it (`contains`). */
export interface WsExpect {
  readonly kind: 'exact' | 'contains';
  readonly text: Template;
}

/** `auth: { user, password }` (issue 15). */
export interface BasicAuth {
  readonly user: Template;
  readonly password: Template;
}

/** `cookies:` (issue 15): the virtual users' cookie jars. */
export interface CookieSettings {
  /** iteration: a fresh jar per iteration; keep: one jar for the user's whole run; off: no jar. */
  readonly mode: 'iteration' | 'keep' | 'off';
  /** Cookies each jar starts with (for every origin the scenario talks to). */
  readonly values: readonly (readonly [string, string])[];
}

export interface FlowStep extends CompiledRequest {
  readonly captures: readonly Capture[];
  /** Fixed pause after the step, before the next one, in ms (0 = none, or a random `think`). */
  readonly thinkMs: number;
  /** A random pause after the step (uniform, exponential, normal), drawn per user; undefined = thinkMs. */
  readonly think?: ThinkTime;
}

export interface Flow {
  readonly name: string;
  readonly index: number;
  readonly weight: number;
  readonly steps: readonly FlowStep[];
  /** Variable names by slot; a RenderContext.vars array for this flow has this length. */
  readonly vars: readonly string[];
  /**
   * `pace:` an iteration of this flow starts at most every paceMs after the last one started
   * (closed phases; 0 = none). A longer iteration is followed at once, counted as a pace overrun.
   */
  readonly paceMs?: number;
  readonly pos: SourcePos;
}

// ---------------------------------------------------------------------------------------------
// Load

/** One piece of an open phase's rate curve: linear from `from` to `to` req/s over [startMs, endMs). */
export interface RateSegment {
  readonly startMs: number;
  /** Infinity for an unbounded constant rate (phase ends on iterations/requests). */
  readonly endMs: number;
  readonly from: number;
  readonly to: number;
}

interface PhaseBase {
  readonly index: number;
  readonly name: string;
  /** Warmup phases run but are excluded from statistics and thresholds. */
  readonly warmup: boolean;
  /** Stop conditions; the phase ends at the first one reached. At least one is set. */
  readonly durationMs: number | undefined;
  readonly iterations: number | undefined;
  readonly requests: number | undefined;
  readonly pos: SourcePos;
}

/** Closed model: `connections` virtual users, each sending its next request when the last ends. */
export interface ClosedPhase extends PhaseBase {
  readonly model: 'closed';
  readonly connections: number;
}

/** Open model: arrivals on a schedule given by a rate curve, regardless of responses. */
export interface OpenPhase extends PhaseBase {
  readonly model: 'open';
  readonly shape: 'constant' | 'ramp' | 'stairs';
  readonly segments: readonly RateSegment[];
  /** cumulative[i] = exact (fractional) number of sends scheduled before segments[i] starts. */
  readonly cumulative: readonly number[];
  /** Upper bound on connections (in-flight requests / pipelining) for this phase. */
  readonly maxConnections: number;
}

// issue 16 hooks/replay (hooks)
/** Replay: the requests of an access log at their recorded times (open model; scenario/replay-log.ts). */
export interface ReplayPhase extends PhaseBase {
  readonly model: 'replay';
  /** The log, as given (relative to the scenario file). */
  readonly file: string;
  /** Gaps are divided by this (2: twice as fast). */
  readonly speed: number;
  /** Each request's offset from the first, ms (speed applied), ascending. */
  readonly offsetsMs: readonly number[];
  readonly methods: readonly string[];
  readonly targets: readonly string[];
  /** Upper bound on connections (in-flight requests / pipelining) for this phase. */
  readonly maxConnections: number;
}

export type Phase = ClosedPhase | OpenPhase | ReplayPhase;

// ---------------------------------------------------------------------------------------------
// Target, client, data, thresholds

export type ScenarioTarget =
  | { readonly kind: 'builtin' }
  | {
      readonly kind: 'url';
      readonly origins: readonly string[];
      readonly basePath: string;
      /** Origins given as `{ url, tls, proxy }` (their own TLS identity or proxy); absent: none. */
      readonly net?: readonly TargetNet[];
    };

export interface ResolveOverride {
  readonly host: string;
  readonly port: number;
  readonly addresses: readonly string[];
}

export interface ClientSettings {
  /** Default connections of closed phases and connection cap of open ones. */
  readonly connections: number;
  readonly pipelining: number;
  readonly timeoutMs: number;
  readonly keepalive: boolean;
  readonly insecure: boolean;
  readonly resolve: readonly ResolveOverride[];
  readonly workers: number | 'auto';
  /** Largest response body accepted, bytes (undefined: the client's default, 16 MiB). */
  readonly maxResponseBodySize?: number;
  /** HTTP version: auto (ALPN h2 then http/1.1 over TLS), http1, h2 (h2c over http). Undefined: HTTP/1.1. */
  readonly protocol?: 'auto' | 'http1' | 'h2';
  /** TLS identity, versions, ciphers, ALPN for every https target (client.tls). */
  readonly tls?: TlsSettings;
  /** Proxy settings (client.proxy, client.noProxy, --proxy, the environment). */
  readonly proxy?: ProxyConfig;
}

export interface DataSet {
  /** Path as given in the scenario, resolved against the scenario's directory. */
  readonly file: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /**
   * sequential (`cycle`): file order, wrapping around; random: any row each time; unique: each
   * row at most once across workers and shards (then `onExhausted`).
   */
  readonly order: 'sequential' | 'random' | 'unique';
  /** unique order: what a worker does when its rows run out (undefined = stop). */
  readonly onExhausted?: 'stop' | 'cycle';
  /** The file's format (undefined = csv). */
  readonly format?: 'csv' | 'json' | 'jsonl';
}

export type ThresholdOp = '<' | '<=' | '>' | '>=';

/** Streamed-response threshold metrics (issue 18; metrics/stream-histograms.ts STREAM_METRICS). */
export type StreamMetric = 'ttfb' | 'first_event' | 'gap' | 'stream_duration' | 'events/s'
  // issue 18 websocket: `ws:` step metrics, judged the same way (metrics/ws-histograms.ts WS_METRICS)
  | 'ws_connect' | 'ws_rtt' | 'ws_messages/s';

export interface ThresholdWindow {
  /** 'each': every consecutive window of `ms` must pass. 'last': only the final `ms` of the run. */
  readonly kind: 'each' | 'last';
  readonly ms: number;
}

export interface Threshold {
  /** The expression as written, e.g. "p99 < 50ms over 10s windows". */
  readonly text: string;
  /** 'p99', 'p99.9', 'min', 'max', 'mean', 'stddev', 'errors' or 'rps'. */
  readonly metric: string;
  readonly kind: 'latency' | 'errors' | 'rps' | 'stream';
  /** issue 18: kind 'stream' — the streamed-response metric, and its statistic ('p99', 'max', …). */
  readonly stream?: StreamMetric;
  readonly stat?: string;
  /** For pNN metrics, the percentile (0 < p <= 100); undefined otherwise. */
  readonly percentile: number | undefined;
  readonly op: ThresholdOp;
  /** Latency in ms; errors as a fraction (1% = 0.01); rps in requests per second. */
  readonly value: number;
  readonly window: ThresholdWindow | undefined;
  /** A request or flow-step name; undefined = overall. */
  readonly request: string | undefined;
  /** Stop the run as soon as this threshold fails. */
  readonly abortOnFail: boolean;
  readonly pos: SourcePos;
}

/**
 * `load: - search: {...}` (issue 18): find the highest open-model arrival rate that meets every
 * SLO. Run by engine/capacity-search.ts (`fastbench find`, or `run` on such a scenario).
 */
export interface SearchSpec {
  /** The SLO: threshold expressions over the whole step (no window, no request scope). */
  readonly slo: readonly Threshold[];
  /** The climb's first rate and its cap, req/s. */
  readonly fromRate: number;
  readonly toRate: number;
  /** Each climb step multiplies the rate by this (> 1; `step: 2x` or `step: 50%`). Default 2. */
  readonly stepFactor: number;
  /** How long each climb and bisection step offers its rate, ms. Default 5 s. */
  readonly stepMs: number;
  /** How long the answer is confirmed, ms. Default 10 s. */
  readonly holdMs: number;
  /** Bound on the whole search, ms. Default 5 min. */
  readonly maxDurationMs: number;
  /** Bisection stops when (bad - good) / good is at most this. Default 0.05. */
  readonly tolerance: number;
  /** Connection cap of every step (the phase's `connections`, else client.connections). */
  readonly maxConnections: number;
  readonly pos: SourcePos;
}

// ---------------------------------------------------------------------------------------------

export interface Scenario {
  readonly name: string;
  readonly description: string | undefined;
  /** The scenario file as given to the loader. */
  readonly file: string;
  readonly target: ScenarioTarget;
  readonly client: ClientSettings;
  readonly phases: readonly Phase[];
  /** issue 18: a capacity search (`load: - search: ...`); then `phases` is empty. */
  readonly search?: SearchSpec;
  /** 'requests': each iteration sends one request picked by weight. 'flows': runs a flow. */
  readonly mode: 'requests' | 'flows';
  readonly requests: readonly CompiledRequest[];
  readonly flows: readonly Flow[];
  /**
   * flows mode: run once per virtual user before its first iteration (its captures, in vars slots
   * [0, sharedVars), stay for every iteration), and once when it stops. Their steps are named
   * "setup/<name>", "teardown/<name>" in the results and take no arrival of the schedule.
   */
  readonly setup?: Flow;
  readonly teardown?: Flow;
  /** Vars slots captured by `setup` (kept across iterations); 0 without setup. */
  readonly sharedVars?: number;
  /** `seed:` / `run --seed`: think times, flow picks and random feeder rows repeat run to run. */
  readonly seed?: number;
  /** Cumulative weights of `requests` (or `flows`) normalised to end at 1; see pickWeighted. */
  readonly cumulativeWeights: readonly number[];
  readonly data: DataSet | undefined;
  readonly thresholds: readonly Threshold[];
  /** Length of the measurement intervals, ms (`interval:`, `run --interval`); undefined = 1000. */
  readonly intervalMs?: number;
  /** `cookies:` as written (issue 15); undefined: the default rule (engine/cookie-jar.ts). */
  readonly cookies?: CookieSettings;
  // issue 16 hooks/replay (hooks)
  /** `hooks:` the scripting hooks module, an absolute path (engine/hook-runner.ts). */
  readonly hooks?: string;
}
