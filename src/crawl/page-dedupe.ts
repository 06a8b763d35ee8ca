// Duplicate pages (page-signals.ts computes the signals): pages whose content fingerprint an
// earlier page had are counted. --dedupe canonical (or content) records a 2xx page whose canonical
// URL (fingerprint) was already seen with duplicateOf, and the loop follows none of its links;
// with canonical, a URL an earlier page named as its canonical is recorded with duplicateOf,
// unfetched. Both are remembered per process (not across --resume or between --frontier workers),
// at most DEDUPE_MAX_KEYS of each.
import type { DedupeMode } from './crawl-options.js';
import type { CrawlRecord } from './crawl-record.js';
import type { CrawlStats } from './crawl-stats.js';
import { SeenSet } from './seen-set.js';

/** Fingerprints (and, with --dedupe, canonical URLs / first URLs) remembered; past it, new ones are not. */
const DEDUPE_MAX_KEYS = 2_000_000;

export class PageDedupe {
  /**
   * Fingerprints seen (64-bit, in a SeenSet: ~16 B each, for the same-content count); under
   * --dedupe content also fingerprint → first URL; --dedupe canonical: canonical URL → first URL.
   */
  private readonly fingerprintsSeen = new SeenSet();
  private readonly fingerprints = new Map<string, string>();
  private readonly canonicals = new Map<string, string>();

  constructor(
    private readonly dedupe: DedupeMode,
    private readonly stats: CrawlStats,
  ) {}

  /** --dedupe canonical: the first URL that named `url` as its canonical (other than itself), if any. */
  canonicalOwner(url: string): string | undefined {
    if (this.dedupe !== 'canonical') return undefined;
    const first = this.canonicals.get(url);
    return first !== undefined && first !== url ? first : undefined;
  }

  /**
   * Counts near-identical pages, and applies --dedupe to a 2xx page: true when it duplicates an
   * earlier one (its links are then not followed).
   */
  isDuplicate(url: string, rec: CrawlRecord): boolean {
    if (rec.noindex === true) this.stats.noindex++;
    let dup: string | undefined;
    const fp = rec.fingerprint;
    if (fp !== undefined && this.fingerprintsSeen.size < DEDUPE_MAX_KEYS) {
      const fresh = this.fingerprintsSeen.addHash(parseInt(fp.slice(8), 16), parseInt(fp.slice(0, 8), 16));
      if (!fresh) this.stats.sameContent++;
      if (this.dedupe === 'content') {
        const first = this.fingerprints.get(fp);
        if (first !== undefined) dup = first;
        else this.fingerprints.set(fp, url);
      }
    }
    if (this.dedupe === 'canonical') {
      const key = rec.canonical ?? url;
      const first = this.canonicals.get(key);
      if (first !== undefined && first !== url) dup = first;
      else if (first === undefined && this.canonicals.size < DEDUPE_MAX_KEYS) this.canonicals.set(key, url);
    }
    if (dup === undefined) return false;
    rec.duplicateOf = dup;
    this.stats.duplicates++;
    return true;
  }
}
