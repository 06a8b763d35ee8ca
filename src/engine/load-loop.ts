// The load loop: ONE loop for every load model; what its users do. The clock — phases, arrival
// schedules, the tick, intervals, the drain and the end — is loop-control.ts, its base class.
// Pipelining just means more users: each in-flight slot is a user with its own scheduled time.
// The loop object is the ResponseCallback of every exchange: no closure, promise or timer per
// request. The verdict on each response is response-check.ts; what the loop is built from
// (prepared requests, flows, users, feeder) is loop-build.ts.
//
// Sessions (flows mode): a user runs the `setup` flow when a phase first needs it (before taking
// any arrival; a failed setup is retried after SETUP_RETRY_MS), keeps its captures and data row for
// every iteration, and runs `teardown` once when the run ends (within the drain's grace). Think
// times are drawn from the user's seeded Prng; `pace` holds a closed-model user until its
// iteration's start + pace (an iteration that took longer is a pace overrun, counted per phase).
// A `unique` feeder that runs out stops the user (with setup: that user never logs in) or, without
// setup, this worker's run: iterations in progress finish, teardowns run, then the drain.
import { nowMs } from '../core/clock.js';
import { errorId } from '../core/errors.js';
import type { FastbenchError } from '../core/errors.js';
import type { ResponseCallback } from '../client/doer.js';
import type { Request } from '../client/request.js';
import type { Response } from '../client/response.js';
import { pickWeighted, sampleThink, type DataFeeder, type Scenario } from '../scenario/index.js';
import { buildLoopParts, requestNames } from './loop-build.js';
import { LoopControl } from './loop-control.js';
import type { LoopOptions } from './loop-types.js';
import { writeHookRequest, type PreparedRequest } from './prepared-request.js';
import { HookRequest, varsView, type HookUserView } from './hook-objects.js';
import { THREW, type HookRunner } from './hook-runner.js';
import { DEFAULT_MAX_DECODED, ResponseCheck, bytesIn, failedBytesIn } from './response-check.js';
import type { Backend, TargetClients } from './target-clients.js';
import { StreamMode } from '../client/stream-timer.js';
import { armStream, recordStream } from './stream-recording.js';
import { UserState, Wake, type UserResponse, type VirtualUser } from './virtual-user.js';
import { WsSteps, type WsStepHost } from './ws-step.js';
import type { WorkerPhase } from './worker-plan.js';

const INVALID_HEADER = errorId('ERR_HTTP_INVALID_HEADER');
const HOOK_FAILED = errorId('ERR_HOOK');
const HOOK_REJECTED = errorId('ERR_HOOK_REJECTED');
/** A user whose setup flow failed tries it again this much later. */
export const SETUP_RETRY_MS = 1000;

export class LoadLoop extends LoopControl implements ResponseCallback, WsStepHost {
  private readonly clients: TargetClients;
  private readonly requests: PreparedRequest[];
  /** flows mode: prepared steps per flow, then setup's and teardown's. */
  private readonly flowSteps: PreparedRequest[][];
  /** Each flow's `pace`, ms (0: none). */
  private readonly paceMs: number[];
  /** Indexes into flowSteps of the setup and teardown flows (-1: none). */
  private readonly setupFlow: number;
  private readonly teardownFlow: number;
  /** Vars slots setup captured, kept across iterations. */
  private readonly sharedVars: number;
  private readonly flows: boolean;
  private readonly weights: readonly number[];
  private readonly feeder: DataFeeder | undefined;
  private seq = 0;
  /** The backend buildRequest picked for the send being made (read right after it). */
  private sendTo: Backend | undefined;
  // issue 15 (sess-web): cookies and decoding
  /** "scheme://host[:port]" per group and backend: the base of the URL a jar is asked about. */
  private readonly cookieBase: string[][];
  /** Expectations, captures, cookies and decoding of each response. */
  private readonly check: ResponseCheck;
  // issue 16 (hooks)
  /** The scenario's hooks module for this worker, or undefined. */
  private readonly scripts: HookRunner | undefined;
  /** Flows with hooks: per flow, the prototype of a user's vars object. */
  private readonly varsProtos: object[];
  /** issue 18: the runner of `ws:` flow steps; null when the scenario has none. */
  private readonly wsSteps: WsSteps | null;

