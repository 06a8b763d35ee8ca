// Sitemap files (sitemaps.org protocol 0.9): a `<urlset>` of `<url><loc>…</loc><lastmod>…</lastmod></url>`
// entries, or a `<sitemapindex>` of `<sitemap><loc>…</loc></sitemap>` entries naming more sitemap
// files. Read as a stream: gzip (by its magic bytes, whatever the URL or Content-Type say) is
// inflated chunk by chunk and fed to htmlparser2 in XML mode; nothing of the document is kept but
// the entries.
//
// Caps, per the protocol: at most SITEMAP_MAX_URLS entries and SITEMAP_MAX_BYTES uncompressed per
// file. What lies beyond a cap is not read (the result says which cap was hit); what came before
// is used. Element names are matched by their local name (a `sm:loc` prefix is fine); `<loc>`
// text is trimmed (entities decoded by the parser). A document whose root is neither urlset nor
// sitemapindex yields no entries.
import { constants, createGunzip } from 'node:zlib';
import { Parser } from 'htmlparser2';

/** Entries per sitemap file (sitemaps.org). */
export const SITEMAP_MAX_URLS = 50_000;
/** Uncompressed bytes per sitemap file (sitemaps.org: 50 MB). */
export const SITEMAP_MAX_BYTES = 50 * 1024 * 1024;

export interface SitemapEntry {
  loc: string;
  lastmod: string | undefined;
}

export interface SitemapFile {
  kind: 'urlset' | 'index' | 'unknown';
  entries: SitemapEntry[];
  /** Which cap stopped the reading, if one did. */
  capped: 'urls' | 'bytes' | null;
  /** The gzip stream was broken (what inflated before the break is used). */
  badGzip: boolean;
}

export interface SitemapLimits {
  maxUrls?: number;
  maxBytes?: number;
}

function localName(name: string): string {
  const c = name.lastIndexOf(':');
  return (c < 0 ? name : name.slice(c + 1)).toLowerCase();
}

/** Is the body gzip (1f 8b)? */
export function isGzip(body: Uint8Array): boolean {
  return body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b;
}

/** Collects entries from XML fed in chunks. */
class SitemapParser {
  readonly file: SitemapFile = { kind: 'unknown', entries: [], capped: null, badGzip: false };
  private readonly parser: Parser;
  private depth = 0;
  /** 'loc' or 'lastmod' while inside one of an entry. */
  private field: 'loc' | 'lastmod' | null = null;
  private inEntry = false;
  private loc = '';
  private lastmod = '';
  private bytes = 0;
  done = false;

  constructor(private readonly maxUrls: number, private readonly maxBytes: number) {
    this.parser = new Parser(
      {
        onopentag: (name) => this.open(localName(name)),
        onclosetag: (name) => this.close(localName(name)),
        ontext: (text) => {
          if (this.field === 'loc') this.loc += text;
          else if (this.field === 'lastmod') this.lastmod += text;
        },
      },
      { xmlMode: true, decodeEntities: true },
    );
  }

  private open(name: string): void {
    this.depth++;
    if (this.depth === 1) {
      this.file.kind = name === 'urlset' ? 'urlset' : name === 'sitemapindex' ? 'index' : 'unknown';
      return;
    }
    if (this.file.kind === 'unknown') return;
    if (this.depth === 2 && (name === 'url' || name === 'sitemap')) {
      this.inEntry = true;
      this.loc = '';
      this.lastmod = '';
    } else if (this.depth === 3 && this.inEntry && (name === 'loc' || name === 'lastmod')) {
      this.field = name;
    }
  }

  private close(name: string): void {
    if (this.depth === 3) this.field = null;
    if (this.depth === 2 && this.inEntry && (name === 'url' || name === 'sitemap')) {
      this.inEntry = false;
      const loc = this.loc.trim();
      if (loc !== '') {
        if (this.file.entries.length >= this.maxUrls) {
          this.file.capped = 'urls';
          this.done = true;
        } else {
          const lm = this.lastmod.trim();
          this.file.entries.push({ loc, lastmod: lm === '' ? undefined : lm });
        }
      }
    }
    this.depth--;
  }

  /** Feeds uncompressed bytes; false once a cap is reached (stop feeding). */
  write(chunk: Buffer): boolean {
    if (this.done) return false;
    const room = this.maxBytes - this.bytes;
    if (chunk.length > room) {
      this.file.capped = 'bytes';
      if (room > 0) this.parser.write(chunk.subarray(0, room).toString('utf8'));
      this.bytes = this.maxBytes;
      this.done = true;
      return false;
    }
    this.bytes += chunk.length;
    this.parser.write(chunk.toString('utf8'));
    return !this.done;
  }

  end(): SitemapFile {
    this.parser.end();
    return this.file;
  }
}

/**
 * Reads one sitemap file (plain or gzip) from its body. Resolves with its entries; never rejects
 * (a cut-off gzip stream gives what inflated; a corrupt one sets badGzip).
 */
export function readSitemap(body: Buffer, limits: SitemapLimits = {}): Promise<SitemapFile> {
  const p = new SitemapParser(limits.maxUrls ?? SITEMAP_MAX_URLS, limits.maxBytes ?? SITEMAP_MAX_BYTES);
  if (!isGzip(body)) {
    // Fed in slices so the byte cap applies the same way as for gzip.
    for (let at = 0; at < body.length && p.write(body.subarray(at, at + 65536)); at += 65536);
    return Promise.resolve(p.end());
  }
  return new Promise((resolve) => {
    // SYNC_FLUSH at the end: a cut-off download inflates as far as it goes instead of failing.
    const gunzip = createGunzip({ finishFlush: constants.Z_SYNC_FLUSH });
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      resolve(p.end());
    };
    gunzip.on('data', (chunk: Buffer) => {
      if (!p.write(chunk)) {
        gunzip.destroy();
        finish();
      }
    });
    gunzip.on('end', finish);
    gunzip.on('close', finish);
    gunzip.on('error', () => {
      p.file.badGzip = true;
      finish();
    });
    gunzip.end(body);
  });
}
