// An incremental parser of `text/event-stream` bodies (server-sent events), by the WHATWG HTML
// standard's "event stream interpretation": lines end in CRLF, LF or CR (a CRLF split across two
// chunks is one line end); a line starting with ':' is a comment; `name:value` sets a field (one
// space after the colon is dropped), a line without a colon is a field with an empty value;
// `data` appends the value and a LF to the data buffer, `event` sets the type, `id` the last event
// id (unless the value holds a NUL), `retry` the reconnection time (ASCII digits only); a blank
// line dispatches the event when the data buffer is not empty (its final LF removed), then the
// data and type are cleared. A leading UTF-8 BOM is skipped; an event the stream ends in the
// middle of is dropped (nothing is dispatched by finish()).
//
// It runs over Buffers byte by byte and keeps no strings: the field name goes into a few bytes of
// state, and values are only copied (into growable Buffers) when `keepFields` asks for them —
// timing streams only counts events. The handler is an object (no closure per event).

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;

/** Receives dispatched events; read the parser's fields during the call (with keepFields). */
export interface SseHandler {
  onEvent(parser: SseParser): void;
}

const enum St {
  /** At the start of a line. */
  LineStart = 0,
  /** In the field name. */
  Name = 1,
  /** Just after the colon: one space is skipped. */
  ValueStart = 2,
  /** In the value. */
  Value = 3,
  /** In a comment line. */
  Comment = 4,
}

/** Which field a line names (only the first bytes matter; anything else is Other). */
const enum Field {
  Other = 0,
  Data = 1,
  Event = 2,
  Id = 3,
  Retry = 4,
}

const NAMES: readonly [Field, Buffer][] = [
  [Field.Data, Buffer.from('data', 'latin1')],
  [Field.Event, Buffer.from('event', 'latin1')],
  [Field.Id, Buffer.from('id', 'latin1')],
  [Field.Retry, Buffer.from('retry', 'latin1')],
];

/** A growable byte buffer (only with keepFields). */
class Bytes {
  buf: Buffer = Buffer.allocUnsafe(64);
  len = 0;
  push(b: number): void {
    if (this.len === this.buf.length) {
      const grown = Buffer.allocUnsafe(this.buf.length * 2);
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    this.buf[this.len++] = b;
  }
  text(end = this.len): string {
    return this.buf.toString('utf8', 0, end);
  }
}

export class SseParser {
  /** Events dispatched since construction or reset(). */
  events = 0;
  /** Bytes fed since construction or reset(). */
  bytes = 0;
  /** Last reconnection time a `retry:` field set (ms), -1 when none. */
  retryMs = -1;

  private st = St.LineStart;
  /** The previous byte was a CR (a LF right after it ends no further line). */
  private afterCR = false;
  /** BOM bytes matched at the stream's start (3 = done, or not a BOM). */
  private bom = 0;
  /** Field name bytes seen, and whether they still match each known name. */
  private nameLen = 0;
  private nameMask = 0;
  private field = Field.Other;
  /** A `data` field was seen since the last dispatch (the data buffer is not empty). */
  private hasData = false;
  // value state for id and retry (cheap, always kept)
  private valueNul = false;
  private valueLen = 0;
  private retryVal = 0;
  private retryOk = true;
  // with keepFields
  private readonly data: Bytes | null;
  private readonly type: Bytes | null;
  private readonly idBuf: Bytes | null;
  private readonly lastId: Bytes | null;
  private typeSet = false;

  constructor(private readonly handler: SseHandler | null, keepFields = false) {
    this.data = keepFields ? new Bytes() : null;
    this.type = keepFields ? new Bytes() : null;
    this.idBuf = keepFields ? new Bytes() : null;
    this.lastId = keepFields ? new Bytes() : null;
  }

  /** Starts over for a new stream (the last event id is kept per the standard only by EventSource; here it is cleared too). */
  reset(): void {
    this.events = 0;
    this.bytes = 0;
    this.retryMs = -1;
    this.st = St.LineStart;
    this.afterCR = false;
    this.bom = 0;
    this.hasData = false;
    this.typeSet = false;
    if (this.data !== null) this.data.len = 0;
    if (this.type !== null) this.type.len = 0;
    if (this.lastId !== null) this.lastId.len = 0;
  }

  /** The dispatched event's data (LF-joined `data` lines), during onEvent; '' without keepFields. */
  get eventData(): string {
    const d = this.data;
    return d === null || d.len === 0 ? '' : d.text(d.len - 1);
  }

  /** The dispatched event's type ('message' when no `event` field set one), during onEvent. */
  get eventType(): string {
    const t = this.type;
    return t === null || !this.typeSet || t.len === 0 ? 'message' : t.text();
  }

  /** The last event id set by an `id` field ('' when none), during onEvent. */
  get lastEventId(): string {
    return this.lastId === null ? '' : this.lastId.text();
  }