  constructor(options: LoopOptions) {
    const s = options.scenario;
    const parts = buildLoopParts(options);
    const check = new ResponseCheck(s.client.maxResponseBodySize ?? DEFAULT_MAX_DECODED);
    super(options, parts.users, requestNames(s), check.decode);
    this.check = check;
    this.clients = options.clients;
    this.flows = s.mode === 'flows';
    this.weights = s.cumulativeWeights;
    this.sharedVars = s.sharedVars ?? 0;
    this.requests = parts.requests;
    this.flowSteps = parts.flowSteps;
    this.paceMs = parts.paceMs;
    this.setupFlow = parts.setupFlow;
    this.teardownFlow = parts.teardownFlow;
    this.feeder = parts.feeder;
    this.cookieBase = parts.cookieBase;
    this.scripts = options.scripts;
    this.varsProtos = parts.varsProtos;
    options.clients.onUnsolicited = (err, bytes) => this.onUnsolicited(err, bytes);
    this.wsSteps = WsSteps.forScenario(s, options.clients, this.recorder, this);
  }

  protected override finish(now: number): void {
    const was = this.finished;
    super.finish(now);
    if (!was) this.wsSteps?.closeAll();
  }

  /** Request names in recorder order. */
  static requestNames(s: Scenario): string[] {
    return requestNames(s);
  }

  // ------------------------------------------------------------------ users in and out of phases

  protected placeUsers(p: WorkerPhase, now: number): boolean {
    // The phase's users that are idle (pushed in reverse: user 0 is handed the first arrival);
    // those that have not run the setup flow yet run it first, taking no arrival.
    this.free.length = 0;
    for (let k = p.users - 1; k >= 0; k--) {
      const u = this.users[k]!;
      if (u.state !== UserState.Idle || u.done) continue;
      if (this.setupFlow >= 0 && !u.ready) this.startSetup(u, now);
      else this.free.push(u);
    }
    // Every user of the phase left without a data row (unique rows): nothing can ever run here.
    return !(this.feeder !== undefined && this.setupFlow >= 0 && this.allOutOfRows(p.users));
  }

  protected drainUsers(now: number): void {
    // Users waiting between iterations (pace, a setup retry) stop now; mid-iteration think times
    // are waited out only when iterations run to their end.
    const w = this.waiting;
    let kept = 0;
    for (let i = 0; i < w.length; i++) {
      const u = w[i]!;
      if (this.completeIterations && u.step >= 0) w[kept++] = u;
      else {
        u.state = UserState.Idle;
        u.step = -1;
      }
    }
    w.length = kept;
    // Idle users (and those just released) run their teardown.
    if (this.teardownFlow >= 0) for (const u of this.users) if (u.state === UserState.Idle) this.userStops(u, now);
  }

  /** A user that will send no more iterations: its teardown flow, once, if it ran anything. */
  private userStops(u: VirtualUser, now: number): void {
    if (this.teardownFlow < 0 || u.done || !u.started || (this.setupFlow >= 0 && !u.ready) || this.finished) return;
    u.done = true;
    u.flow = this.teardownFlow;
    u.step = 0;
    u.vars.fill('', this.sharedVars);
    this.sendStep(u, now, now);
  }
  protected wakeUsers(now: number): void {
    const w = this.waiting;
    for (let i = w.length - 1; i >= 0; i--) {
      const u = w[i]!;
      if (u.wakeAt > now) continue;
      w[i] = w[w.length - 1]!;
      w.pop();
      u.state = UserState.Idle;
      if (u.step >= 0) this.sendStep(u, u.wakeAt, now);
      else if (u.wake === Wake.EndIteration) this.endIteration(u, now);
      else if (u.wake === Wake.Setup) this.retrySetup(u, now);
      else this.iterationDone(u, now);
    }
  }
  // ------------------------------------------------------------------ iterations and sends

  protected startIteration(u: VirtualUser, scheduledAt: number, now: number): void {
    if (this.flows) {
      // With a setup flow the user keeps the row it logged in with; otherwise a row per iteration.
      if (this.feeder !== undefined && this.setupFlow < 0) {
        const row = this.feeder.next();
        if (row === undefined) {
          this.outOfData(now);
          return;
        }
        u.ctx.row = row;
      }
      const f = this.weights.length > 1 ? pickWeighted(this.weights, u.rng.float()) : 0;
      u.flow = f;
      u.step = 0;
      u.started = true;
      u.vars.fill('', this.sharedVars);
      const pace = this.paceMs[f]!;
      u.paceMs = pace;
      if (pace > 0) u.iterStart = now;
    }
    if (u.cookies !== undefined) u.cookies.beginIteration();
    const r = this.cur;
    r.iterations++;
    if (r.iterations >= this.ph.iterations) this.limitReached = true;
    this.sendStep(u, scheduledAt, now);
  }

