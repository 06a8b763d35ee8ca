// The default app of `fastbench serve`: every route group registered into one Router, with the
// ?fail= injector in front and an echo-everything mode.
import { Router } from '../router.js';
import type { RequestDispatcher, ServerRequest, ServerResponse } from '../types.js';
import { registerBench } from './bench.js';
import { registerBytes } from './bytes.js';
import { registerCompressed } from './compressed.js';
import { echo, registerEcho } from './echo.js';
import { FaultInjector, registerFaults } from './faults.js';
import { registerSigned } from './signed.js';
import { registerSite } from './site.js';
import { registerStats } from './stats.js';
import { registerStatus } from './status.js';
import { registerTiming } from './timing.js';
import { registerStreams } from './streams.js';
import { WebSocketEcho, registerWebSocket } from './websocket.js';

export interface DefaultAppOptions {
  /** Pages of the synthetic site (default 1000). */
  sitePages?: number;
  /** Seed of the synthetic site (default 1). */
  siteSeed?: number;
  /** robots.txt Crawl-delay in seconds (default 0.01). */
  siteCrawlDelay?: number;
  /** Every path answers with the echo document (the ?fail= injector still applies). */
  echoAll?: boolean;
  /** Seed of the ?fail= verdicts (default 1). */
  failSeed?: number;
  /** The server speaks TLS: absolute links and redirects use https. */
  secure?: boolean;
  /** The server's counters, for /__stats. */
  stats: () => object;
}

class DefaultApp implements RequestDispatcher {
  constructor(private readonly router: Router, readonly faults: FaultInjector, private readonly echoAll: boolean) {}

  dispatch(req: ServerRequest, res: ServerResponse): void {
    if (req.query.length !== 0 && this.faults.maybeFail(req, res)) return;
    if (this.echoAll) echo(req, res, {});
    else this.router.dispatch(req, res);
  }
}

/** The router with every built-in route. */
export function createDefaultRouter(options: DefaultAppOptions): Router {
  const scheme = options.secure === true ? 'https' : 'http';
  const router = new Router();
  registerBench(router);
  registerEcho(router);
  registerStatus(router, scheme);
  registerTiming(router);
  registerStreams(router);
  registerBytes(router);
  registerCompressed(router);
  registerFaults(router);
  registerSite(router, { pages: options.sitePages, seed: options.siteSeed, crawlDelay: options.siteCrawlDelay, scheme });
  registerStats(router, options.stats);
  registerSigned(router);
  const ws = new WebSocketEcho();
  registerWebSocket(router, ws);
  registerStats(router, () => ({ ...options.stats(), websocket: ws.stats() }));
  return router;
}

export function createDefaultApp(options: DefaultAppOptions): RequestDispatcher {
  return new DefaultApp(createDefaultRouter(options), new FaultInjector(options.failSeed ?? 1), options.echoAll === true);
}
