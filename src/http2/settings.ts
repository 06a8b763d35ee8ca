// SETTINGS (RFC 9113 6.5): the reused list a SETTINGS frame is read into, the value rules the frame
// reader enforces, and the peer's settings as one object with the protocol defaults.
import { DEFAULT_HEADER_TABLE_SIZE, DEFAULT_WINDOW_SIZE, H2Code, MAX_MAX_FRAME_SIZE, MAX_WINDOW_SIZE, MIN_MAX_FRAME_SIZE, SettingId } from './constants.js';

/** The parameters of one SETTINGS frame, in frame order (reused from frame to frame). */
export class SettingsList {
  ids: Uint16Array;
  values: Float64Array;
  count = 0;

  constructor(capacity = 16) {
    this.ids = new Uint16Array(capacity);
    this.values = new Float64Array(capacity);
  }

  reset(): void {
    this.count = 0;
  }

  add(id: number, value: number): void {
    if (this.count === this.ids.length) {
      const ids = new Uint16Array(this.ids.length * 2);
      ids.set(this.ids);
      this.ids = ids;
      const values = new Float64Array(this.values.length * 2);
      values.set(this.values);
      this.values = values;
    }
    this.ids[this.count] = id;
    this.values[this.count] = value;
    this.count++;
  }

  /** The last value given for `id` in this frame, or undefined. */
  get(id: number): number | undefined {
    for (let i = this.count - 1; i >= 0; i--) if (this.ids[i] === id) return this.values[i];
    return undefined;
  }

  static of(pairs: ReadonlyArray<readonly [number, number]>): SettingsList {
    const l = new SettingsList(Math.max(1, pairs.length));
    for (const [id, v] of pairs) l.add(id, v);
    return l;
  }
}

/**
 * Checks one parameter against RFC 9113 6.5.2; returns 0 when valid, else the RFC error code
 * (always of connection scope). Unknown identifiers are valid (and ignored).
 */
export function checkSetting(id: number, value: number): number {
  switch (id) {
    case SettingId.ENABLE_PUSH:
    case SettingId.ENABLE_CONNECT_PROTOCOL:
    case SettingId.NO_RFC7540_PRIORITIES:
      return value > 1 ? H2Code.PROTOCOL_ERROR : 0;
    case SettingId.INITIAL_WINDOW_SIZE:
      return value > MAX_WINDOW_SIZE ? H2Code.FLOW_CONTROL_ERROR : 0;
    case SettingId.MAX_FRAME_SIZE:
      return value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE ? H2Code.PROTOCOL_ERROR : 0;
    default:
      return 0;
  }
}

/** What the peer has told us (protocol defaults until its SETTINGS arrive). */
export class PeerSettings {
  headerTableSize = DEFAULT_HEADER_TABLE_SIZE;
  enablePush = 1;
  /** Unbounded until the peer sets it. */
  maxConcurrentStreams = Infinity;
  initialWindowSize = DEFAULT_WINDOW_SIZE;
  maxFrameSize = MIN_MAX_FRAME_SIZE;
  maxHeaderListSize = Infinity;
  enableConnectProtocol = 0;

  /**
   * Applies a (validated) SETTINGS frame; returns the change of SETTINGS_INITIAL_WINDOW_SIZE, which
   * the caller adds to every open stream's send window (RFC 9113 6.9.2; see applyWindowDelta).
   */
  apply(list: SettingsList): number {
    const before = this.initialWindowSize;
    for (let i = 0; i < list.count; i++) {
      const v = list.values[i]!;
      switch (list.ids[i]) {
        case SettingId.HEADER_TABLE_SIZE: this.headerTableSize = v; break;
        case SettingId.ENABLE_PUSH: this.enablePush = v; break;
        case SettingId.MAX_CONCURRENT_STREAMS: this.maxConcurrentStreams = v; break;
        case SettingId.INITIAL_WINDOW_SIZE: this.initialWindowSize = v; break;
        case SettingId.MAX_FRAME_SIZE: this.maxFrameSize = v; break;
        case SettingId.MAX_HEADER_LIST_SIZE: this.maxHeaderListSize = v; break;
        case SettingId.ENABLE_CONNECT_PROTOCOL: this.enableConnectProtocol = v; break;
        default: break;
      }
    }
    return this.initialWindowSize - before;
  }
}
