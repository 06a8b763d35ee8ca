// The HTTP/1.1 wire codec shared by client and server.
export { RequestParser } from './request-parser.js';
export { ResponseParser, type ResponseHandler } from './response-parser.js';
export { MessageParser, SKIP_BODY, type ParserHandler } from './message-parser.js';
export { BodyKind, MessageHead, RequestHead, ResponseHead, methodString } from './message-head.js';
export { HeaderList } from './header-list.js';
export { HttpCodecError } from './codec-error.js';
export { DEFAULT_LIMITS, LENIENCY_NAMES, type HttpLeniency, type HttpLimits, type ParserOptions } from './limits.js';
export { RequestSerializer, alwaysFramed, framingConflict, isFramingField, serializeRequest, withoutFraming, writeFramedBody, type RequestSpec } from './request-serializer.js';
export { STATUS_TEXT, checkFlat, checkedFlat, prepareResponse, statusHasNoBody, statusLine, writeResponseHead, type ResponseHeadOptions } from './response-serializer.js';
export { writeChunk, writeLastChunk } from './chunked-writer.js';
export { checkFieldName, checkFieldValue, toFieldPairs, type HeaderInput } from './field-check.js';
export { SseParser, type SseHandler } from './sse-parser.js';
