// Which client each crawl fetch goes through, and sending it again (a redirect hop, another proxy).
// Pages and sitemaps go through the crawl's client, robots.txt through RobotsFetcher's (its own
// body cap). With two or more proxies (-x P1 -x P2), a ProxyRotation picks one per fetch (or per
// host) and benches those that fail or get blocked (proxy-rotation.ts); a transport failure through
// one is tried again through another while any is left untried; its health goes into the summary.
// Every dispatch hands the slot's reused Request/Response to the one ResponseCallback (the crawl
// loop): nothing is allocated per fetch.
import type { Client } from '../client/client.js';
import type { ResponseCallback } from '../client/doer.js';
import type { Response } from '../client/response.js';
import { nowMs } from '../core/clock.js';
import type { FastbenchError } from '../core/errors.js';
import { createCrawlClient } from './crawl-client.js';
import type { ResolvedCrawlOptions } from './crawl-options.js';
import { SlotKind, type FetchSlot } from './fetch-slot.js';
import type { HostState } from './host-state.js';
import { ProxyRotation, type ProxyHealth } from './proxy-rotation.js';
import { ROBOTS_FETCH_MAX_BYTES } from './robots-fetcher.js';
import { tryNormalizeUrl, type NormalizeOptions } from './url-normalizer.js';

export class FetchDispatch {
  /** Two or more proxies: which one each fetch goes through (undefined: the one client). */
  private readonly rotation: ProxyRotation | undefined;

  /**
   * `client` is the crawl's (closed here when `ownsClient`), `robotsClient` RobotsFetcher's;
   * `callback` gets every response.
   */
  constructor(
    o: ResolvedCrawlOptions,
    readonly client: Client,
    private readonly ownsClient: boolean,
    private readonly robotsClient: Client,
    private readonly callback: ResponseCallback,
    private readonly normalize: NormalizeOptions,
  ) {
    this.rotation =
      ownsClient && o.proxies.length > 1
        ? new ProxyRotation(o, (proxy, robots) => createCrawlClient(o, robots ? ROBOTS_FETCH_MAX_BYTES : o.maxBodyBytes, proxy))
        : undefined;
  }

  /** Hands a fetch to its client: the one client, or the proxy the rotation picks for it. */
  send(slot: FetchSlot, h: HostState, now: number): void {
    const r = this.rotation;
    if (r !== undefined) slot.proxy = r.pick(h.key, now);
    this.resend(slot);
  }

  /** Dispatches a slot's request again (a redirect hop, a ranged retry) through the same client. */
  resend(slot: FetchSlot): void {
    const r = this.rotation;
    const c = r !== undefined ? r.client(slot.proxy, slot.kind === SlotKind.Robots) : slot.kind === SlotKind.Robots ? this.robotsClient : this.client;
    c.dispatch(slot.req, slot.res, this.callback, Infinity);
  }

  /** Dispatches through the crawl's client, whatever the rotation (a sitemap, a page's ranged re-fetch). */
  direct(slot: FetchSlot): void {
    this.client.dispatch(slot.req, slot.res, this.callback, Infinity);
  }

  /**
   * Notes the outcome with the rotation (if any); a transport failure through a rotated proxy is
   * sent through another proxy (true) while any is left untried.
   */
  retriedElsewhere(slot: FetchSlot, res: Response, err: FastbenchError | null): boolean {
    const r = this.rotation;
    if (r === undefined) return false;
    const now = nowMs();
    if (!r.note(slot.proxy, res.status, err, now) || slot.proxyRetries >= r.size - 1) return false;
    slot.proxyRetries++;
    slot.proxy = r.pick(slot.host!.key, now, slot.proxy);
    this.resend(slot);
    return true;
  }

  /** Follows a redirect in place; false when the Location is unusable. */
  followRedirect(slot: FetchSlot, res: Response): boolean {
    const loc = res.header('location');
    if (loc === undefined) return false;
    const next = tryNormalizeUrl(loc.trim(), slot.hopUrl, this.normalize);
    if (next === null) return false;
    try {
      slot.hop(next);
    } catch {
      return false;
    }
    this.resend(slot);
    return true;
  }

  /** Each rotated proxy's health (undefined without a rotation). */
  health(): ProxyHealth[] | undefined {
    return this.rotation?.health();
  }

  /** Closes the crawl's client when it is ours, and the rotation's clients. */
  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
    await this.rotation?.close();
  }
}