  /** The setup flow, before the user's first iteration: it takes no arrival and counts no iteration. */
  private startSetup(u: VirtualUser, now: number): void {
    // A retried setup keeps the row the user drew.
    if (this.feeder !== undefined && u.ctx.row === undefined) {
      const row = this.feeder.next();
      if (row === undefined) {
        // No row left for this user: it never logs in and never runs (unique rows, onExhausted: stop).
        u.done = true;
        this.cur.dataExhausted = 1;
        return;
      }
      u.ctx.row = row;
    }
    u.flow = this.setupFlow;
    u.step = 0;
    u.started = true;
    u.vars.fill('');
    this.sendStep(u, now, now);
  }

  private allOutOfRows(users: number): boolean {
    for (let k = 0; k < users; k++) if (!this.users[k]!.done) return false;
    return true;
  }

  private retrySetup(u: VirtualUser, now: number): void {
    if (this.stopping || u.index >= this.ph.users) return; // a later phase that needs it sets it up
    this.startSetup(u, now);
  }

  /** The setup flow ended: the user joins the phase, or tries again later. */
  private setupDone(u: VirtualUser, ok: boolean, now: number): void {
    if (ok) {
      u.ready = true;
      if (u.cookies !== undefined) u.cookies.markBaseline();
      this.iterationDone(u, now);
      return;
    }
    if (this.stopping) return;
    this.wait(u, now + SETUP_RETRY_MS, Wake.Setup);
  }

  private wait(u: VirtualUser, until: number, wake: Wake): void {
    u.state = UserState.Waiting;
    u.wakeAt = until;
    u.wake = wake;
    this.waiting.push(u);
  }

  /** An iteration's end (after its last think time): a closed-model user with a pace waits for it. */
  private endIteration(u: VirtualUser, now: number): void {
    const pace = u.paceMs;
    if (pace > 0 && !this.stopping && !this.sched.timed) {
      const due = u.iterStart + pace;
      if (due > now) {
        this.wait(u, due, Wake.Next);
        return;
      }
      if (now > due) this.cur.paceOverruns++;
    }
    this.iterationDone(u, now);
  }

  /** The pause after a flow step: fixed, or drawn from the user's generator. */
  private static thinkAfter(pr: PreparedRequest, u: VirtualUser): number {
    return pr.think === undefined ? pr.thinkMs : sampleThink(pr.think, u.rng);
  }

  private sendStep(u: VirtualUser, scheduledAt: number, now: number): void {
    let pr: PreparedRequest;
    if (this.flows) {
      pr = this.flowSteps[u.flow]![u.step]!;
    } else {
      pr = this.requests[this.weights.length > 1 ? pickWeighted(this.weights, u.rng.float()) : 0]!;
      if (this.feeder !== undefined) {
        const row = this.feeder.next();
        if (row === undefined) {
          this.cur.iterations--; // counted by startIteration, never sent
          this.outOfData(now); // u stays idle: the drain has begun
          return;
        }
        u.ctx.row = row;
      }
    }
    const r = this.cur;
    r.sent++;
    if (r.sent >= this.ph.requests) this.limitReached = true;
    u.ctx.seq = this.plan.slot + this.plan.slots * this.seq++;
    u.scheduledAt = scheduledAt;
    u.sentAt = now;
    u.current = pr;
    u.measured = !this.ph.warmup;
    u.sentIn = r;
    if (pr.ws) {
      // issue 18: a WebSocket session (ws-step.ts), ended through wsStepDone.
      u.state = UserState.Busy;
      this.inFlight++;
      this.wsSteps!.start(u, pr);
      return;
    }
    const req = this.buildRequest(u, pr, now);
    if (req === null) return;
    u.res.discardBody = !pr.needsBody;
    u.res.stream = pr.stream === StreamMode.Off ? null : armStream(u, pr.stream);
    u.state = UserState.Busy;
    this.inFlight++;
    this.sendTo!.client.dispatch(req, u.res, this, now + this.timeoutMs);
  }

