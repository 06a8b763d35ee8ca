// The pooled client: pools over a protocol seam (ClientConnection), HTTP/1.1 behind it.
export { Request, type RequestInit } from './request.js';
export { Response, type InterimResponse } from './response.js';
export { Timing } from './timing.js';
export { HostClient, retryStaleConn, type HostClientOptions } from './host-client.js';
export { PipelineClient, type PipelineClientOptions } from './pipeline-client.js';
export { type Doer, type ResponseCallback } from './doer.js';
export { type OriginOptions, type RetryIf } from './client-options.js';
export { Phase, PHASE_NAMES, toClientError } from './client-errors.js';
export { Client, type ClientOptions, type RedirectHops } from './client.js';
export { LBClient, type Backend, type LBClientOptions } from './lb-client.js';
export { DnsCache, parseResolveOverride, type DnsCacheOptions, type ResolveOverride } from './dns-cache.js';
export { type ClientConnection, type ConnectionFactory, type ConnectionOwner, type ConnectionSettings } from './client-connection.js';
export { http1 } from './h1/connection.js';
export { http2, H2Connection } from './h2/connection.js';
export { protocolsFor } from './protocol-choice.js';
export { type ProtocolChoice } from './client-options.js';
export { StreamTimer, StreamMode, MAX_KEPT } from './stream-timer.js';
