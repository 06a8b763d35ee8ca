// A crawl scenario file (`fastbench crawl --scenario site-gate.yaml`): the `crawl:` section names
// the seeds and the crawl's settings (the crawl flags, camelCased), `thresholds:` the gate.
//
//   name: docs-gate
//   crawl:
//     seeds: [http://127.0.0.1:8080/site/]
//     maxPages: 500
//     perHost: 4
//     delay: 10ms
//   thresholds:
//     - p99 < 500ms
//     - errors < 1%
//     - status:5xx = 0
//     - { check: p99 < 200ms, request: "127.0.0.1:8080" }   # one host
//
// Settings given on the command line win over the file's. Problems are reported with file:line:col
// (ERR_SCENARIO_*, exit 2) before anything is fetched.
import { readFileSync } from 'node:fs';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { FastbenchError } from '../core/errors.js';
import { NodeReader } from '../scenario/node-reader.js';
import { parseCrawlThreshold, type CrawlThreshold } from './crawl-gate.js';
import { Refusal } from './refusal.js';

/** crawl: keys → the crawl flag (its commander attribute) each one sets, and its YAML type. */
export const CRAWL_SCENARIO_KEYS = {
  concurrency: ['concurrency', 'number'],
  perHost: ['perHost', 'number'],
  delay: ['delay', 'duration'],
  maxCrawlDelay: ['maxCrawlDelay', 'duration'],
  maxPages: ['maxPages', 'number'],
  maxDepth: ['maxDepth', 'number'],
  scope: ['scope', 'string'],
  include: ['include', 'list'],
  exclude: ['exclude', 'list'],
  userAgent: ['userAgent', 'string'],
  robots: ['robots', 'boolean'],
  nofollow: ['nofollow', 'boolean'],
  maxBody: ['maxBody', 'string'],
  contentType: ['contentType', 'list'],
  timeout: ['timeout', 'duration'],
  connectTimeout: ['connectTimeout', 'duration'],
  maxRedirects: ['maxRedirects', 'number'],
  hostErrorBudget: ['hostErrorBudget', 'number'],
  resolve: ['resolve', 'list'],
  insecure: ['insecure', 'boolean'],
  sortQuery: ['sortQuery', 'boolean'],
  sitemaps: ['sitemaps', 'boolean'],
  sitemapsOnly: ['sitemapsOnly', 'boolean'],
  dedupe: ['dedupe', 'string'],
  adaptive: ['adaptive', 'duration'],
} as const;

export const CRAWL_SCENARIO_TOP_KEYS = ['$schema', 'name', 'description', 'crawl', 'thresholds'] as const;

export interface CrawlScenario {
  name: string;
  seeds: string[];
  /** Flag attribute → value (strings as the command line gives them; booleans; lists). */
  flags: Record<string, string | boolean | string[]>;
  thresholds: CrawlThreshold[];
}

function fail(r: NodeReader): never {
  throw new Refusal(r.errors, `${r.errors.length === 1 ? 'the crawl scenario has a problem' : `the crawl scenario has ${r.errors.length} problems`}; nothing was fetched`);
}

export function loadCrawlScenario(file: string): CrawlScenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FastbenchError('ERR_USAGE_FILE', `cannot read crawl scenario "${file}": ${(e as Error).message}`);
  }
  return parseCrawlScenario(text, file);
}

export function parseCrawlScenario(text: string, file: string): CrawlScenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const r = new NodeReader(file, text, lineCounter, doc);
  for (const e of doc.errors) r.errorAt('ERR_SCENARIO_PARSE', e.message.split('\n')[0]!, r.posAtOffset(e.pos[0]));
  if (r.errors.length > 0) fail(r);
  const top = r.fields(doc.contents, 'the crawl scenario', CRAWL_SCENARIO_TOP_KEYS);
  if (top === undefined) fail(r);
  const name = (top.has('name') ? r.string(top.value('name'), 'name') : undefined) ?? file.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
  const out: CrawlScenario = { name, seeds: [], flags: {}, thresholds: [] };
  if (!top.has('crawl')) r.error('ERR_SCENARIO_MISSING', 'a crawl scenario needs a "crawl:" section (with seeds)', top.node);
  else readCrawl(r, top.value('crawl'), out);
  if (top.has('thresholds')) {
    r.list(top.value('thresholds'), 'thresholds')?.forEach((item, i) => {
      const path = `thresholds[${i}]`;
      let exprNode = item;
      let request: string | undefined;
      if (isMap(item)) {
        const f = r.fields(item, path, ['check', 'request']);
        if (f === undefined) return;
        exprNode = f.value('check')!;
        if (exprNode === undefined) return r.error('ERR_SCENARIO_MISSING', `${path} needs "check" (an expression like "p99 < 500ms")`, item);
        if (f.has('request')) request = r.string(f.value('request'), `${path}.request`);
      }
      const expr = r.string(exprNode, path, { numbers: false });
      if (expr === undefined) return;
      const t = parseCrawlThreshold(expr, request);
      if ('error' in t) r.error('ERR_SCENARIO_THRESHOLD', t.error, exprNode);
      else out.thresholds.push(t);
    });
  }
  if (r.errors.length > 0) fail(r);
  return out;
}

function readCrawl(r: NodeReader, node: ReturnType<NodeReader['deref']>, out: CrawlScenario): void {
  const keys = ['seeds', ...Object.keys(CRAWL_SCENARIO_KEYS)];
  const f = r.fields(node, 'crawl', keys);
  if (f === undefined) return;
  if (!f.has('seeds')) r.error('ERR_SCENARIO_MISSING', 'crawl needs "seeds" (the URLs to start from)', f.node);
  else for (const [i, s] of (r.list(f.value('seeds'), 'crawl.seeds', true) ?? []).entries()) {
    const v = r.string(s, `crawl.seeds[${i}]`, { nonEmpty: true });
    if (v !== undefined) out.seeds.push(v);
  }
  for (const [key, [flag, type]] of Object.entries(CRAWL_SCENARIO_KEYS)) {
    if (!f.has(key)) continue;
    const v = f.value(key);
    const path = `crawl.${key}`;
    if (type === 'boolean') {
      const b = r.boolean(v, path);
      if (b !== undefined) out.flags[flag] = b;
    } else if (type === 'list') {
      const items = (r.list(v, path, true) ?? []).map((n, i) => r.string(n, `${path}[${i}]`, { nonEmpty: true })).filter((x): x is string => x !== undefined);
      out.flags[flag] = items;
    } else if (type === 'number') {
      const n = r.number(v, path, { min: 0, integer: true });
      if (n !== undefined) out.flags[flag] = String(n);
    } else {
      // strings and durations ("500ms") go through the flag's own parser, as on the command line
      const s = r.string(v, path, { numbers: type !== 'duration' });
      if (s !== undefined) out.flags[flag] = s;
    }
  }
}