  /**
   * The bytes of one send: the prepared ones of a static request, else rendered into the user's
   * writer (with the jar's Cookie, or built from what its beforeRequest hook left). null: it could
   * not be built (counted; the user resumes at the next tick, never synchronously, so a bad row
   * cannot spin the loop).
   */
  private buildRequest(u: VirtualUser, pr: PreparedRequest, now: number): Request | null {
    const clients = this.clients;
    const b = clients.pick(pr.group);
    const backend = clients.backend(pr.group, b);
    this.sendTo = backend;
    // With a jar: the Cookie header the jar has for this URL (a request with cookies to send is
    // rendered, even a static one). Without one: nothing of this runs.
    let target: string | undefined;
    let cookie: string | undefined;
    if (u.cookies !== undefined) {
      target = pr.targetFor(u.ctx);
      u.cookieUrl = this.cookieBase[pr.group]![b]! + target;
      if (!pr.ownCookie) cookie = u.cookies.header(u.cookieUrl);
    }
    // A replay phase sends the log's entry for this arrival; a beforeRequest hook edits fields first.
    const spec = this.ph.spec;
    if (spec.model === 'replay' && u.arrival >= 0) {
      return this.buildFields(u, pr, backend.hostHeader, spec.targets[u.arrival]!, cookie, now, spec.methods[u.arrival]!);
    }
    if (pr.before !== undefined) return this.buildFields(u, pr, backend.hostHeader, target ?? pr.targetFor(u.ctx), cookie, now, pr.method);
    if (pr.static && (cookie === undefined || cookie.length === 0)) {
      u.bytesOut = pr.rawLength[b]!;
      return pr.raw[b]!;
    }
    try {
      pr.render(u.writer, u.ctx, backend.hostHeader, target, cookie);
    } catch {
      this.notBuilt(u, pr, INVALID_HEADER, now);
      return null;
    }
    const bytes = u.writer.view();
    u.req.setRaw(bytes, pr.method);
    u.bytesOut = bytes.length;
    return u.req;
  }

  /**
   * A request built as fields (HookRequest): a replayed one (the log's method and target), or one
   * with a beforeRequest hook (which edits the fields), then written from what is left.
   */
  private buildFields(u: VirtualUser, pr: PreparedRequest, host: string, target: string, cookie: string | undefined, now: number, method: string): Request | null {
    const hr = (u.hookReq ??= new HookRequest());
    try {
      pr.fillHookRequest(hr, u.ctx, host, target, cookie);
    } catch {
      this.notBuilt(u, pr, INVALID_HEADER, now);
      return null;
    }
    hr.method = method;
    const scripts = this.scripts;
    if (pr.before !== undefined && scripts!.call(pr.before, 'beforeRequest', pr.name, hr, this.hookUser(u)) === THREW) {
      this.notBuilt(u, pr, HOOK_FAILED, now);
      return null;
    }
    let sent: string;
    try {
      sent = writeHookRequest(u.writer, hr);
    } catch (e) {
      // Only a hook can leave fields that cannot be written (the log's were checked at load).
      scripts?.fail('beforeRequest', pr.name, e);
      this.notBuilt(u, pr, HOOK_FAILED, now);
      return null;
    }
    const bytes = u.writer.view();
    u.req.setRaw(bytes, sent);
    u.bytesOut = bytes.length;
    return u.req;
  }

  /** A send that could not be built: counted; the iteration ends (a setup retries later). */
  private notBuilt(u: VirtualUser, pr: PreparedRequest, code: number, now: number): void {
    if (u.measured) this.recorder.recordError(pr.index, code);
    this.liveErrors++;
    u.step = -1;
    if (u.flow === this.setupFlow && this.flows) this.wait(u, now + SETUP_RETRY_MS, Wake.Setup);
    else this.wait(u, now, Wake.Next);
  }

  /** The user as hooks see it, pointed at its current row, flow variables and setup's data. */
  private hookUser(u: VirtualUser): HookUserView {
    const v = u.hook!;
    v.setRow(u.ctx.row);
    if (this.flows) v.vars = v.flowVars[u.flow] ??= varsView(this.varsProtos[u.flow]!, u.vars);
    v.shared = this.scripts!.ctx.shared;
    return v;
  }

  /**
   * The afterResponse hook: the failure it adds (ERR_HOOK when it threw, ERR_HOOK_REJECTED when
   * it returned false; an earlier failure stands), and the next step it chose (u.jump).
   */
  private runAfter(u: VirtualUser, pr: PreparedRequest, res: Response, failure: number): number {
    const scripts = this.scripts!;
    const vu = this.hookUser(u);
    vu.next = undefined;
    const out = scripts.call(pr.after!, 'afterResponse', pr.name, u.hookRes!.load(res, u.capture.decoded), vu);
    u.hookRes!.release();
    if (out === THREW) return failure !== 0 ? failure : HOOK_FAILED;
    if (out === false && failure === 0) failure = HOOK_REJECTED;
    const next = vu.next;
    if (next === undefined || !this.flows) return failure;
    const steps = this.flowSteps[u.flow]!;
    if (next === false) {
      u.jump = steps.length;
      return failure;
    }
    for (let k = 0; k < steps.length; k++) {
      if (steps[k]!.name === next) {
        u.jump = k;
        return failure;
      }
    }
    scripts.fail('afterResponse', pr.name, new Error(`vu.next = ${JSON.stringify(next)} names no step of this flow`));
    return failure !== 0 ? failure : HOOK_FAILED;
  }

