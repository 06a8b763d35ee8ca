// `fastbench import har|openapi|curl|crawl`: a scenario YAML from what a user already has — a
// browser's HAR, an OpenAPI description, curl command lines, or a crawl's JSONL records. The YAML
// goes to stdout (or -o FILE, written atomically); warnings about what could not be mapped, each
// naming its place in the input, go to stderr. The importers live in src/cli/import/; each builds
// the scenario document, and import-output.ts renders it and checks it with the scenario
// validator, so what is printed passes `fastbench validate` (with the credential variables set).
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { FastbenchError } from '../core/errors.js';
import { collect, formatCommanderError, parseCountFlag, parseDurationFlag, parsePositiveFlag, parseRateFlag } from './flags.js';
import { examples } from './help.js';
import { importCrawl } from './import/crawl-import.js';
import { importCurl } from './import/curl-import.js';
import { importHar } from './import/har-import.js';
import { formatWarnings, ImportLog, loadPhase, renderImport, type LoadFlags, type PhaseDoc, type ScenarioDoc } from './import/import-output.js';
import { readInput } from './import/json-input.js';
import { importOpenApi } from './import/openapi-import.js';

interface CommonFlags extends LoadFlags {
  out?: string;
  name?: string;
}

function load(flags: LoadFlags): PhaseDoc[] {
  return loadPhase(flags, {
    count: (v, flag) => parseCountFlag(v, flag, 1),
    duration: (v, flag) => {
      parseDurationFlag(v, flag);
      return v.trim();
    },
    rate: (v, flag) => parseRateFlag(v, flag),
  });
}

