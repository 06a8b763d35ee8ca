// How an HTTP/1 connection answers a request the codec rejected, or one whose handler threw.
import type { HttpCodecError } from '../http/codec-error.js';
import { STATUS_TEXT } from '../http/response-serializer.js';
import type { ConnectionHost } from './connection-types.js';
import { type OutgoingResponse, ResState } from './server-response.js';

/** Codec rejections of an HTTP/1 request become these statuses; everything else is 400. */
function codecStatus(code: string): number {
  switch (code) {
    case 'ERR_HTTP_REQUEST_LINE_TOO_LONG':
      return 414;
    case 'ERR_HTTP_HEADERS_TOO_LARGE':
    case 'ERR_HTTP_TOO_MANY_HEADERS':
      return 431;
    case 'ERR_HTTP_BODY_TOO_LARGE':
    case 'ERR_HTTP_TOO_MANY_CHUNKS':
      return 413;
    case 'ERR_HTTP_BAD_VERSION':
      return 505;
    default:
      return 400;
  }
}

/** Answers a request the codec rejected (the connection closes after it). */
export function sendCodecError(res: OutgoingResponse, err: HttpCodecError): void {
  const status = codecStatus(err.code);
  res.sendError(status, `${STATUS_TEXT[status]}: ${err.message} (${err.code})\n`, true);
}

/** A handler threw: reported, then 500 when nothing was sent yet, else the response is cut. */
export function handlerThrew(host: ConnectionHost, res: OutgoingResponse, err: unknown): void {
  host.counters.reject('ERR_SERVER_HANDLER');
  host.handlerError(err, res.req);
  if (res.closed) return;
  if (res.state === ResState.Dispatched) res.sendError(500, 'Internal Server Error\n', false);
  else if (res.state === ResState.Streaming) res.close();
}