  /** Feeds buf[start, end). Dispatches (handler.onEvent) each event a blank line completes. Returns events dispatched in this call. */
  feed(buf: Buffer, start = 0, end = buf.length): number {
    this.bytes += end - start;
    const before = this.events;
    let i = start;
    if (this.bom < 3) i = this.skipBom(buf, i, end);
    for (; i < end; i++) {
      const b = buf[i]!;
      if (b === LF || b === CR) {
        if (b === LF && this.afterCR) {
          this.afterCR = false;
          continue;
        }
        this.afterCR = b === CR;
        this.endLine();
        continue;
      }
      this.afterCR = false;
      switch (this.st) {
        case St.LineStart:
          if (b === COLON) {
            this.st = St.Comment;
          } else {
            this.st = St.Name;
            this.nameLen = 0;
            this.nameMask = 0b1111;
            this.nameByte(b);
          }
          break;
        case St.Name:
          if (b === COLON) this.beginValue();
          else this.nameByte(b);
          break;
        case St.ValueStart:
          this.st = St.Value;
          if (b !== SPACE) this.valueByte(b);
          break;
        case St.Value:
          this.valueByte(b);
          break;
        case St.Comment:
          break;
      }
    }
    return this.events - before;
  }

  /** The stream ended: a partial event is dropped (the standard discards it). */
  finish(): void {
    this.st = St.LineStart;
    this.hasData = false;
    this.typeSet = false;
    if (this.data !== null) this.data.len = 0;
    if (this.type !== null) this.type.len = 0;
  }

  private skipBom(buf: Buffer, i: number, end: number): number {
    const BOM = [0xef, 0xbb, 0xbf];
    while (this.bom < 3 && i < end) {
      if (buf[i] === BOM[this.bom]) {
        this.bom++;
        i++;
        continue;
      }
      // Not a BOM: the bytes matched so far are ordinary content (never CR, LF or ':').
      const matched = this.bom;
      this.bom = 3;
      if (matched > 0) this.feedPlain(BOM, matched);
      return i;
    }
    return i;
  }

  private feedPlain(bytes: readonly number[], n: number): void {
    for (let k = 0; k < n; k++) {
      if (this.st === St.LineStart) {
        this.st = St.Name;
        this.nameLen = 0;
        this.nameMask = 0b1111;
      }
      this.nameByte(bytes[k]!);
    }
  }

  private nameByte(b: number): void {
    const k = this.nameLen++;
    let m = this.nameMask;
    for (let j = 0; j < 4; j++) {
      if ((m & (1 << j)) === 0) continue;
      const name = NAMES[j]![1];
      if (k >= name.length || name[k] !== b) m &= ~(1 << j);
    }
    this.nameMask = m;
  }

  /** The field the name bytes spell exactly (Other when none). */
  private nameField(): Field {
    const m = this.nameMask;
    for (let j = 0; j < 4; j++) {
      if ((m & (1 << j)) !== 0 && NAMES[j]![1].length === this.nameLen) return NAMES[j]![0];
    }
    return Field.Other;
  }

  private beginValue(): void {
    this.field = this.nameField();
    this.st = St.ValueStart;
    this.valueNul = false;
    this.valueLen = 0;
    this.retryVal = 0;
    this.retryOk = true;
    if (this.field === Field.Event && this.type !== null) this.type.len = 0;
    if (this.field === Field.Id && this.idBuf !== null) this.idBuf.len = 0;
  }

  private valueByte(b: number): void {
    this.valueLen++;
    switch (this.field) {
      case Field.Data:
        if (this.data !== null) this.data.push(b);
        break;
      case Field.Event:
        if (this.type !== null) this.type.push(b);
        break;
      case Field.Id:
        if (b === 0) this.valueNul = true;
        if (this.idBuf !== null) this.idBuf.push(b);
        break;
      case Field.Retry:
        if (b >= 0x30 && b <= 0x39) this.retryVal = this.retryVal * 10 + (b - 0x30);
        else this.retryOk = false;
        break;
      default:
        break;
    }
  }

  private endLine(): void {
    const st = this.st;
    this.st = St.LineStart;
    if (st === St.LineStart) {
      this.dispatch();
      return;
    }
    if (st === St.Comment) return;
    if (st === St.Name) {
      // A line with no colon: the whole line is the field name, the value is empty.
      this.beginValue();
      this.st = St.LineStart;
    }
    switch (this.field) {
      case Field.Data:
        this.hasData = true;
        if (this.data !== null) this.data.push(LF);
        break;
      case Field.Event:
        this.typeSet = true;
        break;
      case Field.Id:
        if (!this.valueNul && this.lastId !== null && this.idBuf !== null) {
          this.lastId.len = 0;
          for (let k = 0; k < this.idBuf.len; k++) this.lastId.push(this.idBuf.buf[k]!);
        }
        break;
      case Field.Retry:
        if (this.retryOk && this.valueLen > 0) this.retryMs = this.retryVal; // digits only, not empty
        break;
      default:
        break;
    }
  }

  private dispatch(): void {
    if (!this.hasData) {
      // Nothing to dispatch: the type (and data) buffers are cleared all the same.
      this.typeSet = false;
      if (this.type !== null) this.type.len = 0;
      return;
    }
    this.events++;
    if (this.handler !== null) this.handler.onEvent(this);
    this.hasData = false;
    this.typeSet = false;
    if (this.data !== null) this.data.len = 0;
    if (this.type !== null) this.type.len = 0;
  }
}
