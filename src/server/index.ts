// The bundled test server: `createServer` (raw net/tls + our codec), prefork, and the contract
// its routes implement.
export { createServer, FastbenchServer, type ListenInfo, type ServerOptions } from './server.js';
export type { ServerStats } from './server-stats.js';
export type { Handler, RequestDispatcher, RouteParams, ServerRequest, ServerResponse } from './types.js';
export { startPrefork, type PreforkHandle, type PreforkOptions, type PreforkServerOptions } from './prefork.js';
export { loadCertificate, makeSelfSignedCertificate, type TlsMaterial } from './tls-cert.js';
export { Router, type RouterOptions } from './router.js';
export { createDefaultApp, createDefaultRouter, type DefaultAppOptions } from './routes/index.js';
