// Probe mode's input: a file of URLs or bare host names, one a line, read as a stream (never
// loaded whole: lists run to millions of lines). read(n) hands out the next usable URLs,
// normalised; the crawl loop asks for more only when its frontier runs low, so memory stays flat.
//
// Line rules: surrounding whitespace is ignored; empty lines and lines starting with `#` are
// skipped; a line without `://` is a bare host (`example.com`, `example.com:8080`) meaning
// `http://<host>/` (only host names, IPs and an optional port; `mailto:x@y` is not a host);
// anything that does not normalise to an http(s) URL is counted as invalid.
import { createReadStream } from 'node:fs';
import { createInterface, type Interface } from 'node:readline';
import { FastbenchError } from '../core/errors.js';
import { tryNormalizeUrl, type NormalizeOptions } from './url-normalizer.js';

/** host, host:port, IPv4:port, [v6]:port — what a "bare host" line may be. */
const BARE_HOST = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_.])?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** A probe line as a URL: bare hosts become http://host/. Null when unusable; undefined to skip. */
export function probeLineUrl(line: string, opts?: NormalizeOptions): string | null | undefined {
  const s = line.trim();
  if (s.length === 0 || s.charCodeAt(0) === 0x23) return undefined;
  if (s.includes('://')) return tryNormalizeUrl(s, undefined, opts);
  return BARE_HOST.test(s) ? tryNormalizeUrl(`http://${s}/`, undefined, opts) : null;
}

export class UrlSource {
  private readonly rl: Interface;
  private readonly it: AsyncIterator<string>;
  private readonly opts: NormalizeOptions | undefined;
  private ended = false;
  /** Lines that were not usable URLs. */
  invalid = 0;
  /** Lines read. */
  lines = 0;

  private constructor(input: NodeJS.ReadableStream, opts?: NormalizeOptions) {
    this.rl = createInterface({ input, crlfDelay: Infinity });
    this.it = this.rl[Symbol.asyncIterator]();
    this.opts = opts;
  }

  /** Opens `path` ('-' = stdin). Fails with ERR_USAGE_FILE when it cannot be read. */
  static async open(path: string, opts?: NormalizeOptions): Promise<UrlSource> {
    if (path === '-') return new UrlSource(process.stdin, opts);
    const stream = createReadStream(path);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (e) => reject(new FastbenchError('ERR_USAGE_FILE', `cannot read --urls ${path}: ${e.message}`, { cause: e })));
    });
    return new UrlSource(stream, opts);
  }

  /** Made from any readable stream (tests). */
  static fromStream(input: NodeJS.ReadableStream, opts?: NormalizeOptions): UrlSource {
    return new UrlSource(input, opts);
  }

  get done(): boolean {
    return this.ended;
  }

  /** Up to `n` usable URLs; an empty array once the input is exhausted. */
  async read(n: number): Promise<string[]> {
    const out: string[] = [];
    while (out.length < n && !this.ended) {
      const r = await this.it.next();
      if (r.done === true) {
        this.ended = true;
        break;
      }
      this.lines++;
      const url = probeLineUrl(r.value, this.opts);
      if (url === undefined) continue;
      if (url === null) this.invalid++;
      else out.push(url);
    }
    return out;
  }

  close(): void {
    this.ended = true;
    this.rl.close();
  }
}
