// Errors raised by the wire codec: a stable code plus the byte offset in the stream.
import { type ErrorCode, FastbenchError } from '../core/errors.js';

export class HttpCodecError extends FastbenchError {
  constructor(code: ErrorCode, offset: number, message?: string) {
    super(code, message, { offset });
    this.name = 'HttpCodecError';
  }
}
