// The HTTP/2 codec shared by client and server (RFC 9113 framing, RFC 7541 HPACK, flow control).
// No sockets: connections feed FrameReader and send what the frame writer appends to a ByteWriter.
export * from './constants.js';
export { H2Error, connectionError, streamError, isH2Error, registryCodeOf, h2CodeOf, h2CodeName, type H2Scope, type H2ErrorWhere } from './h2-error.js';
export { FrameReader, matchPreface, type FrameHandler, type FrameReaderOptions } from './frame-reader.js';
export {
  PrebuiltHeaders, writeContinuation, writeData, writeFrameHeader, writeGoAway, writeHeaders, writePing, writePreface,
  writePriority, writePushPromise, writeRstStream, writeSettings, writeSettingsAck, writeWindowUpdate,
} from './frame-writer.js';
export { HpackDecoder, ENTRY_OVERHEAD, type HpackDecoderOptions } from './hpack-decoder.js';
export { HpackEncoder, IndexMode, encodeStatelessBlock, writeHpackInt, writeHpackString, VOLATILE_FIELDS, SENSITIVE_FIELDS, type HpackEncoderOptions } from './hpack-encoder.js';
export { HeaderFields, FIELD_NEVER_INDEXED } from './header-fields.js';
export { STATIC_TABLE } from './hpack-static-table.js';
export { huffmanDecode, huffmanEncode, huffmanEncodedLength, HUFFMAN_ERR_EOS, HUFFMAN_ERR_PADDING } from './huffman.js';
export { SettingsList, PeerSettings, checkSetting } from './settings.js';
export { ReceiveWindow, addToWindow, applyWindowDelta } from './flow-control.js';
export { checkRequestFields, checkResponseFields } from './field-rules.js';