  /** The ResponseCallback of every exchange of this loop. */
  onResponse(_req: Request, res: Response, err: FastbenchError | null): void {
    if (this.finished) return; // clients closed after the drain: not part of the run
    const u = (res as UserResponse).user;
    const now = nowMs();
    this.inFlight--;
    u.state = UserState.Idle;
    const pr = u.current!;
    u.current = null;
    // The verdict (response-check.ts); failed responses are still recorded as responses.
    let failure = this.check.judge(u, pr, res, err);
    if (pr.after !== undefined && err === null) failure = this.runAfter(u, pr, res, failure);
    u.capture.decoded = undefined;
    this.liveCompleted++;
    if (failure !== 0) this.liveErrors++;
    if (u.measured) {
      const correctedUs = Math.round((now - u.scheduledAt) * 1000);
      if (err !== null) this.recorder.recordError(pr.index, failure, correctedUs, failedBytesIn(res), u.bytesOut);
      else this.recorder.record(pr.index, correctedUs, Math.round((now - u.sentAt) * 1000), res.status, bytesIn(res), u.bytesOut, failure);
      if (err === null && res.stream !== null) recordStream(this.recorder, pr.index, u, res, now);
    }
    this.afterResponse(u, pr, failure, now);
    if (this.stopping) this.maybeFinish(now);
  }

  /** issue 18: a `ws:` step ended (ws-step.ts recorded it). */
  wsStepDone(u: VirtualUser, pr: PreparedRequest, failure: number, now: number): void {
    if (this.finished) return;
    this.inFlight--;
    u.state = UserState.Idle;
    u.current = null;
    this.liveCompleted++;
    if (failure !== 0) this.liveErrors++;
    this.afterResponse(u, pr, failure, now);
    if (this.stopping) this.maybeFinish(now);
  }

  /** Where the user goes after an exchange: the flow's next step, a think time, its iteration's end. */
  private afterResponse(u: VirtualUser, pr: PreparedRequest, failure: number, now: number): void {
    const session = this.flows && (u.flow === this.setupFlow || u.flow === this.teardownFlow);
    // The next step: in order, or the one an afterResponse hook chose (vu.next).
    const next = u.jump >= 0 ? u.jump : u.step + 1;
    u.jump = -1;
    if (this.stopping && !this.completeIterations && !(session && u.flow === this.teardownFlow)) {
      // A setup that just completed still owes its teardown.
      if (session && failure === 0 && next >= this.flowSteps[u.flow]!.length) u.ready = true;
      u.step = -1;
      this.userStops(u, now);
      return;
    }
    // Flows: the next step (a failed step ends the iteration: later steps would lack its data).
    if (this.flows && failure === 0 && next < this.flowSteps[u.flow]!.length) {
      u.step = next;
      const pause = LoadLoop.thinkAfter(pr, u);
      if (pause > 0) this.wait(u, now + pause, Wake.Next);
      else this.sendStep(u, now, now);
      return;
    }
    u.step = -1;
    if (session) {
      if (u.flow === this.setupFlow) this.setupDone(u, failure === 0, now);
      return;
    }
    if (this.stopping) {
      this.userStops(u, now);
      return;
    }
    if (this.flows && failure === 0) {
      // Think after the last step too, before the next iteration.
      const pause = LoadLoop.thinkAfter(pr, u);
      if (pause > 0) {
        this.wait(u, now + pause, Wake.EndIteration);
        return;
      }
    }
    this.endIteration(u, now);
  }

  /** Bytes on a connection with no request in flight: a connection error, counted (measured phases). */
  private onUnsolicited(err: FastbenchError, bytes: number): void {
    if (this.finished || this.measuredStart === undefined || this.ph === undefined || this.ph.warmup) return;
    this.recorder.recordConnectionError(err.id, bytes);
  }

  /** A user between iterations: what the current phase wants of it. */
  private iterationDone(u: VirtualUser, now: number): void {
    if (this.stopping) {
      this.userStops(u, now);
      return;
    }
    const p = this.ph;
    if (u.index >= p.users) return; // a smaller phase than the one it was busy for
    // Every other user busy and an arrival owed: this one takes the oldest at once (with the closed
    // model, always: its next iteration); otherwise it waits for the schedule's next tick.
    const s = this.sched;
    if (this.free.length === 0 && !this.limitReached && now < this.phaseEnd && s.nextAt(now) <= now) {
      const at = s.take(now, true);
      u.arrival = s.taken ?? -1;
      this.startIteration(u, at, now);
      return;
    }
    this.free.push(u);
  }
}
