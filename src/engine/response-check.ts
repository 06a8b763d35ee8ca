// The verdict on one response (the load loop's onResponse asks it once per exchange): transport
// error, a status not accepted (>= 400 unless expect.status names it), a body that cannot be
// decoded, unmet header/body expectations, failed captures — or a good response (failure 0).
// Failed responses are still responses: the loop records their status, bytes and latency with
// the failure. Also: the user's jar takes the response's cookies, and a compressed body that
// something reads is decoded first (after the loop took `now`: not in the latency).
import { errorId, type FastbenchError } from '../core/errors.js';
import type { Response } from '../client/response.js';
import { decodeBody } from '../http/content-coding.js';
import { FAILED_STATUS } from '../metrics/recorder.js';
import { applyCaptures, statusAccepted, type Expectation } from '../scenario/index.js';
import type { DecodeCounts } from './loop-types.js';
import type { PreparedRequest } from './prepared-request.js';
import type { VirtualUser } from './virtual-user.js';

const EXPECT_FAILED = errorId('ERR_EXPECT_FAILED');
const CAPTURE_FAILED = errorId('ERR_CAPTURE_FAILED');
const CONTENT_DECODE = errorId('ERR_CONTENT_DECODE');
/** The client's default response body limit, which also caps a decoded body. */
export const DEFAULT_MAX_DECODED = 16 * 1024 * 1024;

/** The expectation's header and body checks (the status is judged apart: statusAccepted). */
function meetsExpectation(e: Expectation, bodyNeedles: readonly Buffer[], res: Response, decoded: Buffer | undefined): boolean {
  const hs = e.headers;
  for (let i = 0; i < hs.length; i++) {
    const v = res.header(hs[i]![0]);
    if (v === undefined || !v.includes(hs[i]![1])) return false;
  }
  if (bodyNeedles.length > 0) {
    const body = decoded ?? res.body;
    for (let i = 0; i < bodyNeedles.length; i++) if (body.indexOf(bodyNeedles[i]!) < 0) return false;
  }
  return true;
}

/** Bytes of the response head (status line to the blank line) plus the body. */
export function bytesIn(res: Response): number {
  const h = res.headers;
  const head = h.count > 0 ? h.offsets[h.count * 4 - 1]! + 4 : 19;
  return head + res.bodyLength;
}

/** Bytes a failed exchange read before it failed (what the connection saw for it). */
export function failedBytesIn(res: Response): number {
  if (res.bytesRead > 0) return res.bytesRead;
  return res.status !== 0 ? bytesIn(res) : 0;
}

export class ResponseCheck {
  /** Measured responses decoded, their body bytes on the wire and decoded, and the decode time. */
  readonly decode: DecodeCounts = { responses: 0, wireBytes: 0, decodedBytes: 0, ms: 0 };

  constructor(private readonly maxDecoded: number) {}

  /**
   * The failure id of the exchange (0: good). The decoded body of a compressed response is left in
   * u.capture.decoded (the caller clears it when done with the response).
   */
  judge(u: VirtualUser, pr: PreparedRequest, res: Response, err: FastbenchError | null): number {
    if (err !== null) return err.id;
    if (u.cookies !== undefined) u.cookies.store(res, u.cookieUrl);
    let decoded: Buffer | undefined | null;
    if (pr.decode) decoded = this.decodeBody(res, u.measured);
    if (!statusAccepted(pr.expect, res.status)) return FAILED_STATUS;
    if (decoded === null) return CONTENT_DECODE;
    u.capture.decoded = decoded;
    if (pr.expect !== undefined && !meetsExpectation(pr.expect, pr.bodyNeedles, res, decoded)) return EXPECT_FAILED;
    if (pr.captures.length > 0 && applyCaptures(pr.captures, u.capture, u.vars) > 0) return CAPTURE_FAILED;
    return 0;
  }

  /**
   * The response body decoded per its Content-Encoding: undefined for identity (read it as is),
   * null when it cannot be decoded. Measured responses count in LoopEnd.decode.
   */
  private decodeBody(res: Response, measured: boolean): Buffer | undefined | null {
    const coding = res.header('content-encoding');
    if (coding === undefined) return undefined;
    try {
      const d = decodeBody(res.body, coding, this.maxDecoded);
      if (measured && d.coding !== '') {
        const c = this.decode;
        c.responses++;
        c.wireBytes += res.bodyLength;
        c.decodedBytes += d.body.length;
        c.ms += d.ms;
      }
      return d.coding === '' ? undefined : d.body;
    } catch {
      return null;
    }
  }
}
