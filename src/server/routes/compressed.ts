// Compressed answers (issue 15): /gzip, /deflate and /brotli always answer with a JSON document in
// that coding (as httpbin does: `"gzipped": true`, ...), whatever the request accepts; the
// documents are compressed once, when the routes are registered. SiteCompression serves the
// synthetic site's pages in the coding a request's Accept-Encoding prefers (br, gzip, deflate),
// compressing each page once and keeping it (a bounded cache), never per request.
import { brotliCompressSync, constants as zc, deflateSync, gzipSync } from 'node:zlib';
import { negotiateCoding } from '../../http/content-coding.js';
import { checkFlat } from '../../http/response-serializer.js';
import type { Router } from '../router.js';
import type { ServerRequest } from '../types.js';
import { HTML_HEADERS } from './reply.js';

type Coding = 'gzip' | 'deflate' | 'br';

function compress(coding: Coding, body: Buffer): Buffer {
  if (coding === 'gzip') return gzipSync(body);
  if (coding === 'deflate') return deflateSync(body);
  return brotliCompressSync(body, { params: { [zc.BROTLI_PARAM_QUALITY]: 9 } });
}

/** The JSON document of /gzip, /deflate or /brotli (uncompressed), text that compresses well. */
export function compressedDocument(coding: Coding): string {
  const flag = coding === 'gzip' ? 'gzipped' : coding === 'deflate' ? 'deflated' : 'brotli';
  const items = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, description: 'a line of text that repeats, so the body compresses well' }));
  return JSON.stringify({ [flag]: true, coding, items }, null, 2) + '\n';
}

/** Registers /gzip, /deflate and /brotli. */
export function registerCompressed(router: Router): void {
  for (const [path, coding] of [['/gzip', 'gzip'], ['/deflate', 'deflate'], ['/brotli', 'br']] as const) {
    const body = compress(coding, Buffer.from(compressedDocument(coding), 'utf8'));
    const headers = Object.freeze(['Content-Type', 'application/json', 'Content-Encoding', coding]);
    checkFlat(headers);
    router.get(path, (_req, res) => res.send(200, body, headers));
  }
}

const ACCEPT_ENCODING = Buffer.from('accept-encoding', 'latin1');
/** The site's codings, in the server's order of preference. */
const SITE_CODINGS: readonly Coding[] = ['br', 'gzip', 'deflate'];
const SITE_HEADERS: Readonly<Record<Coding, readonly string[]>> = {
  br: Object.freeze([...HTML_HEADERS, 'Content-Encoding', 'br', 'Vary', 'Accept-Encoding']),
  gzip: Object.freeze([...HTML_HEADERS, 'Content-Encoding', 'gzip', 'Vary', 'Accept-Encoding']),
  deflate: Object.freeze([...HTML_HEADERS, 'Content-Encoding', 'deflate', 'Vary', 'Accept-Encoding']),
};

/** Compressed pages of the synthetic site, made once per (coding, host, path). */
export class SiteCompression {
  private readonly cache = new Map<string, Buffer>();
  /** Pages compressed so far (tests: a page asked for twice is compressed once). */
  compressions = 0;

  constructor(private readonly maxEntries = 4096) {}

  /** The coding the request accepts that the site prefers, or undefined (send identity). */
  codingFor(req: ServerRequest): Coding | undefined {
    const i = req.headers.indexOf(ACCEPT_ENCODING);
    if (i < 0) return undefined;
    return negotiateCoding(req.headers.value(i), SITE_CODINGS) as Coding | undefined;
  }

  /** The page's bytes in `coding` (made by `render` the first time) and the headers to send them with. */
  page(coding: Coding, host: string, path: string, render: () => string): { body: Buffer; headers: readonly string[] } {
    const key = `${coding}\u0000${host}\u0000${path}`;
    let body = this.cache.get(key);
    if (body === undefined) {
      if (this.cache.size >= this.maxEntries) this.cache.clear();
      body = compress(coding, Buffer.from(render(), 'utf8'));
      this.compressions++;
      this.cache.set(key, body);
    }
    return { body, headers: SITE_HEADERS[coding] };
  }
}
