// An internal bug ends the CLI with exit 70 and ONE line on stderr naming a crash report file
// (the stack, the cause chain, versions and the command line) — never a stack trace on the
// terminal unless --debug asks for it. Uncaught exceptions and unhandled rejections anywhere in
// the process end the same way (installCrashHandlers).
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_INTERNAL } from '../core/errors.js';

function describe(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (depth > 0) parts.push('caused by:');
    parts.push(e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e));
    e = e instanceof Error ? (e as Error & { cause?: unknown }).cause : undefined;
  }
  return parts.join('\n');
}

function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/**
 * Writes the crash report; resolves to its path, or undefined when not even the temp directory
 * takes it (the stack then goes to stderr: it must not be lost).
 */
export function writeCrashReport(err: unknown, argv: readonly string[], dir = tmpdir()): string | undefined {
  const now = new Date();
  const path = join(dir, `fastbench-crash-${stamp(now)}-${process.pid}.txt`);
  let version = 'unknown';
  try {
    // package.json sits two levels above src/cli and dist/cli; a plain read, no module loading.
    version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    // leave it unknown
  }
  const text = [
    'fastbench crash report — please attach it to a bug report',
    `time: ${now.toISOString()}`,
    `fastbench: ${version}`,
    `node: ${process.version} ${process.platform} ${process.arch}`,
    `command: ${argv.slice(2).map((a) => JSON.stringify(a)).join(' ')}`,
    '',
    describe(err),
    '',
  ].join('\n');
  try {
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  } catch {
    return undefined;
  }
}

/** The one line for an internal error (plus the stack with --debug). Returns EXIT_INTERNAL. */
export function reportInternalError(err: unknown, argv: readonly string[]): number {
  const e = err as Error | undefined;
  const message = (e?.message ?? String(err)).split('\n')[0];
  const path = writeCrashReport(err, argv);
  const where = path !== undefined ? `crash report: ${path}` : 'no crash report could be written';
  process.stderr.write(`error[ERR_INTERNAL]: ${message} (a bug in fastbench; ${where})\n`);
  if (argv.includes('--debug') || path === undefined) process.stderr.write(describe(err) + '\n');
  return EXIT_INTERNAL;
}

let installed = false;

/** Uncaught exceptions and unhandled rejections: crash report, one line, exit 70. */
export function installCrashHandlers(argv: readonly string[]): void {
  if (installed) return;
  installed = true;
  const die = (err: unknown): void => {
    process.exit(reportInternalError(err, argv));
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
  // A reader that went away (`fastbench serve --help | head`, a closed pager) is not a bug: what
  // is still written to that stream is dropped, and the command ends as it would have (a run still
  // writes its report files and exits with its verdict).
  const gone = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
    die(err);
  };
  process.stdout.on('error', gone);
  process.stderr.on('error', gone);
}
