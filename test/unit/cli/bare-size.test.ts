// A bare size is bytes in every command (crawl's --max-body once read a bare number as MB).
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { benchDocument } from '../../../src/cli/bench-command.js';
import { crawlOptionsFromFlags, registerCrawlCommand, type CrawlFlags } from '../../../src/cli/crawl-command.js';
import { runOverrides } from '../../../src/cli/run-command.js';
import { serveOptions } from '../../../src/cli/serve-command.js';

function crawlFlags(argv: string[]): { seeds: string[]; flags: CrawlFlags } {
  const program = new Command().exitOverride();
  registerCrawlCommand(program);
  let got: { seeds: string[]; flags: CrawlFlags } | undefined;
  program.commands[0]!.action((seeds: string[], flags: CrawlFlags) => void (got = { seeds, flags }));
  program.parse(['node', 'fastbench', 'crawl', ...argv]);
  return got!;
}

describe('a bare size is bytes', () => {
  it('crawl --max-body 4096', () => {
    const { seeds, flags } = crawlFlags(['http://a.test/', '--max-body', '4096']);
    expect(crawlOptionsFromFlags(seeds, flags).maxBodyBytes).toBe(4096);
  });
  it('run, bench, serve', () => {
    expect(runOverrides({ env: [], maxBody: '4096' }).maxResponseBodySize).toBe(4096);
    const bench = benchDocument('http://127.0.0.1:1/', { connections: '1', pipelining: '1', method: 'GET', timeout: '1s', maxBody: '4096' });
    expect((bench.document.client as Record<string, unknown>).maxResponseBodySize).toBe(4096);
    const serve = serveOptions({ host: '127.0.0.1', port: '0', workers: '1', readTimeout: '1s', writeTimeout: '1s', idleTimeout: '1s', maxBodySize: '4096', grace: '1s' });
    expect(serve.maxRequestBodySize).toBe(4096);
  });

  it('run -R reads a rate as `rate:` does, -d a duration as `duration:` does', () => {
    expect(runOverrides({ env: [], rate: '6000/m', duration: '1m30s', interval: '250ms' })).toEqual({ rate: 100, duration: 90_000, interval: 250 });
  });
});
