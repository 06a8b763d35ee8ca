// One virtual user of a load worker: a slot that has at most one exchange in flight. It owns the
// Response it dispatches with (a subclass that points back at it, so the loop's one
// ResponseCallback finds the user without a map), a Request and ByteWriter for dynamic requests,
// the render context (seq, data row, captured vars) and its place in its flow.
import type { StreamTimer } from '../client/stream-timer.js';
import { ByteWriter } from '../core/byte-writer.js';
import { Prng } from '../core/prng.js';
import { Request } from '../client/request.js';
import { Response } from '../client/response.js';
import type { CaptureResponse, RenderContext } from '../scenario/index.js';
import type { UserCookies } from './cookie-jar.js';
import type { HookRequest, HookResponse, HookUserView } from './hook-objects.js';
import type { PhaseRun } from './loop-types.js';
import type { PreparedRequest } from './prepared-request.js';

export class UserResponse extends Response {
  constructor(readonly user: VirtualUser) {
    super();
  }
}

/** What captures read: a view of the user's last response, no copy until asked. */
class CaptureView implements CaptureResponse {
  /** The decoded body of a compressed response, while its captures run (issue 15). */
  decoded: Buffer | undefined = undefined;

  constructor(private readonly res: Response) {}

  get body(): string {
    return this.decoded !== undefined ? this.decoded.toString('utf8') : this.res.bodyText();
  }

  header(lowerName: string): string | undefined {
    return this.res.header(lowerName);
  }
}

export const enum UserState {
  /** Nothing in flight, not waiting. */
  Idle = 0,
  /** An exchange is in flight. */
  Busy = 1,
  /** Waiting out a think time or pace (or a retry after a request that could not be built). */
  Waiting = 2,
}

/** What a Waiting user does when it wakes with no step to send (step -1). */
export const enum Wake {
  /** Between iterations: take the next one (after a pace wait, or a request that could not be built). */
  Next = 0,
  /** After the think time of a flow's last step: the iteration ends (then pace). */
  EndIteration = 1,
  /** Retry a failed setup flow. */
  Setup = 2,
}

export class VirtualUser {
  readonly res: UserResponse;
  /** For dynamic requests (static ones use the shared prepared Requests). */
  readonly req = new Request();
  readonly writer = new ByteWriter(512);
  readonly ctx: RenderContext;
  readonly capture: CaptureView;
  /** Captured flow variables by slot. */
  vars: string[] = [];

  state: UserState = UserState.Idle;
  /** nowMs() when a Waiting user resumes. */
  wakeAt = 0;
  /** When the current exchange was due: its arrival's intended send time (closed model: the send). */
  scheduledAt = 0;
  sentAt = 0;
  /** The request in flight. */
  current: PreparedRequest | null = null;
  /** Bytes of the request in flight. */
  bytesOut = 0;
  /** The exchange in flight was sent in a measured (non-warmup) phase. */
  measured = false;
  /** The phase the exchange in flight was sent in (its `sent` counted it). */
  sentIn: PhaseRun | null = null;
  /** Flow mode: the flow being run and the next step (-1: between iterations). */
  flow = 0;
  step = -1;
  // issue 15 (sess-web)
  /** The user's cookie jar; undefined when the scenario has none (engine/cookie-jar.ts). */
  cookies: UserCookies | undefined = undefined;
  /** URL of the exchange in flight, for its Set-Cookie fields (only with a jar). */
  cookieUrl = '';
  /** With step -1: what waking up means. */
  wake: Wake = Wake.Next;
  /** Think times and flow picks (seeded per user: seed, worker slot, user index). */
  rng: Prng;
  /** The current iteration's flow `pace` (0: none) and when the iteration started. */
  paceMs = 0;
  iterStart = 0;
  /** The setup flow succeeded (its captures are in vars[0, sharedVars)). */
  ready = false;
  /** Ran a setup or an iteration: owes a teardown when it stops. */
  started = false;
  /** Its teardown was started (once per user), or it may never run again (out of data rows). */
  done = false;
  /** issue 18: the chunk/event timer of `stream:` requests (made on the first one). */
  streamTimer: StreamTimer | null = null;
  // issue 16 (hooks): only with a hooks module
  hook: HookUserView | undefined = undefined;
  hookReq: HookRequest | undefined = undefined;
  hookRes: HookResponse | undefined = undefined;
  /** Timed schedules: the phase-wide index of the arrival being served (a replay's log entry); -1: none. */
  arrival = -1;
  /** The step an afterResponse hook chose (vu.next) for after this one; -1: the next in order. */
  jump = -1;

  constructor(readonly index: number, seed = 0) {
    this.rng = new Prng(seed);
    this.res = new UserResponse(this);
    this.capture = new CaptureView(this.res);
    this.ctx = { seq: 0, row: undefined, vars: undefined };
  }
}
