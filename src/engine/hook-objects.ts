// The objects hooks see (hook-runner.ts), one of each per virtual user, reused for every exchange:
//   HookRequest   plain fields (method, path, headers, body) that beforeRequest assigns
//   HookResponse  status; headers, body, text and json built only when the hook reads them
//   HookUserView  vars (flow variables by name: reads and writes go to the user's slots), data
//                 (the row as an object), shared (what setup returned), next (the next step)
import type { Response } from '../client/response.js';
import type { HookUser } from './hook-runner.js';

export class HookRequest {
  /** The request's name in the scenario (read-only by convention). */
  name = '';
  method = 'GET';
  path = '/';
  headers: Record<string, unknown> = {};
  body: unknown = undefined;
}

export class HookResponse {
  status = 0;
  private res: Response | undefined;
  private decoded: Buffer | undefined;
  private headersObj: Record<string, string> | undefined;
  private textCache: string | undefined;
  private jsonCache: unknown;
  private jsonRead = false;

  /** Points at the user's response for one afterResponse call. */
  load(res: Response, decoded: Buffer | undefined): this {
    this.res = res;
    this.status = res.status;
    this.decoded = decoded;
    this.headersObj = undefined;
    this.textCache = undefined;
    this.jsonCache = undefined;
    this.jsonRead = false;
    return this;
  }

  /** Header names lower-cased; repeated fields joined with ", " (set-cookie with "\n"). */
  get headers(): Record<string, string> {
    if (this.headersObj !== undefined) return this.headersObj;
    const out: Record<string, string> = {};
    const h = this.res!.headers;
    for (let i = 0; i < h.count; i++) {
      const name = h.name(i).toLowerCase();
      const v = h.value(i);
      const prev = out[name];
      out[name] = prev === undefined ? v : `${prev}${name === 'set-cookie' ? '\n' : ', '}${v}`;
    }
    this.headersObj = out;
    return out;
  }

  /** The body (decoded when it came compressed); a view valid during the call: copy it to keep it. */
  get body(): Buffer {
    return this.decoded ?? this.res!.body;
  }

  get text(): string {
    if (this.textCache === undefined) this.textCache = this.body.toString('utf8');
    return this.textCache;
  }

  /** The body parsed as JSON (throws on invalid JSON: the hook fails with ERR_HOOK). */
  get json(): unknown {
    if (!this.jsonRead) {
      this.jsonCache = JSON.parse(this.text);
      this.jsonRead = true;
    }
    return this.jsonCache;
  }

  /** Drops the references to the user's buffers after the call. */
  release(): void {
    this.res = undefined;
    this.decoded = undefined;
    this.headersObj = undefined;
    this.textCache = undefined;
    this.jsonCache = undefined;
  }
}

const SLOTS = Symbol('slots');

/**
 * A prototype whose accessors map variable names to slots of a user's vars array: `vu.vars.token`
 * reads and writes slot i (values are kept as strings, as captures keep them).
 */
export function varsPrototype(names: readonly string[]): object {
  const proto: object = {};
  names.forEach((name, i) => {
    Object.defineProperty(proto, name, {
      enumerable: true,
      get(this: { [SLOTS]: string[] }) {
        return this[SLOTS][i];
      },
      set(this: { [SLOTS]: string[] }, v: unknown) {
        this[SLOTS][i] = v === undefined || v === null ? '' : String(v);
      },
    });
  });
  return proto;
}

/** A user's vars object over its slots (one per flow: each flow names its slots). */
export function varsView(proto: object, slots: string[]): Record<string, unknown> {
  const o = Object.create(proto) as Record<string | symbol, unknown>;
  o[SLOTS] = slots;
  return o as Record<string, unknown>;
}

export class HookUserView implements HookUser {
  vars: Record<string, unknown> = {};
  shared: unknown = undefined;
  next: string | false | undefined = undefined;
  private row: readonly string[] | undefined = undefined;
  private rowObj: Record<string, string> | undefined = undefined;
  /** The user's vars object per flow (flows mode), made when first needed. */
  readonly flowVars: (Record<string, unknown> | undefined)[] = [];

  constructor(
    readonly id: number,
    private readonly columns: readonly string[] | undefined,
  ) {}

  /** The row the user sends with now. */
  setRow(row: readonly string[] | undefined): void {
    if (row !== this.row) {
      this.row = row;
      this.rowObj = undefined;
    }
  }

  get data(): Readonly<Record<string, string>> | undefined {
    if (this.row === undefined || this.columns === undefined) return undefined;
    if (this.rowObj === undefined) {
      const o: Record<string, string> = {};
      this.columns.forEach((c, i) => (o[c] = this.row![i] ?? ''));
      this.rowObj = o;
    }
    return this.rowObj;
  }
}
