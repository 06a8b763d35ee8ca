// issue 17 (fleet): `fastbench watch redis://host:6379/JOB [-o merged.json] [--json] [--wait 10m]`
// follows a fleet of `run --fleet` shards: prints one line per merged interval (all shards' HDR
// histograms added), judges the scenario's thresholds on the merged fleet as it goes (publishing
// the abort key when an abortOnFail one fails, which stops every shard), reports shards that stop
// heartbeating, and at the end prints the fleet's verdict and exits with it (0 pass, 1 fail,
// 3 invalid). The merged result is the shards' results merged exactly as `fastbench merge` merges
// their files: -o writes it, --json prints it on stdout (the lines then go to stderr).
//
// `--dashboard[=host:port]` (and `--prometheus`, `--otlp`) serve the fleet live: each merged
// interval goes to the same live outputs a single run feeds (live-outputs.ts, through
// fleet/fleet-live.ts), and once the verdict is in, the dashboard becomes the HTML report of the
// merged result — the one `fastbench report` makes of `fastbench merge`'s output.
import type { Command } from 'commander';
import { FastbenchError } from '../core/errors.js';
import { fleetIntervalLine } from '../report/fleet-gate.js';
import { renderJson } from '../report/json-report.js';
import { writeFileAtomic } from '../report/report-writer.js';
import { FleetChannel } from './fleet/fleet-channel.js';
import { FleetFollower } from './fleet/fleet-follower.js';
import { FLEET_LIVE_NOTE, FleetLiveFeed } from './fleet/fleet-live.js';
import { fleetOutcomeLines } from './fleet/fleet-shard.js';
import { parseDurationFlag } from './flags.js';
import { examples } from './help.js';
import { addLiveOptions, LiveOutputs, type LiveFlags } from './live-outputs.js';

export interface WatchFlags extends LiveFlags {
  out?: string;
  json?: boolean;
  wait?: string;
  allowInvalid?: boolean;
}

/** Follows the fleet to its end; resolves to the exit code (the fleet's verdict). */
export async function runWatchCommand(url: string, flags: WatchFlags): Promise<number> {
  const waitMs = flags.wait !== undefined ? parseDurationFlag(flags.wait, '--wait') : 600_000;
  const channel = await FleetChannel.connect(url, 'watch');
  const job = channel.target.job;
  let live: LiveOutputs | undefined;
  try {
    // the interval is the shards' (known once one joined); OTLP pushes at its own 1 s meanwhile
    live = await LiveOutputs.start(flags, { name: `fleet ${job}`, phases: [], intervalMs: 1000, note: FLEET_LIVE_NOTE });
  } catch (e) {
    channel.close();
    throw e;
  }
  const lines = flags.json === true ? process.stderr : process.stdout;
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const follower = new FleetFollower(channel, { joinTimeoutMs: waitMs, signal: stop.signal });
    let announced = false;
    let feed: FleetLiveFeed | undefined;
    try {
      for await (const iv of follower.intervals()) {
        if (!announced) {
          announced = true;
          lines.write(`fleet ${job}: ${follower.count ?? '?'} shards, ${follower.intervalMs} ms intervals\n`);
        }
        lines.write(fleetIntervalLine(iv, follower.intervalMs) + '\n');
        if (live !== undefined) live.onLive((feed ??= new FleetLiveFeed(follower.intervalMs)).next(iv));
      }
    } catch (e) {
      throw channel.failure(e);
    }
    if (follower.count === undefined) {
      throw new FastbenchError('ERR_FLEET_REDIS', `no shard joined fleet ${job} at ${channel.target.address} within ${waitMs / 1000}s`);
    }
    if (stop.signal.aborted) {
      lines.write(`fleet ${job}: stopped watching before the fleet finished\n`);
      return 130;
    }
    const outcome = await follower.finish(flags.allowInvalid === true);
    for (const line of fleetOutcomeLines(job, outcome)) lines.write(line + '\n');
    if (outcome.merged !== undefined) {
      const json = renderJson(outcome.merged);
      if (flags.out !== undefined) await writeFileAtomic(flags.out, json);
      if (flags.json === true) process.stdout.write(json);
    }
    if (live !== undefined) {
      // the page turns into the merged result's report (none when no shard published one)
      if (outcome.merged !== undefined) await live.finish(outcome.merged);
      await live.linger();
      await live.close();
      live = undefined;
    }
    return outcome.verdict.exit;
  } finally {
    await live?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    channel.close();
  }
}

export function registerWatchCommand(program: Command): void {
  const cmd = program
    .command('watch')
    .description('follow a fleet of `run --fleet` shards: merged per-interval lines, live fleet thresholds (abortOnFail stops every shard), the fleet verdict as exit code')
    .argument('<redis-url>', 'the fleet: redis://host:6379/JOB-ID, as given to run --fleet')
    .option('-o, --out <file>', 'write the merged result.json (the same as `fastbench merge` of the shards\' files)')
    .option('--json', 'print the merged result as JSON on stdout (the interval lines go to stderr)')
    .option('--wait <time>', 'give up when no shard has joined within this long (default 10m)')
    .option('--allow-invalid', 'do not exit 3 when a shard\'s generator was the bottleneck');
  addLiveOptions(cmd)
    .addHelpText('after', examples([
      'fastbench watch redis://127.0.0.1:6379/nightly-42',
      'fastbench watch redis://redis:6379/$JOB_ID -o merged.json',
      'fastbench watch redis://redis:6379/$JOB_ID --dashboard=0.0.0.0:5665 --dashboard-keep',
    ]))
    .action(async (url: string, flags: WatchFlags) => {
      process.exitCode = await runWatchCommand(url, flags);
    });
}