/** Writes `text` to `file` through a temp file and a rename. */
function writeAtomic(file: string, text: string): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // never written
    }
    throw new FastbenchError('ERR_USAGE_FILE', `cannot write ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}

/** Renders, checks and writes the document; warnings and the credential note to stderr. */
function finish(doc: ScenarioDoc, log: ImportLog, source: string, flags: CommonFlags): void {
  if (flags.name !== undefined) doc.name = flags.name;
  const file = resolve(flags.out ?? 'imported.yaml');
  const { yaml, secrets } = renderImport(doc, log, source, file);
  process.stderr.write(formatWarnings(log));
  if (flags.out !== undefined) writeAtomic(file, yaml);
  else process.stdout.write(yaml);
  const count = (doc.requests ?? doc.flows?.flatMap((f) => f.steps) ?? []).length;
  if (flags.out !== undefined) process.stderr.write(`wrote ${flags.out} (${count} request${count === 1 ? '' : 's'})\n`);
  if (secrets.length > 0) {
    process.stderr.write(`note: credentials became environment variables; set ${secrets.map((s) => s.name).join(', ')} (export, or -e NAME=value) before run or validate\n`);
  }
}

function addCommon(c: Command): Command {
  return c
    .option('-o, --out <file>', 'write the scenario to FILE instead of stdout')
    .option('--name <name>', 'the scenario name')
    .option('-c, --connections <n>', 'connections of the load phase (default 10)')
    .option('-d, --duration <d>', 'duration of the load phase (default 30s)')
    .option('-R, --rate <r>', 'make the load phase open, at this rate (1000, 1000/s, 6000/m)');
}

/** Each argument a whole command line; `-` reads standard input; words after `--` are one command. */
function curlText(args: readonly string[]): string {
  if (args.length === 1 && args[0] === '-') return readFileSync(0, 'utf8');
  if (args.length > 1 && args[0] === 'curl') return args.map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return args.join('\n');
}

export function registerImportCommand(program: Command): void {
  const cmd = program
    .command('import')
    .description('write a scenario from a HAR recording, an OpenAPI file, curl command lines or a crawl\'s JSONL records')
    .addHelpText('after', examples([
      'fastbench import har recording.har --host shop.test -o shop.yaml',
      'fastbench import openapi api.yaml',
      "fastbench import curl 'curl -u me:secret -d item=7 http://127.0.0.1:8080/anything'",
      'fastbench import crawl pages.jsonl --propose-thresholds',
    ]));

  addCommon(cmd.command('har').argument('<file>', 'HAR 1.2 file'))
    .description('HAR entries → the steps of one flow (static assets dropped, think times kept, credentials → {{env.NAME}})')
    .option('--all', 'keep static assets (images, CSS, scripts, fonts, media)')
    .option('--host <host>', 'keep only requests to this host or host:port (repeatable)', collect, [] as string[])
    .addHelpText('after', examples(['fastbench import har recording.har -o flow.yaml', 'fastbench import har recording.har --host api.shop.test --all']))
    .action((file: string, flags: CommonFlags & { all?: boolean; host: string[] }) => {
      const log = new ImportLog();
      const doc = importHar(readInput(file), file, { all: flags.all, hosts: flags.host, load: load(flags) }, log);
      finish(doc, log, `har ${file}`, flags);
    });

  addCommon(cmd.command('openapi').argument('<file>', 'OpenAPI 3.0 / 3.1 file (YAML or JSON)'))
    .description('OpenAPI operations → weighted requests with example or schema-built bodies')
    .option('--target <url>', 'base URL instead of servers[0]')
    .addHelpText('after', examples(['fastbench import openapi api.yaml -o api-load.yaml', 'fastbench import openapi api.json --target http://127.0.0.1:8080']))
    .action(async (file: string, flags: CommonFlags & { target?: string }) => {
      if (flags.target !== undefined && !/^https?:\/\/[^/]/i.test(flags.target)) {
        throw new FastbenchError('ERR_USAGE_BAD_URL', `--target ${JSON.stringify(flags.target)}: give an absolute http:// or https:// URL`);
      }
      const log = new ImportLog();
      const doc = await importOpenApi(file, { target: flags.target, load: load(flags) }, log);
      finish(doc, log, `openapi ${file}`, flags);
    });

  addCommon(cmd.command('curl').argument('<command...>', "curl command line(s), each one argument (quoted), or - for standard input"))
    .description('curl command lines → one request each (or the steps of one flow with --flow)')
    .option('--flow', 'one flow, the commands as its steps in order, instead of weighted requests')
    .addHelpText('after', examples([
      "fastbench import curl 'curl -u me:secret https://api.test/v1/me'",
      'fastbench import curl - --flow < commands.sh',
    ]))
    .action((args: string[], flags: CommonFlags & { flow?: boolean }) => {
      const log = new ImportLog();
      const source = args.length === 1 && args[0] === '-' ? '<stdin>' : '<curl>';
      const doc = importCurl(curlText(args), source, { flow: flags.flow, load: load(flags), cwd: process.cwd() }, log);
      finish(doc, log, 'curl …', flags);
    });

  addCommon(cmd.command('crawl').argument('<file>', "a crawl's JSONL output (fastbench crawl --links -o pages.jsonl)"))
    .description("a crawl's pages → weighted requests (weights from in-links), thresholds proposed from its latencies")
    .option('--uniform', 'every page weighs 1 (instead of its in-links)')
    .option('--max-urls <n>', 'keep the n most linked pages (default 500)')
    .option('--propose-thresholds', "propose p50/p99/errors thresholds from the crawl's latencies")
    .option('--margin <x>', 'threshold margin over the crawl\'s latencies (default 3)')
    .addHelpText('after', examples(['fastbench import crawl pages.jsonl -o site.yaml', 'fastbench import crawl pages.jsonl --propose-thresholds --margin 5']))
    .action((file: string, flags: CommonFlags & { uniform?: boolean; maxUrls?: string; proposeThresholds?: boolean; margin?: string }) => {
      const log = new ImportLog();
      const doc = importCrawl(readInput(file), file, {
        uniform: flags.uniform,
        maxUrls: flags.maxUrls === undefined ? undefined : parseCountFlag(flags.maxUrls, '--max-urls', 1),
        proposeThresholds: flags.proposeThresholds,
        margin: flags.margin === undefined ? undefined : parsePositiveFlag(flags.margin, '--margin'),
        load: load(flags),
      }, log);
      finish(doc, log, `crawl ${file}`, flags);
    });

  for (const c of cmd.commands) c.configureOutput({ outputError: (s, write) => write(formatCommanderError(s, `import ${c.name()}`)) });
}
