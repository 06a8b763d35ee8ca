// What a `--state DIR` crawl was started with, kept beside its journal (DIR/crawl.json) so that
// `--resume` needs no more than `--state DIR -o FILE`: the seeds (or the --urls file of a probe)
// come from here when the command line gives none. Written atomically when the journal is made.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FastbenchError } from '../core/errors.js';

export const MANIFEST_FILE = 'crawl.json';

export interface CrawlManifest {
  /** Seed URLs of a deep crawl, as given. */
  seeds: string[];
  /** Probe mode's input file (absolute; '-' for stdin). */
  urlsFile?: string;
  /** When the crawl was started (ISO 8601). */
  started: string;
}

export function writeCrawlManifest(dir: string, seeds: readonly string[], urlsFile: string | undefined): void {
  const m: CrawlManifest = { seeds: [...seeds], started: new Date().toISOString() };
  if (urlsFile !== undefined) m.urlsFile = urlsFile === '-' ? '-' : resolve(urlsFile);
  const path = join(dir, MANIFEST_FILE);
  const tmp = `${path}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify(m, null, 2) + '\n');
    renameSync(tmp, path);
  } catch (e) {
    throw new FastbenchError('ERR_CRAWL_STATE', `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** The manifest of the crawl in `dir`; a typed error saying what to do when there is none. */
export function readCrawlManifest(dir: string): CrawlManifest {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new FastbenchError('ERR_CRAWL_STATE', `${dir} does not record what the crawl was started with (no ${MANIFEST_FILE}: no crawl there, or one from an older fastbench): give the seed URLs or --urls FILE again`);
    }
    throw new FastbenchError('ERR_CRAWL_STATE', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
  let m: Partial<CrawlManifest>;
  try {
    m = JSON.parse(text) as Partial<CrawlManifest>;
  } catch {
    m = {};
  }
  const seeds = Array.isArray(m.seeds) ? m.seeds.filter((s): s is string => typeof s === 'string') : undefined;
  if (seeds === undefined || (seeds.length === 0 && typeof m.urlsFile !== 'string')) {
    throw new FastbenchError('ERR_CRAWL_STATE', `${path} is damaged: give the seed URLs or --urls FILE again`);
  }
  return { seeds, ...(typeof m.urlsFile === 'string' ? { urlsFile: m.urlsFile } : {}), started: String(m.started ?? '') };
}
