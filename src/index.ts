// The public library API: `import { ... } from 'fastbench'`.
export * from './http/index.js';
export * from './client/index.js';
export { ByteWriter } from './core/byte-writer.js';
export { nowMs } from './core/clock.js';
export { FastbenchError, ERROR_SPECS, errorCodeOfId, errorId, isFastbenchError, type ErrorSpec } from './core/errors.js';
